"""Test helper of the engagement areas: a scheduled survey launched as the lifecycle would leave
it (status and audience written straight into the tables), so its questions can be set through
the API before the launch and answered after it."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from campaigns.adapters.orm import audience_members, campaigns, members
from campaigns_testkit import Campaigns


async def launch(svc: Campaigns, campaign_id: uuid.UUID, audience: list[uuid.UUID]) -> None:
    async with svc.engine.begin() as conn:
        await conn.execute(
            campaigns.update()
            .where(campaigns.c.campaign_id == campaign_id)
            .values(status="launched", audience_size=len(audience), launched_at=sa.func.now())
        )
        rows = (await conn.execute(sa.select(members).where(members.c.member_id.in_(audience)))).all()
        assert len(rows) == len(audience), "every audience member must be in the member view first"
        await conn.execute(
            audience_members.insert(),
            [
                {
                    "campaign_id": campaign_id,
                    "member_id": r.member_id,
                    "district": r.district,
                    "branch_id": r.branch_id,
                }
                for r in rows
            ],
        )
