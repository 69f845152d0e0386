"""Helpers of the participation and deliveries tests: members in the view in bulk, the
participants list read through the API, and the campaign row's counters."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from campaigns.adapters.orm import branches, campaigns, members, participants
from campaigns_testkit import Campaigns
from unionfed_devstack.testing import wait_for


async def members_in_view(svc: Campaigns, district: str, branch: str, n: int) -> list[uuid.UUID]:
    """n members joined through membership's events, once the view has all of them."""
    ids = [await svc.feed.join(district, branch) for _ in range(n)]

    async def all_seen() -> bool:
        async with svc.engine.connect() as conn:
            count = await conn.scalar(
                sa.select(sa.func.count()).where(members.c.member_id.in_(ids), members.c.status == "active")
            )
        return count == n

    await wait_for(all_seen, timeout=60)
    return ids


async def listed(
    svc: Campaigns, campaign_id: uuid.UUID, headers: dict[str, str], **query: Any
) -> list[dict[str, Any]]:
    """Every participant the list shows to `headers`' caller, over all pages."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        params = {**query, "page": page, "page_size": 200}
        r = await svc.client.get(f"/campaigns/{campaign_id}/participants", params=params, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        if len(items) >= body["total"]:
            return items
        page += 1


async def counters(svc: Campaigns, campaign_id: uuid.UUID) -> tuple[int, int]:
    """(enrolled, waitlisted) as the campaign row counts them."""
    async with svc.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(campaigns.c.enrolled, campaigns.c.waitlisted).where(
                    campaigns.c.campaign_id == campaign_id
                )
            )
        ).one()
    return row.enrolled, row.waitlisted


async def rows_by_status(svc: Campaigns, campaign_id: uuid.UUID) -> dict[str, int]:
    """How many participant rows are in each state."""
    async with svc.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(participants.c.status, sa.func.count())
                .where(participants.c.campaign_id == campaign_id)
                .group_by(participants.c.status)
            )
        ).all()
    return {status: count for status, count in rows}


def enrol(svc: Campaigns, campaign_id: uuid.UUID, member_id: uuid.UUID, headers: dict[str, str]) -> Any:
    return svc.client.post(
        f"/campaigns/{campaign_id}/participants", json={"member_id": str(member_id)}, headers=headers
    )


def withdraw(svc: Campaigns, campaign_id: uuid.UUID, member_id: uuid.UUID, headers: dict[str, str]) -> Any:
    return svc.client.post(f"/campaigns/{campaign_id}/participants/{member_id}/withdraw", headers=headers)


async def branch_in_view(svc: Campaigns, district: str) -> str:
    """A new branch of the district, once the member view has it."""
    branch_id = await svc.feed.branch(district)

    async def seen() -> bool:
        async with svc.engine.connect() as conn:
            return bool(
                await conn.scalar(sa.select(sa.func.count()).where(branches.c.branch_id == branch_id))
            )

    await wait_for(seen, timeout=30)
    return branch_id
