"""Loads and saves campaigns (the lifecycle's columns only: the enrolment and notification
counters on the same row belong to the code that keeps them)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_events.campaigns import AudienceRule, CampaignKind, CampaignResults

from campaigns.adapters.orm import branches, campaigns, members
from campaigns.domain.campaign import Campaign, CampaignStatus

_PLAIN = [
    "title",
    "description",
    "owner_district",
    "starts_on",
    "ends_on",
    "capacity",
    "audience_size",
    "cancel_reason",
    "created_by",
    "launched_at",
    "closed_at",
    "version",
]


def _row(campaign: Campaign) -> dict[str, Any]:
    row = {name: getattr(campaign, name) for name in _PLAIN}
    row.update(
        kind=campaign.kind.value,
        status=campaign.status.value,
        audience=campaign.audience.model_dump(mode="json"),
        results=campaign.results.model_dump(mode="json") if campaign.results else None,
    )
    return row


def campaign_from_row(row: Any) -> Campaign:
    return Campaign(
        campaign_id=row.campaign_id,
        kind=CampaignKind(row.kind),
        status=CampaignStatus(row.status),
        audience=AudienceRule.model_validate(row.audience),
        results=CampaignResults.model_validate(row.results) if row.results is not None else None,
        **{name: getattr(row, name) for name in _PLAIN},
    )


class CampaignStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, campaign_id: UUID, *, for_update: bool = False) -> Campaign | None:
        """The campaign; `for_update` holds its row lock until the transaction ends, so every
        transition (and enrolment) of one campaign queues behind the one before."""
        query = sa.select(campaigns).where(campaigns.c.campaign_id == campaign_id)
        row = (await self.session.execute(query.with_for_update() if for_update else query)).one_or_none()
        return campaign_from_row(row) if row is not None else None

    async def add(self, campaign: Campaign) -> None:
        await self.session.execute(
            sa.insert(campaigns).values(campaign_id=campaign.campaign_id, **_row(campaign))
        )

    async def save(self, campaign: Campaign) -> None:
        await self.session.execute(
            sa.update(campaigns)
            .where(campaigns.c.campaign_id == campaign.campaign_id)
            .values(**_row(campaign), updated_at=sa.func.now())
        )

    async def district_of_branches(self, branch_ids: list[str]) -> dict[str, str]:
        """District of each branch the member view knows (from its establishment, or from its
        members), of those asked."""
        if not branch_ids:
            return {}
        established = sa.select(branches.c.branch_id, branches.c.district).where(
            branches.c.branch_id.in_(branch_ids)
        )
        from_members = (
            sa.select(members.c.branch_id, members.c.district)
            .where(members.c.branch_id.in_(branch_ids), members.c.status == "active")
            .distinct()
        )
        rows = await self.session.execute(sa.union(established, from_members))
        return {r.branch_id: r.district for r in rows}

    async def known_districts(self, districts: list[str]) -> set[str]:
        """Those of `districts` the member view knows (a branch or a member there)."""
        if not districts:
            return set()
        established = sa.select(branches.c.district).where(branches.c.district.in_(districts))
        with_members = sa.select(members.c.district).where(members.c.district.in_(districts))
        rows = await self.session.execute(sa.union(established, with_members))
        return {r.district for r in rows}
