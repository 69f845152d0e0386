"""Kafka consumers: the member view from membership's events (and what a member leaving means
for their cases and their hardship record); aid windows from campaigns' events."""

from __future__ import annotations

from unionfed_chassis.consumer import Delivery, EventConsumer
from unionfed_chassis.db import UnitOfWork
from unionfed_events import campaigns as cev
from unionfed_events import membership as mev
from unionfed_events import topics

from assistance.handlers import aid_windows, hardship, member_view
from assistance.handlers.member_left import flag_open_cases


def _version(delivery: Delivery) -> int:
    # Membership stamps every member event with the member's version; 0 if a producer did not.
    return delivery.envelope.sequence or 0


async def _joined(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        await member_view.member_joined(uow, d.event, _version(d))


async def _transferred(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        await member_view.member_transferred(uow, d.event, _version(d))


async def _left(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        e: mev.MemberLeft = d.event
        await member_view.member_status(
            uow, e.member_id, e.branch_id, e.district, "left", _version(d), e.left_on
        )
        await flag_open_cases(uow, e.member_id)
        await hardship.exit_on_member_left(uow, e.member_id, e.left_on)


async def _reinstated(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        e: mev.MemberReinstated = d.event
        await member_view.member_status(uow, e.member_id, e.branch_id, e.district, "active", _version(d))


async def _contact(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        await member_view.contact_updated(uow, d.event, _version(d))


async def _branch_established(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        await member_view.branch_established(uow, d.event)


async def _branch_closed(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        await member_view.branch_closed(uow, d.event)


def member_view_consumer(group: str, source: str) -> EventConsumer:
    """Applies membership's events of every district (and the federation topic) to the view."""
    return EventConsumer(
        group,
        {
            mev.BranchEstablished: _branch_established,
            mev.BranchClosed: _branch_closed,
            mev.MemberJoined: _joined,
            mev.MemberTransferred: _transferred,
            mev.MemberLeft: _left,
            mev.MemberReinstated: _reinstated,
            mev.MemberContactUpdated: _contact,
        },
        pattern=topics.events_pattern("membership"),
        domain="assistance",
        source=source,
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
