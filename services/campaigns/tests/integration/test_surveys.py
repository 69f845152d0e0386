"""Surveys over the real database and broker: questions before launch, answers from the audience
validated against them, a member answers once (also under 20 concurrent requests), results per
district and industry with free text only counted."""

from __future__ import annotations

import asyncio
import uuid

import sqlalchemy as sa
from campaign_rows import campaign_row
from campaigns.adapters.orm import survey_responses
from campaigns_testkit import new_district
from engagement_rows import launch
from unionfed_events import topics

QUESTIONS = {
    "questions": [
        {"text": "Your shift pattern?", "kind": "single_choice", "options": ["day", "night"]},
        {
            "text": "What would help?",
            "kind": "multiple_choice",
            "options": ["canteen", "housing", "training"],
        },
        {"text": "How safe is your site?", "kind": "scale"},
        {"text": "Anything else?", "kind": "text"},
    ]
}


def rule_of(response) -> tuple[str, str | None]:
    detail = response.json()["detail"][0]
    return detail["loc"][-1], detail.get("rule")


async def response_count(svc, campaign_id: uuid.UUID) -> int:
    async with svc.engine.connect() as conn:
        query = sa.select(sa.func.count()).where(survey_responses.c.campaign_id == campaign_id)
        return (await conn.execute(query)).scalar_one()


async def test_a_survey_is_set_answered_once_and_counted(campaigns_service) -> None:
    north, south = new_district(), new_district()
    async with campaigns_service([north, south]) as svc:
        docks = await svc.feed.branch(north, industry="logistics")
        site = await svc.feed.branch(south, industry="construction")
        couriers = [await svc.member(north, docks, industry="logistics") for _ in range(2)]
        builder = await svc.member(south, site, industry="construction")
        outsider = await svc.member(south, site, industry="construction")
        survey = await campaign_row(svc, kind="survey", status="scheduled")  # the federation's

        put = await svc.client.put(
            f"/campaigns/{survey}/survey", json=QUESTIONS, headers=svc.district_officer(north)
        )
        assert put.status_code == 403  # a federation survey is the federation's to write
        put = await svc.client.put(f"/campaigns/{survey}/survey", json=QUESTIONS, headers=svc.admin)
        assert put.status_code == 200, put.text
        assert [q["position"] for q in put.json()["questions"]] == [1, 2, 3, 4]
        await launch(svc, survey, [*couriers, builder])
        late = await svc.client.put(f"/campaigns/{survey}/survey", json=QUESTIONS, headers=svc.admin)
        assert late.status_code == 422 and rule_of(late) == ("campaign_id", "campaign_draft_or_scheduled")

        path = f"/campaigns/{survey}/survey/answers"
        given = [
            (
                couriers[0],
                north,
                docks,
                {"1": "night", "2": ["housing", "canteen"], "3": 2, "4": "Too hot in vans"},
            ),
            (couriers[1], north, docks, {"1": "night", "2": ["housing"], "3": 3}),
            (builder, south, site, {"1": "day", "2": ["training"], "3": 5, "4": ""}),
        ]
        for member, district, branch, answers in given:
            body = {"member_id": str(member), "answers": answers}
            sent = await svc.client.post(path, json=body, headers=svc.branch_officer(district, branch))
            assert sent.status_code == 201, sent.text
        events = await svc.events.wait("SurveyAnswered", 3, campaign_id=str(survey))
        assert {(e.data["member_id"], e.topic) for e in events} == {
            (str(couriers[0]), topics.district_events("campaigns", north)),
            (str(couriers[1]), topics.district_events("campaigns", north)),
            (str(builder), topics.district_events("campaigns", south)),
        }
        assert all(set(e.data) == {"campaign_id", "member_id", "district"} for e in events)

        again = await svc.client.post(
            path, json={"member_id": str(builder), "answers": given[2][3]}, headers=svc.admin
        )
        assert again.status_code == 422 and rule_of(again) == ("member_id", "answers_once")
        stranger = await svc.client.post(
            path, json={"member_id": str(outsider), "answers": given[2][3]}, headers=svc.admin
        )
        assert stranger.status_code == 422 and rule_of(stranger) == ("member_id", "campaign_audience")

        by_district = (
            await svc.client.get(
                f"/campaigns/{survey}/survey/results", params={"by": "district"}, headers=svc.admin
            )
        ).json()
        assert by_district["responses"] == 3
        groups = {g["group"]: g for g in by_district["groups"]}
        north_q = {q["position"]: q for q in groups[north]["questions"]}
        assert groups[north]["responses"] == 2
        assert north_q[1]["counts"] == {"day": 0, "night": 2}
        assert north_q[2]["counts"] == {"canteen": 1, "housing": 2, "training": 0}
        assert (north_q[3]["answered"], north_q[3]["mean"]) == (2, "2.50")
        assert north_q[4] == {"position": 4, "kind": "text", "answered": 1, "counts": None, "mean": None}
        assert "Too hot" not in str(by_district)
        south_q = {q["position"]: q for q in groups[south]["questions"]}
        assert (south_q[3]["mean"], south_q[4]["answered"]) == ("5.00", 0)

        by_industry = (
            await svc.client.get(
                f"/campaigns/{survey}/survey/results", params={"by": "industry"}, headers=svc.admin
            )
        ).json()
        assert {g["group"]: g["responses"] for g in by_industry["groups"]} == {
            "logistics": 2,
            "construction": 1,
        }
        overall = (await svc.client.get(f"/campaigns/{survey}/survey/results", headers=svc.admin)).json()
        assert [(g["group"], g["responses"]) for g in overall["groups"]] == [("all", 3)]
        # A district officer counts only their district's answers to the federation's survey.
        own = (
            await svc.client.get(
                f"/campaigns/{survey}/survey/results",
                params={"by": "district"},
                headers=svc.district_officer(south),
            )
        ).json()
        assert [(g["group"], g["responses"]) for g in own["groups"]] == [(south, 1)]
        bad = await svc.client.get(
            f"/campaigns/{survey}/survey/results", params={"by": "age"}, headers=svc.admin
        )
        assert bad.status_code == 422


async def test_answers_that_do_not_match_the_questions_are_refused(campaigns_service) -> None:
    district = new_district()
    async with campaigns_service([district]) as svc:
        branch = await svc.feed.branch(district)
        worker = await svc.member(district, branch)
        survey = await campaign_row(svc, kind="survey", status="draft", owner_district=district)
        officer = svc.district_officer(district)
        assert (
            await svc.client.put(f"/campaigns/{survey}/survey", json=QUESTIONS, headers=officer)
        ).status_code == 200
        bad_questions = {"questions": [{"text": "Q", "kind": "single_choice", "options": ["only"]}]}
        refused = await svc.client.put(f"/campaigns/{survey}/survey", json=bad_questions, headers=officer)
        assert refused.status_code == 422 and rule_of(refused)[0] == "questions.0.options"
        kept = (await svc.client.get(f"/campaigns/{survey}/survey", headers=officer)).json()
        assert len(kept["questions"]) == 4  # the refused replacement changed nothing
        await launch(svc, survey, [worker])

        path = f"/campaigns/{survey}/survey/answers"
        good = {"1": "day", "2": ["canteen"], "3": 4}
        headers = svc.branch_officer(district, branch)
        for change, field in (
            ({"1": "evening"}, "answers.1"),
            ({"2": "canteen"}, "answers.2"),
            ({"3": 9}, "answers.3"),
            ({"7": "x"}, "answers.7"),
        ):
            response = await svc.client.post(
                path, json={"member_id": str(worker), "answers": good | change}, headers=headers
            )
            assert response.status_code == 422 and rule_of(response)[0] == field, response.text
        missing = {k: v for k, v in good.items() if k != "3"}
        response = await svc.client.post(
            path, json={"member_id": str(worker), "answers": missing}, headers=headers
        )
        assert response.status_code == 422 and rule_of(response) == ("answers.3", "answer_required")
        too_long = await svc.client.post(
            path, json={"member_id": str(worker), "answers": good | {"4": "x" * 2001}}, headers=headers
        )
        assert too_long.status_code == 422
        assert await response_count(svc, survey) == 0
        assert svc.events.of("SurveyAnswered") == []


async def test_twenty_concurrent_answers_of_one_member_keep_one(campaigns_service) -> None:
    district = new_district()
    async with campaigns_service([district]) as svc:
        branch = await svc.feed.branch(district)
        worker = await svc.member(district, branch)
        survey = await campaign_row(svc, kind="survey", status="scheduled", owner_district=district)
        officer = svc.district_officer(district)
        assert (
            await svc.client.put(f"/campaigns/{survey}/survey", json=QUESTIONS, headers=officer)
        ).status_code == 200
        await launch(svc, survey, [worker])
        body = {"member_id": str(worker), "answers": {"1": "day", "2": ["canteen"], "3": 4}}
        answers = await asyncio.gather(
            *(
                svc.client.post(
                    f"/campaigns/{survey}/survey/answers",
                    json=body,
                    headers=svc.branch_officer(district, branch),
                )
                for _ in range(20)
            )
        )
        assert sorted(a.status_code for a in answers) == [201] + [422] * 19
        assert {rule_of(a) for a in answers if a.status_code == 422} == {("member_id", "answers_once")}
        assert await response_count(svc, survey) == 1
        await svc.events.wait("SurveyAnswered", campaign_id=str(survey))
        await asyncio.sleep(1)  # what a second event would need to reach the reader
        assert len(svc.events.of("SurveyAnswered", campaign_id=str(survey))) == 1
