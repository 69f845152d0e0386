"""The dispatcher's queries: claim due messages under a lease, read what rendering needs, record
an attempt's outcome only if the lease is still this round's."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.adapters.orm import (
    contact_points,
    contents,
    delivery_attempts,
    members,
    notifications,
    officers,
    preferences,
)
from notifications.domain.preferences import DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Claimed:
    """A due message this round holds until `lease_until` (also its fencing token)."""

    notification_id: UUID
    channel: str
    recipient_kind: str
    recipient_id: str
    attempts: int
    caused_by: UUID
    lease_until: datetime
    template: str
    caused_type: str
    params: dict[str, Any]
    district: str | None


async def claim_due(
    session: AsyncSession, channels: Collection[str], now: datetime, lease_until: datetime, limit: int
) -> list[Claimed]:
    """Up to `limit` pending messages of these channels due by `now`, most urgent first, none that
    another replica is claiming (SKIP LOCKED); their `next_attempt_at` moves to `lease_until`, so
    once this transaction commits no other round takes them until the lease runs out."""
    n, c = notifications.c, contents.c
    due = (
        sa.select(n.notification_id)
        .where(n.status == "pending", n.channel.in_(list(channels)), n.next_attempt_at <= now)
        .order_by(n.priority, n.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claim = (
        notifications.update()
        .where(n.notification_id.in_(due), n.content_id == c.content_id)
        .values(next_attempt_at=lease_until)
        .returning(
            n.notification_id,
            n.channel,
            n.recipient_kind,
            n.recipient_id,
            n.attempts,
            n.caused_by,
            n.priority,
            c.template,
            c.caused_type,
            c.params,
            c.district,
        )
    )
    rows = sorted((await session.execute(claim)).all(), key=lambda r: r.priority)
    return [
        Claimed(
            r.notification_id,
            r.channel,
            r.recipient_kind,
            r.recipient_id,
            r.attempts,
            r.caused_by,
            lease_until,
            r.template,
            r.caused_type,
            r.params,
            r.district,
        )
        for r in rows
    ]


async def languages(session: AsyncSession, recipient_ids: Iterable[str]) -> dict[str, str]:
    """Each recipient's language; those without preferences are not in the answer (the default)."""
    ids = list(set(recipient_ids))
    if not ids:
        return {}
    query = sa.select(preferences.c.recipient_id, preferences.c.language).where(
        preferences.c.recipient_id.in_(ids)
    )
    return {r.recipient_id: r.language or DEFAULT_LANGUAGE for r in await session.execute(query)}


async def member_names(session: AsyncSession, member_ids: Iterable[UUID]) -> dict[UUID, str | None]:
    """Names from the member view (None once erased)."""
    ids = list(set(member_ids))
    if not ids:
        return {}
    query = sa.select(members.c.member_id, members.c.name).where(members.c.member_id.in_(ids))
    return {r.member_id: r.name for r in await session.execute(query)}


async def sealed_contacts(
    session: AsyncSession, member_ids: Iterable[UUID], officer_ids: Iterable[str]
) -> dict[str, tuple[str, str]]:
    """The sealed contact points of these recipients, by recipient id: (key id, sealed box); one
    query per kind for a whole round (`contacts_store.open_contact` is the one-recipient form)."""
    found: dict[str, tuple[str, str]] = {}
    members_ = list(set(member_ids))
    if members_:
        cp = contact_points.c
        query = sa.select(cp.member_id, cp.key_id, cp.sealed).where(cp.member_id.in_(members_))
        found |= {str(r.member_id): (r.key_id, r.sealed) for r in await session.execute(query)}
    officers_ = list(set(officer_ids))
    if officers_:
        o = officers.c
        query = sa.select(o.officer_id, o.key_id, o.sealed).where(
            o.officer_id.in_(officers_), o.sealed.is_not(None), o.key_id.is_not(None)
        )
        found |= {r.officer_id: (r.key_id, r.sealed) for r in await session.execute(query)}
    return found


def _leased(ids: Collection[UUID], lease_until: datetime) -> Any:
    n = notifications.c
    return sa.and_(n.notification_id.in_(list(ids)), n.status == "pending", n.next_attempt_at == lease_until)


async def record_delivered(
    session: AsyncSession, ids: Collection[UUID], lease_until: datetime, provider: str | None, at: datetime
) -> set[UUID]:
    """Mark these messages (delivered by `provider`) delivered, in one statement; the ids whose
    lease still held (the others were claimed again after `lease_until`: that round records them)."""
    n = notifications.c
    updated = await session.execute(
        notifications.update()
        .where(_leased(ids, lease_until))
        .values(
            status="delivered", attempts=n.attempts + 1, provider=provider, delivered_at=at, last_error=None
        )
        .returning(n.notification_id)
    )
    return set(updated.scalars())


async def record_failure(session: AsyncSession, claimed: Claimed, values: dict[str, Any]) -> bool:
    """Apply a failed attempt's outcome (retry later, or failed for good) unless the lease was lost."""
    updated = await session.execute(
        notifications.update()
        .where(_leased([claimed.notification_id], claimed.lease_until))
        .values(**values)
        .returning(notifications.c.notification_id)
    )
    return updated.one_or_none() is not None


async def log_attempts(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """The delivery log's rows of a round, in one statement."""
    if rows:
        await session.execute(delivery_attempts.insert(), rows)
