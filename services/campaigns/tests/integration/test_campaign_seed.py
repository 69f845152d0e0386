"""The demo seed over the real database and broker: every district gets campaigns in every
state through the handlers (so with their events), the Golden-Autumn drive targets the hardship
registry, and a re-run adds nothing."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from campaigns.adapters.orm import campaigns, hardship_view
from campaigns.seed import DISTRICT_RECIPES, FEDERATION_RECIPES, campaign_id, seed
from campaigns_testkit import new_district
from unionfed_devstack.testing import wait_for


async def test_the_seed_makes_every_state_once(campaigns_service) -> None:
    districts = [new_district(), new_district()]
    async with campaigns_service(districts) as svc:
        joined = {}
        for d in districts:
            branch = await svc.feed.branch(d)
            joined[d] = [await svc.member(d, branch) for _ in range(3)]
            await svc.hardship.register(d, branch, joined[d][0])
        await wait_for(lambda: _registered(svc, {joined[d][0] for d in districts}))
        lines: list[str] = []
        counts = await seed(svc.settings, expected_members=6, emit=lines.append)
        async with svc.engine.connect() as conn:
            rows = (await conn.execute(sa.select(campaigns))).all()
        # The member view reads every district's topic, other tests' districts included: the
        # seed serves every district it knows.
        seeded = {r.owner_district for r in rows} - {None}
        assert set(districts) <= seeded
        expected = len(seeded) * len(DISTRICT_RECIPES) + len(FEDERATION_RECIPES)
        assert (counts["created"], counts["existing"], len(rows)) == (expected, 0, expected)
        for d in districts:
            mine = [r for r in rows if r.owner_district == d]
            assert {r.status for r in mine} == {"draft", "scheduled", "launched", "closed", "cancelled"}
            assert len({r.kind for r in mine}) == len(DISTRICT_RECIPES)
            [closed] = [r for r in mine if r.status == "closed"]
            assert closed.results["targeted"] == 3 and closed.closed_at is not None
            [golden] = [r for r in mine if r.kind == "golden_autumn"]
            assert (golden.status, golden.audience_size) == ("launched", 1)
            assert golden.audience["districts"] == [d] and golden.audience["hardship"] == "registered"
        ours = [r for r in rows if r.owner_district in districts]
        launched = [r for r in ours if r.launched_at is not None]
        # The reader reads our districts' topics and the federation's (other tests publish there too).
        ids = {str(r.campaign_id) for r in ours}

        def of_ours(event_type: str) -> int:
            return sum(e.data["campaign_id"] in ids for e in svc.events.of(event_type))

        await wait_for(lambda: of_ours("CampaignLaunched") == len(launched))
        await wait_for(lambda: of_ours("CampaignClosed") == len(districts))

        # A re-run changes none of them (districts first heard of meanwhile would get theirs).
        again = await seed(svc.settings, expected_members=6, emit=lines.append)
        assert again["existing"] >= expected
        async with svc.engine.connect() as conn:
            versions = dict(
                (await conn.execute(sa.select(campaigns.c.campaign_id, campaigns.c.version))).all()
            )
        assert {r.campaign_id: versions[r.campaign_id] for r in rows} == {
            r.campaign_id: r.version for r in rows
        }
        await asyncio.sleep(1)  # the relay has had time to publish anything a re-run staged
        assert of_ours("CampaignLaunched") == len(launched)
        assert campaign_id(svc.settings.seed_random, districts[0], "survey") in versions


async def _registered(svc, member_ids: set) -> bool:
    async with svc.engine.connect() as conn:
        query = sa.select(hardship_view.c.member_id).where(
            hardship_view.c.registered, hardship_view.c.member_id.in_(member_ids)
        )
        return {r.member_id for r in await conn.execute(query)} == member_ids
