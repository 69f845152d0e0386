"""Webhook subscriptions in the database, their sealed secrets, the rows planned for them, and
their delivery log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_chassis import contact_seal
from unionfed_chassis.contact_seal import ContactKeyring

from notifications.adapters.orm import contents, delivery_attempts, notifications, webhook_subscriptions

subs = webhook_subscriptions


@dataclass(frozen=True)
class SecretBox:
    """Seals secrets to the service's current contact key and opens those sealed to any key it
    holds: the database (and its backups) never see a secret in the clear."""

    key_id: str
    public_key: str
    keyring: ContactKeyring

    def seal(self, secret: str) -> str:
        return contact_seal.seal_text(self.public_key, secret)

    def open(self, key_id: str, sealed: str) -> str:
        return self.keyring.unseal_text(key_id, sealed)


async def add(session: AsyncSession, values: dict[str, Any]) -> Any:
    return (await session.execute(subs.insert().values(values).returning(subs))).one()


async def get(session: AsyncSession, subscription_id: UUID, *, for_update: bool = False) -> Any:
    query = sa.select(subs).where(subs.c.subscription_id == subscription_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).one_or_none()


async def update(session: AsyncSession, subscription_id: UUID, values: dict[str, Any]) -> Any:
    statement = (
        subs.update()
        .where(subs.c.subscription_id == subscription_id)
        .values(**values, updated_at=sa.func.now())
        .returning(subs)
    )
    return (await session.execute(statement)).one()


async def page(
    session: AsyncSession, *, district: str | None, active: bool | None, offset: int, limit: int
) -> tuple[list[Any], int]:
    """Subscriptions, newest first."""
    conditions = []
    if district is not None:
        conditions.append(subs.c.district == district)
    if active is not None:
        conditions.append(subs.c.active == active)
    total = (
        await session.execute(sa.select(sa.func.count()).select_from(subs).where(*conditions))
    ).scalar_one()
    query = (
        sa.select(subs)
        .where(*conditions)
        .order_by(subs.c.created_at.desc(), subs.c.subscription_id)
        .offset(offset)
        .limit(limit)
    )
    return list((await session.execute(query)).all()), int(total)


async def active_for(
    session: AsyncSession, districts: Sequence[str] | None, types: Sequence[str]
) -> list[Any]:
    """The active subscriptions to any of `types` in `districts` (every district's when None)."""
    query = sa.select(subs.c.subscription_id, subs.c.district, subs.c.event_types).where(
        subs.c.active, subs.c.event_types.overlap(sa.cast(list(types), subs.c.event_types.type))
    )
    if districts is not None:
        query = query.where(subs.c.district.in_(list(districts)))
    return list((await session.execute(query)).all())


async def plan(
    session: AsyncSession, content_rows: Iterable[dict[str, Any]], rows: Iterable[dict[str, Any]]
) -> None:
    """Insert contents and their notifications; what exists already (a redelivered event) stays
    as it is and nothing is added twice."""
    content_rows, rows = list(content_rows), list(rows)
    if content_rows:
        await session.execute(pg_insert(contents).values(content_rows).on_conflict_do_nothing())
    if rows:
        await session.execute(pg_insert(notifications).values(rows).on_conflict_do_nothing())


async def deactivate_gone(session: AsyncSession, subscription_id: UUID) -> None:
    """The receiver answered 410 Gone: no more deliveries until someone reactivates it."""
    await session.execute(
        subs.update()
        .where(subs.c.subscription_id == subscription_id, subs.c.active)
        .values(active=False, updated_at=sa.func.now())
    )


async def recent_attempts(session: AsyncSession, subscription_id: UUID, limit: int) -> list[Any]:
    """The subscription's latest delivery attempts, newest first, with the event type."""
    query = (
        sa.select(
            delivery_attempts.c.at,
            delivery_attempts.c.notification_id,
            contents.c.caused_type.label("event_type"),
            delivery_attempts.c.attempt,
            delivery_attempts.c.outcome,
            delivery_attempts.c.status_code,
            delivery_attempts.c.error,
            delivery_attempts.c.duration_ms,
        )
        .join(notifications, notifications.c.notification_id == delivery_attempts.c.notification_id)
        .join(contents, contents.c.content_id == notifications.c.content_id)
        .where(delivery_attempts.c.subscription_id == subscription_id)
        .order_by(delivery_attempts.c.at.desc(), delivery_attempts.c.attempt_id.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).all())
