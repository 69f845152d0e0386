"""The in-app inbox: a recipient's delivered `in_app` notification rows, with what their event
says (`contents`). Every query is keyed by (recipient kind, recipient id) from the caller's
token; a notification of anyone else is simply not found."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.adapters.orm import contents, members, notifications
from notifications.domain.model import Category, Channel, RecipientKind

n, c = notifications, contents

# Planning inserts in-app rows already `delivered` (the row is the delivery); a row held for a
# digest or suppressed is not in the inbox.
INBOX_STATUS = "delivered"

_ITEM_COLUMNS = (
    n.c.notification_id,
    n.c.created_at,
    n.c.read_at,
    c.c.caused_type,
    c.c.template,
    c.c.category,
    c.c.critical,
    c.c.params,
)


def _mine(kind: RecipientKind, recipient_id: str) -> list[sa.ColumnElement[bool]]:
    return [
        n.c.recipient_id == recipient_id,
        n.c.recipient_kind == kind.value,
        n.c.channel == Channel.IN_APP.value,
        n.c.status == INBOX_STATUS,
    ]


async def page(
    session: AsyncSession,
    kind: RecipientKind,
    recipient_id: str,
    page_no: int,
    size: int,
    *,
    unread_only: bool,
    category: Category | None,
) -> tuple[Sequence[Any], int]:
    """One page of the inbox, newest first, and the number of matching items."""
    where = _mine(kind, recipient_id)
    if unread_only:
        where.append(n.c.read_at.is_(None))
    if category is not None:
        where.append(c.c.category == category.value)
    joined = n.join(c, c.c.content_id == n.c.content_id)
    rows = await session.execute(
        sa.select(*_ITEM_COLUMNS)
        .select_from(joined)
        .where(*where)
        .order_by(n.c.created_at.desc(), n.c.notification_id.desc())
        .limit(size)
        .offset((page_no - 1) * size)
    )
    total = await session.scalar(sa.select(sa.func.count()).select_from(joined).where(*where))
    return rows.all(), total or 0


async def created_since(
    session: AsyncSession,
    kind: RecipientKind,
    recipient_id: str,
    since: datetime,
    known: list[UUID],
    limit: int,
) -> Sequence[Any]:
    """Inbox items created at or after `since` but for the `known` ones, oldest first (what the
    live stream has not sent yet)."""
    where = [*_mine(kind, recipient_id), n.c.created_at >= since]
    if known:
        where.append(n.c.notification_id.not_in(known))
    rows = await session.execute(
        sa.select(*_ITEM_COLUMNS)
        .select_from(n.join(c, c.c.content_id == n.c.content_id))
        .where(*where)
        .order_by(n.c.created_at, n.c.notification_id)
        .limit(limit)
    )
    return rows.all()


async def ids_since(
    session: AsyncSession, kind: RecipientKind, recipient_id: str, since: datetime
) -> list[tuple[UUID, datetime]]:
    """Ids and creation times of the inbox items created at or after `since`."""
    rows = await session.execute(
        sa.select(n.c.notification_id, n.c.created_at).where(
            *_mine(kind, recipient_id), n.c.created_at >= since
        )
    )
    return [(r.notification_id, r.created_at) for r in rows]


async def unread_count(session: AsyncSession, kind: RecipientKind, recipient_id: str) -> int:
    count = await session.scalar(
        sa.select(sa.func.count()).select_from(n).where(*_mine(kind, recipient_id), n.c.read_at.is_(None))
    )
    return count or 0


async def mark_read(
    session: AsyncSession, kind: RecipientKind, recipient_id: str, notification_id: UUID
) -> datetime | None:
    """Mark one item read (the first reading's time stays); its read time, or None when the
    recipient has no such item."""
    read_at: datetime | None = await session.scalar(
        sa.update(n)
        .where(*_mine(kind, recipient_id), n.c.notification_id == notification_id)
        .values(read_at=sa.func.coalesce(n.c.read_at, sa.func.now()))
        .returning(n.c.read_at)
    )
    return read_at


async def mark_all_read(session: AsyncSession, kind: RecipientKind, recipient_id: str) -> int:
    """Mark every unread item read; how many were."""
    result = await session.execute(
        sa.update(n).where(*_mine(kind, recipient_id), n.c.read_at.is_(None)).values(read_at=sa.func.now())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def member_name(session: AsyncSession, kind: RecipientKind, recipient_id: str) -> str:
    """The name a member's messages greet them with, from the member view ("" for an officer, an
    unknown or an erased member)."""
    if kind != RecipientKind.MEMBER:
        return ""
    try:
        member_id = UUID(recipient_id)
    except ValueError:
        return ""
    name = await session.scalar(sa.select(members.c.name).where(members.c.member_id == member_id))
    return name or ""
