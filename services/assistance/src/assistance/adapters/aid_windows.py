"""Aid windows (drives' application periods): upsert from campaigns' events, close, list."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from assistance.adapters.orm import aid_windows
from assistance.adapters.queries import Page, page_of

_w = aid_windows.c


async def open_window(session: AsyncSession, row: dict[str, Any]) -> None:
    """Insert or refresh a window. A replayed launch never reopens a window already closed
    early: the closing day only ever moves earlier."""
    statement = insert(aid_windows).values(row)
    updates: dict[str, Any] = {c: statement.excluded[c] for c in row if c not in ("campaign_id", "closes_on")}
    updates["closes_on"] = sa.func.least(_w.closes_on, statement.excluded.closes_on)
    updates["updated_at"] = sa.func.now()
    await session.execute(statement.on_conflict_do_update(index_elements=["campaign_id"], set_=updates))


async def close_window(session: AsyncSession, campaign_id: UUID, closed_on: date) -> None:
    """Close the campaign's window on `closed_on` if that is earlier (no window: nothing)."""
    await session.execute(
        sa.update(aid_windows)
        .where(_w.campaign_id == campaign_id)
        .values(closes_on=sa.func.least(_w.closes_on, closed_on), updated_at=sa.func.now())
    )


async def list_windows(
    session: AsyncSession,
    page: int,
    size: int,
    *,
    aid_type: str | None = None,
    open_on: date | None = None,
    district: str | None = None,
) -> Page:
    query = sa.select(aid_windows)
    if aid_type is not None:
        query = query.where(_w.aid_type == aid_type)
    if open_on is not None:
        query = query.where(_w.opens_on <= open_on, _w.closes_on >= open_on)
    if district is not None:
        query = query.where(
            sa.or_(sa.func.cardinality(_w.districts) == 0, sa.literal(district) == sa.any_(_w.districts))
        )
    return await page_of(session, query, [_w.opens_on.desc(), _w.campaign_id], page, size)
