"""A campaign's reach and results, counted from the tables: the audience snapshot (targeted),
participants (enrolled), deliveries (reached), proposals, survey responses and honours."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_events.campaigns import CampaignResults, DistrictReach

from campaigns.adapters.orm import (
    audience_members,
    campaigns,
    deliveries,
    honours,
    participants,
    proposals,
    survey_responses,
)


@dataclass
class Reach:
    targeted: int = 0
    notified: int = 0
    enrolled: int = 0
    waitlisted: int = 0
    reached: int = 0
    by_district: list[DistrictReach] = field(default_factory=list)


async def _per_district(session: AsyncSession, query: sa.Select[Any]) -> dict[str, int]:
    return {district: int(n or 0) for district, n in await session.execute(query)}


async def reach(session: AsyncSession, campaign_id: UUID) -> Reach:
    """Targeted (at launch), notified (kept by the notifications path), enrolled and waitlisted
    (the campaign's counters), reached (deliveries), and the same per district."""
    row = (
        await session.execute(
            sa.select(
                campaigns.c.audience_size, campaigns.c.notified, campaigns.c.enrolled, campaigns.c.waitlisted
            ).where(campaigns.c.campaign_id == campaign_id)
        )
    ).one()
    a, p, d = audience_members.c, participants.c, deliveries.c
    targeted = await _per_district(
        session,
        sa.select(a.district, sa.func.count()).where(a.campaign_id == campaign_id).group_by(a.district),
    )
    enrolled = await _per_district(
        session,
        sa.select(p.district, sa.func.count())
        .where(p.campaign_id == campaign_id, p.status == "enrolled")
        .group_by(p.district),
    )
    reached = await _per_district(
        session,
        sa.select(d.district, sa.func.sum(d.workers_reached))
        .where(d.campaign_id == campaign_id)
        .group_by(d.district),
    )
    districts = sorted(targeted.keys() | enrolled.keys() | reached.keys())
    return Reach(
        targeted=row.audience_size or 0,
        notified=row.notified,
        enrolled=row.enrolled,
        waitlisted=row.waitlisted,
        reached=sum(reached.values()),
        by_district=[
            DistrictReach(
                district=x,
                targeted=targeted.get(x, 0),
                enrolled=enrolled.get(x, 0),
                reached=reached.get(x, 0),
            )
            for x in districts
        ],
    )


async def _count(session: AsyncSession, table: sa.Table, campaign_id: UUID, *where: Any) -> int:
    query = sa.select(sa.func.count()).select_from(table).where(table.c.campaign_id == campaign_id, *where)
    return int((await session.execute(query)).scalar_one())


async def results(session: AsyncSession, campaign_id: UUID) -> CampaignResults:
    """What the campaign achieved, counted now (at its close, under its row lock)."""
    counted = await reach(session, campaign_id)
    totals: dict[str, int] = {}
    totals["deliveries"] = await _count(session, deliveries, campaign_id)
    totals["proposals"] = await _count(session, proposals, campaign_id)
    totals["proposals_adopted"] = await _count(
        session, proposals, campaign_id, proposals.c.status == "adopted"
    )
    totals["survey_responses"] = await _count(session, survey_responses, campaign_id)
    totals["honours"] = await _count(session, honours, campaign_id)
    return CampaignResults(
        targeted=counted.targeted,
        enrolled=counted.enrolled,
        waitlisted=counted.waitlisted,
        reached=counted.reached,
        by_district=counted.by_district,
        **totals,
    )
