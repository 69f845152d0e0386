"""Deliveries recorded for a campaign, and what they add up to per district."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from campaigns.adapters.orm import branches, deliveries


async def branch_district(session: AsyncSession, branch_id: str) -> str | None:
    """The district of a branch in the member view, or None when the view does not know it."""
    query = sa.select(branches.c.district).where(branches.c.branch_id == branch_id)
    district: str | None = (await session.execute(query)).scalar_one_or_none()
    return district


async def add(session: AsyncSession, values: dict[str, Any]) -> Any:
    statement = deliveries.insert().values(values).returning(deliveries)
    return (await session.execute(statement)).one()


def _conditions(campaign_id: UUID, district: str | None, branch_id: str | None) -> list[Any]:
    conditions = [deliveries.c.campaign_id == campaign_id]
    if district is not None:
        conditions.append(deliveries.c.district == district)
    if branch_id is not None:
        conditions.append(deliveries.c.branch_id == branch_id)
    return conditions


async def page(
    session: AsyncSession,
    campaign_id: UUID,
    *,
    district: str | None,
    branch_id: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Any], int]:
    """Deliveries, most recent first."""
    conditions = _conditions(campaign_id, district, branch_id)
    total = (
        await session.execute(sa.select(sa.func.count()).select_from(deliveries).where(*conditions))
    ).scalar_one()
    query = (
        sa.select(deliveries)
        .where(*conditions)
        .order_by(deliveries.c.delivered_on.desc(), deliveries.c.created_at.desc(), deliveries.c.delivery_id)
        .offset(offset)
        .limit(limit)
    )
    return list((await session.execute(query)).all()), int(total)


async def totals_by_district(
    session: AsyncSession, campaign_id: UUID, *, district: str | None, branch_id: str | None
) -> list[Any]:
    """Per district: deliveries, workers reached, distinct sites and recorders, first and last day."""
    query = (
        sa.select(
            deliveries.c.district,
            sa.func.count().label("deliveries"),
            sa.func.sum(deliveries.c.workers_reached).label("workers_reached"),
            sa.func.count(sa.distinct(deliveries.c.site)).label("sites"),
            sa.func.array_agg(sa.distinct(deliveries.c.recorded_by)).label("recorded_by"),
            sa.func.min(deliveries.c.delivered_on).label("first_on"),
            sa.func.max(deliveries.c.delivered_on).label("last_on"),
        )
        .where(*_conditions(campaign_id, district, branch_id))
        .group_by(deliveries.c.district)
        .order_by(deliveries.c.district)
    )
    return list((await session.execute(query)).all())
