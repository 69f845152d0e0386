"""What the engagement areas (proposals, competitions, honours, surveys) read of campaigns,
audiences and the member view. The lifecycle owns the campaigns table; this only reads it,
under a lock when a command must not race a launch or a close (which update the row)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from campaigns.adapters.orm import audience_members, branches, campaigns, members
from campaigns.domain.engagement import CampaignFacts, MemberFacts

Lock = Literal["share", "update"] | None


async def campaign(session: AsyncSession, campaign_id: UUID, lock: Lock = None) -> CampaignFacts | None:
    """The campaign; `share` makes a launch or close wait for this transaction (and this wait for
    theirs), `update` also serialises commands of this kind on one campaign."""
    c = campaigns.c
    query = sa.select(c.campaign_id, c.kind, c.status, c.owner_district).where(c.campaign_id == campaign_id)
    if lock is not None:
        query = query.with_for_update(read=lock == "share")
    row = (await session.execute(query)).one_or_none()
    return CampaignFacts(row.campaign_id, row.kind, row.status, row.owner_district) if row else None


async def member(session: AsyncSession, member_id: UUID) -> MemberFacts | None:
    m = members.c
    query = sa.select(m.member_id, m.district, m.branch_id, m.industry, m.status).where(
        m.member_id == member_id
    )
    row = (await session.execute(query)).one_or_none()
    return MemberFacts(row.member_id, row.district, row.branch_id, row.industry, row.status) if row else None


async def branch(session: AsyncSession, branch_id: str) -> Any:
    """The branch's row in the view (its district and status), or None."""
    query = sa.select(branches.c.branch_id, branches.c.district, branches.c.status).where(
        branches.c.branch_id == branch_id
    )
    return (await session.execute(query)).one_or_none()


async def in_audience(session: AsyncSession, campaign_id: UUID, member_id: UUID) -> bool:
    a = audience_members.c
    query = sa.select(sa.literal(1)).where(a.campaign_id == campaign_id, a.member_id == member_id)
    return (await session.execute(query)).first() is not None


async def page_rows(
    session: AsyncSession, query: sa.Select[Any], order: list[Any], page: int, size: int
) -> tuple[list[Any], int]:
    """One page of the query's rows, and how many rows match over all pages."""
    total = (await session.execute(sa.select(sa.func.count()).select_from(query.subquery()))).scalar_one()
    rows = (await session.execute(query.order_by(*order).limit(size).offset((page - 1) * size))).all()
    return list(rows), total


def where_given(query: sa.Select[Any], table: sa.Table, **filters: Any) -> sa.Select[Any]:
    """The query, filtered on every column whose value is given (not None)."""
    for name, value in filters.items():
        if value is not None:
            query = query.where(table.c[name] == value)
    return query
