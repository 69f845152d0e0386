"""The scheduler over the real database and broker: two replicas on one database never launch
or close a campaign twice, however their rounds interleave; a campaign scheduled while one
instance ran is launched by the next one after a restart (its state is in the database)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from campaigns.adapters.orm import campaigns
from campaigns.handlers.scheduler import CampaignScheduler
from campaigns_testkit import Campaigns, new_district
from unionfed_devstack.testing import wait_for

IDLE = {"schedule_check_seconds": 3600}  # the background loop stays out of the way


def today(svc: Campaigns) -> Any:
    return datetime.now(svc.settings.zone).date()


async def scheduled_campaign(svc: Campaigns, district: str, starts_in: int, lasts: int = 3) -> str:
    starts = today(svc) + timedelta(days=starts_in)
    r = await svc.client.post(
        "/campaigns",
        json={
            "kind": "summer_cooling",
            "title": "夏送清凉",
            "owner_district": district,
            "starts_on": str(starts),
            "ends_on": str(starts + timedelta(days=lasts)),
            "audience": {"employment_types": ["migrant", "flexible"]},
        },
        headers=svc.district_officer(district),
    )
    assert r.status_code == 201, r.text
    cid = str(r.json()["campaign_id"])
    r = await svc.client.post(f"/campaigns/{cid}/schedule", headers=svc.district_officer(district))
    assert r.status_code == 200, r.text
    return cid


def scheduler(svc: Campaigns) -> CampaignScheduler:
    found: CampaignScheduler = svc.app.state.scheduler
    return found


async def test_two_replicas_launch_and_close_each_campaign_once(campaigns_service, make_database) -> None:
    district = new_district()
    database_url = make_database("campaigns")
    async with (
        campaigns_service([district], database_url=database_url, **IDLE) as one,
        campaigns_service([district], database_url=database_url, **IDLE) as two,
    ):
        branch = await one.feed.branch(district)
        for _ in range(4):
            await one.member(district, branch)
        ids = [await scheduled_campaign(one, district, starts_in=1 + i % 2) for i in range(12)]
        replicas = [scheduler(one), scheduler(two)]
        # Small batches: each round ends early and the next one picks again, more interleaving.
        for s in replicas:
            s.batch_size = 3
        launch_at = datetime.now(one.settings.zone) + timedelta(days=2)
        close_at = launch_at + timedelta(days=5)
        launched = closed = 0
        for at in (launch_at, close_at):
            for _ in range(6):
                results = await asyncio.gather(*(s.run_round(at) for s in replicas for _ in range(2)))
                launched += sum(r.launched for r in results)
                closed += sum(r.closed for r in results)
        assert (launched, closed) == (len(ids), len(ids))

        await one.events.wait("CampaignClosed", len(ids))
        await asyncio.sleep(2)  # the relays of both replicas have had time to publish any duplicate
        for cid in ids:
            assert len(one.events.of("CampaignLaunched", campaign_id=cid)) == 1
            assert len(one.events.of("CampaignClosed", campaign_id=cid)) == 1
            assert len(one.events.of("AudienceTargeted", campaign_id=cid)) == 1
        async with one.engine.connect() as conn:
            rows = (await conn.execute(sa.select(campaigns.c.status, campaigns.c.audience_size))).all()
        assert {(r.status, r.audience_size) for r in rows} == {("closed", 4)}


async def test_a_restarted_service_launches_what_was_scheduled_before(
    campaigns_service, make_database
) -> None:
    district = new_district()
    database_url = make_database("campaigns")
    async with campaigns_service([district], database_url=database_url, **IDLE) as before:
        branch = await before.feed.branch(district)
        member = await before.member(district, branch)
        # Due today, but this instance's next round is an hour away: it stops first.
        cid = await scheduled_campaign(before, district, starts_in=0)
    async with campaigns_service([district], database_url=database_url, schedule_check_seconds=0.3) as after:
        [event] = await after.events.wait("CampaignLaunched", campaign_id=cid)
        assert event.data["audience_size"] == 1
        [chunk] = await after.events.wait("AudienceTargeted", campaign_id=cid)
        assert chunk.data["member_ids"] == [str(member)]
        r = await after.client.get(f"/campaigns/{cid}", headers=after.admin)
        assert r.json()["status"] == "launched"
        await asyncio.sleep(1.5)  # several more rounds: nothing launches it again
        assert len(after.events.of("CampaignLaunched", campaign_id=cid)) == 1


async def test_a_failing_campaign_does_not_stop_the_others(campaigns_service) -> None:
    district = new_district()
    async with campaigns_service([district], **IDLE) as svc:
        await svc.member(district, await svc.feed.branch(district))
        good = await scheduled_campaign(svc, district, starts_in=1)
        broken = await scheduled_campaign(svc, district, starts_in=1)
        async with svc.engine.begin() as conn:  # an audience rule no code can read any more
            await conn.execute(
                campaigns.update()
                .where(campaigns.c.campaign_id == uuid.UUID(broken))
                .values(audience={"districts": 5})
            )
        at = datetime.now(svc.settings.zone) + timedelta(days=1)
        result = await scheduler(svc).run_round(at)
        assert (result.launched, result.full) == (1, False)
        await wait_for(lambda: bool(svc.events.of("CampaignLaunched", campaign_id=good)))
        async with svc.engine.connect() as conn:
            status = (
                await conn.execute(
                    sa.select(campaigns.c.status).where(campaigns.c.campaign_id == uuid.UUID(broken))
                )
            ).scalar_one()
        assert status == "scheduled"
