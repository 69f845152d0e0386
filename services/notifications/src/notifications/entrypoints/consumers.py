"""Kafka consumers, each its own group so one never waits for another: the member view; the
sealed contact points; the events that notify one member or officer (and branch systems'
webhooks); campaign audiences (fan-out)."""

from __future__ import annotations

from unionfed_chassis.consumer import Delivery, EventConsumer
from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.member_view import member_view_consumer as view_consumer
from unionfed_events import Event, topics
from unionfed_events import assistance as aev
from unionfed_events import campaigns as cev
from unionfed_events import membership as mev

from notifications.adapters.orm import member_view
from notifications.handlers import contacts
from notifications.handlers.erasure import member_erased
from notifications.handlers.events import on_events
from notifications.handlers.fanout import on_audience_targeted, on_campaign_launched

READ_DOMAINS = ("membership", "assistance", "campaigns")

# Events of other services that reach people or branch systems. Not: inbound registration
# requests (full ID numbers) and answers (a branch system's own replies topic), contact points
# (the contacts consumer's), audiences (the fan-out consumer's).
NOT_PLANNED: frozenset[type[Event]] = frozenset(
    {
        *mev.PERSONAL_DATA_EVENTS,
        mev.MemberRegistrationAnswered,
        mev.MemberContactPoints,
        mev.MemberContactPointsWithdrawn,
        cev.AudienceTargeted,
    }
)
PLANNED: list[type[Event]] = [e for e in (*mev.EVENTS, *aev.EVENTS, *cev.EVENTS) if e not in NOT_PLANNED]


def member_view_consumer(group: str, source: str) -> EventConsumer:
    """The member view; an erased member's contact points, preferences and messages are deleted."""
    return view_consumer(group, source, "notifications", member_view, on_left=None, on_erased=member_erased)


async def _contact_points(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        await contacts.keep_contact_points(uow, d.event, d.envelope.time)


async def _withdrawn(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        await contacts.drop_contact_points(uow, d.event, d.envelope.time)


def contacts_consumer(group: str, source: str) -> EventConsumer:
    """Membership's sealed contact points (private compacted topic; tombstones are skipped)."""
    return EventConsumer(
        group,
        {mev.MemberContactPoints: _contact_points, mev.MemberContactPointsWithdrawn: _withdrawn},
        topics=[topics.CONTACT_POINTS],
        domain="notifications",
        source=source,
    )


def events_consumer(group: str, source: str) -> EventConsumer:
    return EventConsumer(
        group,
        dict.fromkeys(PLANNED, on_events),
        pattern="|".join(f"(?:{topics.events_pattern(d)})" for d in READ_DOMAINS),
        domain="notifications",
        source=source,
    )


def audience_consumer(group: str, source: str) -> EventConsumer:
    """Campaign fan-out, in its own group: a 100,000-member audience is read and written here
    while the events consumer goes on with one person's messages."""
    return EventConsumer(
        group,
        {cev.CampaignLaunched: on_campaign_launched, cev.AudienceTargeted: on_audience_targeted},
        pattern=topics.events_pattern("campaigns"),
        domain="notifications",
        source=source,
    )
