"""Competitions over the real database and broker: judges' scores (re-scoring replaces), the
ranking with shared places, one publication with awards, scores frozen after it."""

from __future__ import annotations

import asyncio
import uuid

import sqlalchemy as sa
from campaign_rows import campaign_row
from campaigns.adapters.orm import competition_rankings, competition_scores
from campaigns_testkit import new_district
from unionfed_events import topics


def rule_of(response) -> tuple[str, str | None]:
    detail = response.json()["detail"][0]
    return detail["loc"][-1], detail.get("rule")


async def test_scores_rank_with_shared_places_and_publish_once(campaigns_service) -> None:
    district, other = new_district(), new_district()
    async with campaigns_service([district, other]) as svc:
        branch = await svc.feed.branch(district)
        welders = [await svc.member(district, branch) for _ in range(4)]
        contest = await campaign_row(svc, kind="skill_competition", owner_district=district, audience=welders)
        judge = svc.district_officer(district)

        async def score(member: uuid.UUID, value, headers=judge):
            return await svc.client.put(
                f"/campaigns/{contest}/scores/{member}", json={"score": value}, headers=headers
            )

        for member, value in zip(welders, ["88.5", "92", "80", "92.00"], strict=True):
            assert (await score(member, value)).status_code == 204
        assert (await score(welders[0], "92.25")).status_code == 204  # re-scoring replaces

        ranking = (
            await svc.client.get(
                f"/campaigns/{contest}/ranking", headers=svc.branch_officer(district, branch)
            )
        ).json()
        assert ranking["published"] is False
        assert [(e["rank"], e["score"]) for e in ranking["entries"]] == [
            (1, "92.25"),
            (2, "92.00"),
            (2, "92.00"),
            (4, "80.00"),
        ]
        assert ranking["entries"][0]["member_id"] == str(welders[0])

        assert (await score(welders[2], "95", headers=svc.district_officer(other))).status_code == 403
        refused = [
            (await score(welders[2], "-1"), "score"),
            (await score(welders[2], "1.234"), "score"),
            (await score(uuid.uuid4(), "5"), "member_id"),
        ]
        for response, field in refused:
            assert response.status_code == 422 and rule_of(response)[0] == field, response.text

        path = f"/campaigns/{contest}/ranking/publish"
        awards = {"awards": ["gold", "silver", "bronze"]}
        assert (
            await svc.client.post(path, json=awards, headers=svc.district_officer(other))
        ).status_code == 403
        published = await svc.client.post(path, json=awards, headers=judge)
        assert published.status_code == 200, published.text
        assert [(e["rank"], e["award"]) for e in published.json()["entries"]] == [
            (1, "gold"),
            (2, "silver"),
            (2, "silver"),
            (4, None),
        ]
        [event] = await svc.events.wait("CompetitionRanked", campaign_id=str(contest))
        assert event.topic == topics.district_events("campaigns", district)
        assert [(e["rank"], e["score"], e["award"]) for e in event.data["ranking"]] == [
            (1, "92.25", "gold"),
            (2, "92.00", "silver"),
            (2, "92.00", "silver"),
            (4, "80.00", None),
        ]

        again = await svc.client.post(path, json=awards, headers=svc.admin)
        assert again.status_code == 422 and rule_of(again) == ("campaign_id", "ranking_published")
        frozen = await score(welders[3], "99")
        assert frozen.status_code == 422 and rule_of(frozen) == ("campaign_id", "ranking_published")
        after = (await svc.client.get(f"/campaigns/{contest}/ranking", headers=judge)).json()
        assert after["published"] is True and after["entries"] == published.json()["entries"]
        async with svc.engine.connect() as conn:
            scores = (
                await conn.execute(sa.select(competition_scores.c.member_id, competition_scores.c.score))
            ).all()
        assert sorted(str(s) for _, s in scores) == ["80.00", "92.00", "92.00", "92.25"]
        assert len(svc.events.of("CompetitionRanked", campaign_id=str(contest))) == 1


async def test_concurrent_publications_publish_once(campaigns_service) -> None:
    district = new_district()
    async with campaigns_service([district]) as svc:
        branch = await svc.feed.branch(district)
        competitor = await svc.member(district, branch)
        contest = await campaign_row(svc, kind="skill_competition", audience=[competitor])  # the federation's
        scored = await svc.client.put(
            f"/campaigns/{contest}/scores/{competitor}", json={"score": 70}, headers=svc.admin
        )
        assert scored.status_code == 204
        # A district officer does not judge the federation's competition.
        refused = await svc.client.put(
            f"/campaigns/{contest}/scores/{competitor}",
            json={"score": 90},
            headers=svc.district_officer(district),
        )
        assert refused.status_code == 403

        answers = await asyncio.gather(
            *(
                svc.client.post(
                    f"/campaigns/{contest}/ranking/publish", json={"awards": ["gold"]}, headers=svc.admin
                )
                for _ in range(10)
            )
        )
        assert sorted(a.status_code for a in answers) == [200] + [422] * 9
        [event] = await svc.events.wait("CompetitionRanked", campaign_id=str(contest))
        assert event.topic == topics.federation_events("campaigns")
        async with svc.engine.connect() as conn:
            count = (
                await conn.execute(sa.select(sa.func.count()).select_from(competition_rankings))
            ).scalar_one()
        assert count == 1


async def test_only_a_running_competition_takes_scores(campaigns_service) -> None:
    district = new_district()
    async with campaigns_service([district]) as svc:
        branch = await svc.feed.branch(district)
        competitor = await svc.member(district, branch)
        draft = await campaign_row(svc, kind="skill_competition", status="draft", owner_district=district)
        survey = await campaign_row(svc, kind="survey", owner_district=district, audience=[competitor])
        judge = svc.district_officer(district)
        for campaign, rule in ((draft, "campaign_closed_or_launched"), (survey, "campaign_kind")):
            response = await svc.client.put(
                f"/campaigns/{campaign}/scores/{competitor}", json={"score": 1}, headers=judge
            )
            assert response.status_code == 422 and rule_of(response) == ("campaign_id", rule)
        empty = await campaign_row(
            svc, kind="skill_competition", owner_district=district, audience=[competitor]
        )
        nothing = await svc.client.post(f"/campaigns/{empty}/ranking/publish", json={}, headers=judge)
        assert nothing.status_code == 422 and rule_of(nothing) == ("campaign_id", "ranking_has_scores")
        missing = await svc.client.get(f"/campaigns/{uuid.uuid4()}/ranking", headers=judge)
        assert missing.status_code == 404
