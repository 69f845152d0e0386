"""Read side of the campaign routes: rows straight from the table, within the reader's scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from campaigns.adapters.orm import campaigns


@dataclass
class Page:
    items: list[Any]
    total: int


async def campaign_row(session: AsyncSession, campaign_id: UUID) -> Any:
    query = sa.select(campaigns).where(campaigns.c.campaign_id == campaign_id)
    return (await session.execute(query)).one_or_none()


async def list_campaigns(
    session: AsyncSession,
    page: int,
    size: int,
    *,
    owners: list[str | None] | None,
    status: str | None = None,
    kind: str | None = None,
) -> Page:
    """Newest first. `owners`: the owning districts to show (None in it: federation campaigns);
    None: every owner."""
    c = campaigns.c
    query = sa.select(campaigns)
    if owners is not None:
        districts = [o for o in owners if o is not None]
        by_owner = [c.owner_district.in_(districts)] if districts else []
        if None in owners:
            by_owner.append(c.owner_district.is_(None))
        query = query.where(sa.or_(*by_owner) if by_owner else sa.false())
    if status is not None:
        query = query.where(c.status == status)
    if kind is not None:
        query = query.where(c.kind == kind)
    total = (await session.execute(sa.select(sa.func.count()).select_from(query.subquery()))).scalar_one()
    ordered = query.order_by(c.created_at.desc(), c.campaign_id).limit(size).offset((page - 1) * size)
    return Page(list((await session.execute(ordered)).all()), int(total))
