"""Proposals: their rows, reviews and awards, and the organisers' lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from campaigns.adapters.engagement_store import page_rows, where_given
from campaigns.adapters.orm import proposals

SUMMARY_COLUMNS = [c for c in proposals.c if c.name != "body"]


async def add(session: AsyncSession, **values: Any) -> None:
    await session.execute(proposals.insert().values(**values))


async def get(session: AsyncSession, proposal_id: UUID, *, for_update: bool = False) -> Any:
    query = sa.select(proposals).where(proposals.c.proposal_id == proposal_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).one_or_none()


async def update(session: AsyncSession, proposal_id: UUID, **values: Any) -> None:
    await session.execute(
        proposals.update()
        .where(proposals.c.proposal_id == proposal_id)
        .values(**values, updated_at=sa.func.now())
    )


async def review(
    session: AsyncSession,
    proposal_id: UUID,
    status: str,
    comment: str,
    award: str | None,
    by: str,
    at: datetime,
) -> None:
    await update(
        session,
        proposal_id,
        status=status,
        review_comment=comment,
        award=award,
        reviewed_by=by,
        reviewed_at=at,
    )


async def listing(session: AsyncSession, page: int, size: int, **filters: Any) -> tuple[list[Any], int]:
    """Proposals without their body, newest first."""
    query = where_given(sa.select(*SUMMARY_COLUMNS), proposals, **filters)
    return await page_rows(
        session, query, [proposals.c.created_at.desc(), proposals.c.proposal_id], page, size
    )
