"""The demo seed over the real database and broker: every district gets campaigns in every
state through the handlers (so with their events), with life inside them (enrolments,
deliveries counted by the closed drive, survey answers, reviewed proposals, an honour), the
Golden-Autumn drive targets the hardship registry, and a re-run adds nothing."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from campaigns.adapters.orm import (
    campaigns,
    deliveries,
    hardship_view,
    honours,
    participants,
    proposals,
    survey_questions,
    survey_responses,
)
from campaigns.seed import DISTRICT_RECIPES, FEDERATION_RECIPES, campaign_id, seed
from campaigns_testkit import new_district
from unionfed_chassis.tables import outbox
from unionfed_devstack.testing import wait_for
from unionfed_events import topics

ACTIVITY = [participants, deliveries, proposals, survey_questions, survey_responses, honours]


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
            # Enrolments and deliveries happened while it ran: its close counted them.
            assert closed.results["enrolled"] == 2 and closed.results["deliveries"] == 3
            assert closed.results["reached"] == 120 + 80 + 60
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
        await _check_life(svc, districts)
        assert sum(line.split()[0] in districts for line in lines) == len(districts)

        # A re-run changes none of them (districts first heard of meanwhile would get theirs),
        # and adds no row and no event to ours.
        rows_before, events_before = await _activity(svc, districts)
        again = await seed(svc.settings, expected_members=6, emit=lines.append)
        assert (rows_before, events_before) == await _activity(svc, districts)
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


async def _check_life(svc, districts: list[str]) -> None:
    """Per district: the survey answered by its three members, five proposals (one adopted with its
    award, one rejected), a withdrawal in the Summer-Cooling drive, a Worker Pioneer team."""
    async with svc.engine.connect() as conn:
        for d in districts:
            survey = campaign_id(svc.settings.seed_random, d, "survey")
            answered = await conn.scalar(
                sa.select(sa.func.count()).where(survey_responses.c.campaign_id == survey)
            )
            assert answered == 3
            collection = campaign_id(svc.settings.seed_random, d, "proposals")
            sent = (
                await conn.execute(sa.select(proposals).where(proposals.c.campaign_id == collection))
            ).all()
            assert len(sent) == 5
            assert sorted(p.status for p in sent) == [
                "adopted",
                "rejected",
                "submitted",
                "submitted",
                "submitted",
            ]
            [adopted] = [p for p in sent if p.status == "adopted"]
            assert adopted.award
            summer = campaign_id(svc.settings.seed_random, d, "summer-cooling")
            statuses = (
                await conn.execute(
                    sa.select(participants.c.status).where(participants.c.campaign_id == summer)
                )
            ).scalars()
            assert sorted(statuses) == ["enrolled", "withdrawn"]
            team = sa.select(honours.c.recipient_kind).where(
                honours.c.district == d, honours.c.honour == "worker_pioneer"
            )
            assert (await conn.execute(team)).scalars().all() == ["team"]


async def _activity(svc, districts: list[str]) -> tuple[dict[str, int], int]:
    """Rows of every activity table in our districts' campaigns, and the events on our districts'
    topics, once the relay has published everything staged."""

    async def drained() -> bool:
        async with svc.engine.connect() as conn:
            return await conn.scalar(sa.select(sa.func.count()).select_from(outbox)) == 0

    await wait_for(drained)
    await asyncio.sleep(1)  # the reader has had time to read what the relay published
    ours = sa.select(campaigns.c.campaign_id).where(campaigns.c.owner_district.in_(districts))
    rows = {}
    async with svc.engine.connect() as conn:
        for table in ACTIVITY:
            where = table.c.campaign_id.in_(ours)
            if table is honours:
                where = sa.or_(where, honours.c.district.in_(districts))
            rows[table.name] = await conn.scalar(sa.select(sa.func.count()).select_from(table).where(where))
    assert all(rows.values()), rows  # every kind of activity is there
    names = {topics.district_events("campaigns", d) for d in districts}
    return rows, sum(r.topic in names for r in svc.events.records)
