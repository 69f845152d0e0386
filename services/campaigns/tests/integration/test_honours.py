"""Honours over the real database and broker: personal and team honours, from a selection or not,
once per honour, recipient and year even under concurrent requests."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from campaign_rows import campaign_row
from campaigns.adapters.orm import honours
from campaigns_testkit import new_district
from unionfed_events import topics


def rule_of(response) -> tuple[str, str | None]:
    detail = response.json()["detail"][0]
    return detail["loc"][-1], detail.get("rule")


async def honour_count(svc) -> int:
    async with svc.engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(honours))).scalar_one()


async def test_members_and_teams_are_honoured_and_listed(campaigns_service) -> None:
    district, other = new_district(), new_district()
    async with campaigns_service([district, other]) as svc:
        branch = await svc.feed.branch(district)
        worker = await svc.member(district, branch)
        selection = await campaign_row(svc, kind="honour_selection", status="closed", owner_district=district)
        officer = svc.district_officer(district)
        medal = {
            "honour": "may_day_medal",
            "member_id": str(worker),
            "citation": "Thirty years on the line.",
            "campaign_id": str(selection),
        }
        created = await svc.client.post("/honours", json=medal, headers=officer)
        assert created.status_code == 201, created.text
        assert (created.json()["recipient_kind"], created.json()["recipient_id"]) == ("member", str(worker))
        assert created.json()["award_year"] == date.today().year

        [event] = await svc.events.wait("HonourAwarded", recipient_id=str(worker))
        assert event.topic == topics.district_events("campaigns", district)
        assert (event.data["honour"], event.data["campaign_id"], event.data["branch_id"]) == (
            "may_day_medal",
            str(selection),
            branch,
        )

        team = {
            "honour": "worker_pioneer",
            "team_name": "Night  Shift Crane Team",
            "team_branch_id": branch,
            "citation": "Zero accidents.",
        }
        pioneers = await svc.client.post("/honours", json=team, headers=svc.admin)
        assert pioneers.status_code == 201, pioneers.text
        assert (pioneers.json()["recipient_id"], pioneers.json()["district"]) == (
            "Night Shift Crane Team",
            district,
        )
        await svc.events.wait("HonourAwarded", recipient_id="Night Shift Crane Team")

        # The same team next year is a new honour; the same year again is not (spaces do not make another team).
        last_year = team | {"awarded_on": str(date.today().replace(month=1, day=1) - timedelta(days=1))}
        assert (await svc.client.post("/honours", json=last_year, headers=officer)).status_code == 201
        twice = await svc.client.post(
            "/honours", json=team | {"team_name": "Night Shift Crane Team "}, headers=officer
        )
        assert twice.status_code == 422 and rule_of(twice) == ("team_name", "honour_once_a_year")

        listed = await svc.client.get(
            "/honours", params={"year": date.today().year}, headers=svc.branch_officer(district, branch)
        )
        assert {h["honour"] for h in listed.json()["items"]} == {"may_day_medal", "worker_pioneer"}
        by_honour = await svc.client.get("/honours", params={"honour": "worker_pioneer"}, headers=officer)
        assert by_honour.json()["total"] == 2
        assert (await svc.client.get("/honours", headers=svc.district_officer(other))).json()["total"] == 0
        assert (
            await svc.client.get(
                "/honours", params={"district": district}, headers=svc.district_officer(other)
            )
        ).status_code == 403


async def test_refused_honours_change_nothing(campaigns_service) -> None:
    district, other = new_district(), new_district()
    async with campaigns_service([district, other]) as svc:
        branch = await svc.feed.branch(district)
        worker = await svc.member(district, branch)
        evaluation = await campaign_row(svc, kind="five_type_teams", owner_district=district)
        draft = await campaign_row(svc, kind="honour_selection", status="draft", owner_district=district)
        officer = svc.district_officer(district)
        person = {"honour": "model_worker", "member_id": str(worker), "citation": "Exemplary."}
        team = {
            "honour": "five_type_team",
            "team_name": "Safe Team",
            "team_branch_id": branch,
            "citation": "Safe.",
        }
        refusals = [
            (
                {"honour": "model_worker", "team_name": "A team", "team_branch_id": branch, "citation": "x"},
                ("member_id", "honour_recipient_kind"),
            ),
            (
                {"honour": "worker_pioneer", "member_id": str(worker), "citation": "x"},
                ("team_name", "honour_recipient_kind"),
            ),
            (person | {"campaign_id": str(evaluation)}, ("honour", "campaign_kind")),
            (person | {"campaign_id": str(draft)}, ("campaign_id", "campaign_closed_or_launched")),
            (person | {"campaign_id": str(uuid.uuid4())}, ("campaign_id", "campaign_known")),
            (person | {"member_id": str(uuid.uuid4())}, ("member_id", "member_known")),
            (team | {"team_branch_id": "no-such-branch"}, ("team_branch_id", "branch_known")),
            ({k: v for k, v in team.items() if k != "team_branch_id"}, ("team_branch_id", None)),
            (person | {"team_branch_id": branch}, ("team_branch_id", None)),
            (person | {"awarded_on": str(date.today() + timedelta(days=1))}, ("awarded_on", None)),
        ]
        for body, expected in refusals:
            refused = await svc.client.post("/honours", json=body, headers=officer)
            assert refused.status_code == 422, (expected, refused.text)
            assert rule_of(refused) == expected
        assert (
            await svc.client.post("/honours", json=person, headers=svc.district_officer(other))
        ).status_code == 403
        assert (
            await svc.client.post("/honours", json=person, headers=svc.branch_officer(district, branch))
        ).status_code == 403
        assert await honour_count(svc) == 0
        assert svc.events.of("HonourAwarded") == []


async def test_twenty_concurrent_awards_of_one_honour_give_one(campaigns_service) -> None:
    district = new_district()
    async with campaigns_service([district]) as svc:
        branch = await svc.feed.branch(district)
        worker = await svc.member(district, branch)
        body = {"honour": "model_worker", "member_id": str(worker), "citation": "Exemplary."}
        answers = await asyncio.gather(
            *(
                svc.client.post("/honours", json=body, headers=svc.district_officer(district))
                for _ in range(20)
            )
        )
        assert sorted(a.status_code for a in answers) == [201] + [422] * 19
        assert {rule_of(a) for a in answers if a.status_code == 422} == {("member_id", "honour_once_a_year")}
        assert await honour_count(svc) == 1
        await svc.events.wait("HonourAwarded", recipient_id=str(worker))
        await asyncio.sleep(1)  # what a second event would need to reach the reader
        assert len(svc.events.of("HonourAwarded", recipient_id=str(worker))) == 1
