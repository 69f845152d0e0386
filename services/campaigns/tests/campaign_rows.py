"""A campaign in a given state, written straight into the service's tables as the lifecycle
would leave it: for tests of what happens inside a campaign (enrolment, proposals, surveys)
that are not about how it got there. Tests of the lifecycle itself go through the API."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from campaigns.adapters.orm import audience_members, campaigns, members
from campaigns_testkit import Campaigns
from unionfed_events.campaigns import AudienceRule


async def campaign_row(
    svc: Campaigns,
    *,
    kind: str = "winter_warmth",
    status: str = "launched",
    owner_district: str | None = None,
    audience: list[uuid.UUID] = (),  # type: ignore[assignment]
    capacity: int | None = None,
    rule: AudienceRule | None = None,
    **columns: Any,
) -> uuid.UUID:
    """Insert a campaign (launched by default) whose audience is exactly `audience` (member ids
    already in the member view); returns its id."""
    campaign_id = uuid.uuid4()
    today = date.today()
    launched = status in ("launched", "closed")
    async with svc.engine.begin() as conn:
        rows = (
            await conn.execute(
                sa.select(members.c.member_id, members.c.district, members.c.branch_id).where(
                    members.c.member_id.in_(list(audience))
                )
            )
        ).all()
        assert len(rows) == len(audience), "every audience member must be in the member view first"
        await conn.execute(
            campaigns.insert().values(
                campaign_id=campaign_id,
                kind=kind,
                title=f"{kind} test",
                owner_district=owner_district,
                status=status,
                starts_on=columns.pop("starts_on", today - timedelta(days=1)),
                ends_on=columns.pop("ends_on", today + timedelta(days=30)),
                audience=(
                    rule or AudienceRule(districts=[owner_district] if owner_district else [])
                ).model_dump(mode="json"),
                audience_size=len(rows) if launched else None,
                capacity=capacity,
                created_by="test",
                launched_at=sa.func.now() if launched else None,
                **columns,
            )
        )
        if launched and rows:
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
    return campaign_id
