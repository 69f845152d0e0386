"""A season of engagement over the real broker and database, from membership's events to the
events the campaigns service publishes: a worker's proposal is adopted, they win a skill
competition and are honoured as a model worker, and the survey of the district hears from them.
Every event read back from the broker is a valid contract of its type, keyed by its subject,
stamped with the officer who acted, on the topic the rules give."""

from __future__ import annotations

from campaign_rows import campaign_row
from campaigns_testkit import new_district
from engagement_rows import launch
from unionfed_devstack.testing import Record, wait_for
from unionfed_events import Envelope, topics
from unionfed_events.registry import event_class


def contract(record: Record) -> tuple[Envelope, object]:
    envelope = Envelope.from_headers(list(record.headers.items()), record.value)
    event = event_class(envelope.type).model_validate_json(record.value)
    assert record.key == (envelope.subject or "").encode() and envelope.subject == event.subject()
    return envelope, event


async def test_a_workers_season_from_proposal_to_honour(campaigns_service) -> None:
    district = new_district()
    async with campaigns_service([district]) as svc:
        branch = await svc.feed.branch(district, industry="manufacturing")
        fitter = await svc.member(district, branch, industry="manufacturing")
        rival = await svc.member(district, branch, industry="manufacturing")
        officer, branch_officer = svc.district_officer(district), svc.branch_officer(district, branch)
        drive = await campaign_row(
            svc, kind="proposal_collection", owner_district=district, audience=[fitter, rival]
        )
        contest = await campaign_row(
            svc, kind="skill_competition", owner_district=district, audience=[fitter, rival]
        )
        selection = await campaign_row(
            svc, kind="honour_selection", owner_district=district, audience=[fitter]
        )
        survey = await campaign_row(svc, kind="survey", status="scheduled", owner_district=district)
        questions = {"questions": [{"text": "Is the training enough?", "kind": "scale"}]}
        assert (
            await svc.client.put(f"/campaigns/{survey}/survey", json=questions, headers=officer)
        ).status_code == 200

        proposal = {
            "member_id": str(fitter),
            "kind": "innovation",
            "title": "Jig for the lathe",
            "body": "Details.",
        }
        created = await svc.client.post(
            "/proposals", json=proposal | {"campaign_id": str(drive)}, headers=branch_officer
        )
        path = f"/proposals/{created.json()['proposal_id']}"
        adopt = {"outcome": "adopted", "comment": "Saves an hour a shift", "award": "innovation award"}
        assert (await svc.client.post(f"{path}/review", json=adopt, headers=officer)).status_code == 200
        for member, score in ((fitter, "97.5"), (rival, "91")):
            scored = await svc.client.put(
                f"/campaigns/{contest}/scores/{member}", json={"score": score}, headers=officer
            )
            assert scored.status_code == 204
        published = await svc.client.post(
            f"/campaigns/{contest}/ranking/publish", json={"awards": ["first"]}, headers=officer
        )
        assert published.json()["entries"][0]["member_id"] == str(fitter)
        honour = {
            "honour": "model_worker",
            "member_id": str(fitter),
            "citation": "Innovator and champion.",
            "campaign_id": str(selection),
        }
        assert (await svc.client.post("/honours", json=honour, headers=officer)).status_code == 201

        # The survey launches (the lifecycle's part, written here as it leaves the tables), then hears from the fitter.
        await launch(svc, survey, [fitter])
        answer = {"member_id": str(fitter), "answers": {"1": 4}}
        assert (
            await svc.client.post(f"/campaigns/{survey}/survey/answers", json=answer, headers=branch_officer)
        ).status_code == 201

        district_topic = topics.district_events("campaigns", district)
        expected = {
            "ProposalSubmitted": ("bo-" + branch, created.json()["proposal_id"]),
            "ProposalReviewed": ("do-" + district, created.json()["proposal_id"]),
            "CompetitionRanked": ("do-" + district, str(contest)),
            "HonourAwarded": ("do-" + district, str(fitter)),
            "SurveyAnswered": ("bo-" + branch, str(survey)),
        }
        for type_, (actor, subject) in expected.items():
            # The reader also follows the federation topic, which other tests' campaigns share.
            [record] = await wait_for(
                lambda t=type_: [r for r in svc.events.of(t) if r.topic == district_topic]
            )
            envelope, _event = contract(record)
            assert (record.topic, envelope.actor, envelope.subject, envelope.district) == (
                district_topic,
                actor,
                subject,
                district,
            ), type_
