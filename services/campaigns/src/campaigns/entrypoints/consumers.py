"""Kafka consumers: the member view from membership's events; the hardship view from
assistance's events; how many were notified, from notifications' summaries."""

from __future__ import annotations

from unionfed_chassis.consumer import Delivery, EventConsumer
from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.member_view import member_view_consumer as view_consumer
from unionfed_events import assistance as aev
from unionfed_events import notifications as nev
from unionfed_events import topics

from campaigns.adapters.orm import member_view
from campaigns.handlers.hardship_view import set_registered
from campaigns.handlers.notified import count_notified


def member_view_consumer(group: str, source: str) -> EventConsumer:
    return view_consumer(group, source, "campaigns", member_view, on_left=None, on_erased=None)


async def _registered(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        await set_registered(uow, d.event.member_id, True, d.envelope.time)


async def _exited(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        await set_registered(uow, d.event.member_id, False, d.envelope.time)


def hardship_consumer(group: str, source: str) -> EventConsumer:
    """Registrations and exits of the hardship registry, from every district's assistance topic."""
    return EventConsumer(
        group,
        {aev.HardshipWorkerRegistered: _registered, aev.HardshipWorkerExited: _exited},
        pattern=topics.events_pattern("assistance"),
        domain="campaigns",
        source=source,
    )


def notified_consumer(group: str, source: str) -> EventConsumer:
    """Notifications' `AudienceNotified` summaries, from every district's notifications topic."""
    return EventConsumer(
        group,
        {nev.AudienceNotified: count_notified},
        pattern=topics.events_pattern("notifications"),
        domain="campaigns",
        source=source,
    )
