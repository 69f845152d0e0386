"""Which notifications an event causes, for members and officers, in the consumer's transaction.

Per event and template, one `contents` row; per (event, recipient, channel), one `notifications`
row. Both inserts skip what exists, so a redelivered event (or a replayed dead letter) plans
nothing twice, and the rows commit with the consumer's inbox rows. Channels come from the
recipient's preferences and where they can be reached; an SMS due in quiet hours waits until
they end; an officer who takes digests gets the alert as a `digest` row the digest loop collects.
In-app messages are the inbox itself: they are delivered as they are written, and announced.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from unionfed_chassis.consumer import Delivery, inbox_id
from unionfed_chassis.db import UnitOfWork
from unionfed_events import Envelope
from unionfed_events.notifications import NotificationDelivered

from notifications.adapters import planning_store as store
from notifications.domain.model import Category, Channel, RecipientKind
from notifications.domain.preferences import Preferences, channels_for, quiet_until
from notifications.domain.routing import Route, routes_for

CONTENT_IDS = uuid.UUID("6f1d3c52-2a51-4c1e-9c1b-6a0d2f6b7e10")
DIGEST_CHANNEL = Channel.EMAIL  # a digest replaces alerts by e-mail and SMS: it is an e-mail


def event_uuid(envelope: Envelope) -> uuid.UUID:
    """The event's id as the tables keep it: our services' ids are UUIDs; any other id is
    turned into one, stably, from the id the inbox deduplicates by."""
    try:
        return uuid.UUID(envelope.id)
    except ValueError:
        return uuid.uuid5(CONTENT_IDS, inbox_id(envelope))


def content_id(caused_by: uuid.UUID, template: str) -> uuid.UUID:
    """Derived from the (event, template) pair, so a redelivered event finds its rows' content."""
    return uuid.uuid5(CONTENT_IDS, f"{caused_by}/{template}")


@dataclass(frozen=True)
class Recipient:
    kind: RecipientKind
    id: str
    reachable: list[Channel]
    digest: bool = False


@dataclass
class Facts:
    """What the batch's recipients are, loaded once for the whole batch."""

    members: dict[uuid.UUID, store.MemberFacts]
    reach: dict[uuid.UUID, list[Channel]]
    officers: list[store.Officer]
    preferences: dict[str, Preferences]
    branch_names: dict[str, str]


async def _load(uow: UnitOfWork, planned: list[tuple[Delivery, Route]]) -> Facts:
    s = uow.session
    member_ids = [r.member_id for _, r in planned if r.member_id is not None]
    officers = await store.officers_of(s, (r.officers for _, r in planned if r.officers is not None))
    recipient_ids = [str(m) for m in member_ids] + [o.officer_id for o in officers]
    return Facts(
        members=await store.member_facts(s, member_ids),
        reach=await store.member_reach(s, member_ids),
        officers=officers,
        preferences=await store.preferences_of(s, recipient_ids),
        branch_names=await store.branch_names(s, (b for _, r in planned for b in r.branch_names.values())),
    )


def recipients(route: Route, facts: Facts) -> list[Recipient]:
    """Who `route` reaches: its member unless they left (and this is not the leaving message)
    or were erased; the registered officers of its unit, in their own inbox and, when they
    registered sealed contacts, by e-mail and SMS."""
    if route.member_id is not None:
        known = facts.members.get(route.member_id)
        if known is not None and (known.erased or (known.left and not route.about_leaving)):
            return []
        reach = facts.reach.get(route.member_id, [Channel.IN_APP])
        return [Recipient(RecipientKind.MEMBER, str(route.member_id), reach)]
    if route.officers is None:
        return []
    return [
        Recipient(
            RecipientKind.OFFICER,
            o.officer_id,
            [Channel.IN_APP] + ([Channel.EMAIL, Channel.SMS] if o.has_contacts else []),
            digest=o.digest in ("hourly", "daily") and route.category == Category.ALERT,
        )
        for o in facts.officers
        if o.serves(route.officers)
    ]


def _channels(route: Route, recipient: Recipient, prefs: Preferences) -> list[tuple[Channel, str]]:
    """(channel, status) of each row: in-app rows are delivered as written; a digest officer's
    e-mail and SMS alerts become one `digest` row on the digest's channel."""
    chosen = channels_for(prefs, route.category, route.critical, recipient.reachable)
    in_app = [(Channel.IN_APP, "delivered")] if Channel.IN_APP in chosen else []
    outside = [c for c in chosen if c != Channel.IN_APP]
    if not recipient.digest:
        return in_app + [(c, "pending") for c in outside]
    return in_app + (
        [(DIGEST_CHANNEL, "digest")] if outside and DIGEST_CHANNEL in recipient.reachable else []
    )


def rows_for(
    route: Route,
    recipient: Recipient,
    prefs: Preferences,
    cid: uuid.UUID,
    caused_by: uuid.UUID,
    now: datetime,
) -> list[dict[str, Any]]:
    """The recipient's rows: one per channel their preferences keep (see `_channels`)."""
    return [
        {
            "content_id": cid,
            "caused_by": caused_by,
            "recipient_kind": recipient.kind.value,
            "recipient_id": recipient.id,
            "channel": channel.value,
            "status": status,
            "priority": int(route.priority),
            "next_attempt_at": quiet_until(prefs, channel, route.critical, now) or now,
            "delivered_at": now if status == "delivered" else None,
        }
        for channel, status in _channels(route, recipient, prefs)
    ]


def content_row(
    route: Route, delivery: Delivery, caused_by: uuid.UUID, names: dict[str, str]
) -> dict[str, Any]:
    # A branch the view has not heard of yet is named by its id rather than not at all.
    params = route.params | {k: names.get(b, b) for k, b in route.branch_names.items()}
    return {
        "content_id": content_id(caused_by, route.template),
        "caused_by": caused_by,
        "caused_type": delivery.envelope.type,
        "template": route.template,
        "category": route.category.value,
        "critical": route.critical,
        "district": route.district,
        "params": params,
    }


async def plan_notifications(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    planned = [(d, r) for d in deliveries for r in routes_for(d.event)]
    if not planned:
        return
    facts = await _load(uow, planned)
    now = datetime.now(UTC)
    contents: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    about: dict[tuple[uuid.UUID, str, str], tuple[Route, Delivery]] = {}
    for delivery, route in planned:
        caused_by = event_uuid(delivery.envelope)
        content = content_row(route, delivery, caused_by, facts.branch_names)
        mine = [
            row
            for who in recipients(route, facts)
            for row in rows_for(
                route,
                who,
                facts.preferences.get(who.id, Preferences()),
                content["content_id"],
                caused_by,
                now,
            )
        ]
        if mine:
            contents.append(content)
            rows += mine
            about.update({(caused_by, r["recipient_id"], r["channel"]): (route, delivery) for r in mine})
    await store.insert_contents(uow.session, contents)
    for new in await store.insert_notifications(uow.session, rows):
        if new.channel == Channel.IN_APP.value:
            route, delivery = about[(new.caused_by, new.recipient_id, new.channel)]
            _announce_in_app(uow, new, route, delivery, now)


def _announce_in_app(uow: UnitOfWork, row: Any, route: Route, delivery: Delivery, now: datetime) -> None:
    event = NotificationDelivered(
        notification_id=row.notification_id,
        recipient_id=row.recipient_id,
        channel=Channel.IN_APP,
        template=route.template,
        caused_by=row.caused_by,
        delivered_at=now,
        attempts=1,
    )
    uow.emit(event, district=route.district, caused_by=delivery.envelope)
