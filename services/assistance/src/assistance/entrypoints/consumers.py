"""Kafka consumers: the member view from membership's events (and what a member leaving means
for their cases and their hardship record); aid windows from campaigns' events."""

from __future__ import annotations

from unionfed_chassis.consumer import Delivery, EventConsumer
from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.member_view import member_view_consumer as view_consumer
from unionfed_events import campaigns as cev
from unionfed_events import topics

from assistance.adapters.orm import member_view
from assistance.handlers import aid_windows
from assistance.handlers.member_erased import member_erased
from assistance.handlers.member_left import member_left


def member_view_consumer(group: str, source: str) -> EventConsumer:
    """The member view from membership's events; a member leaving flags their open cases, an
    erased member's case descriptions are blanked."""
    return view_consumer(
        group, source, "assistance", member_view, on_left=member_left, on_erased=member_erased
    )


async def _campaign_launched(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        await aid_windows.campaign_launched(uow, d.event)


async def _campaign_closed(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        await aid_windows.campaign_closed(uow, d.event)


def campaigns_consumer(group: str, source: str) -> EventConsumer:
    """Opens and closes aid windows from campaigns' events of every district and the federation."""
    return EventConsumer(
        group,
        {cev.CampaignLaunched: _campaign_launched, cev.CampaignClosed: _campaign_closed},
        pattern=topics.events_pattern("campaigns"),
        domain="assistance",
        source=source,
    )
