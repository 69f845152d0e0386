"""Proposals over the real database and broker: submission by a member's branch, one review by
the organisers, the award, the lists; every refusal a 422 naming the field and the rule that
changes nothing."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from campaign_rows import campaign_row
from campaigns.adapters.orm import proposals
from campaigns_testkit import new_district
from unionfed_events import topics


def rule_of(response) -> tuple[str, str | None]:
    detail = response.json()["detail"][0]
    return detail["loc"][-1], detail.get("rule")


async def proposal_count(svc) -> int:
    async with svc.engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(proposals))).scalar_one()


async def test_a_proposal_is_submitted_reviewed_once_and_awarded(campaigns_service) -> None:
    district, other = new_district(), new_district()
    async with campaigns_service([district, other]) as svc:
        branch = await svc.feed.branch(district)
        worker = await svc.member(district, branch)
        drive = await campaign_row(
            svc, kind="proposal_collection", owner_district=district, audience=[worker]
        )
        body = {
            "member_id": str(worker),
            "kind": "rationalisation",
            "title": "Reuse formwork panels",
            "body": "Panels can be cleaned and reused three times;\nsaves 30% of timber.",
            "campaign_id": str(drive),
        }
        created = await svc.client.post("/proposals", json=body, headers=svc.branch_officer(district, branch))
        assert created.status_code == 201, created.text
        proposal = created.json()
        assert (proposal["status"], proposal["district"], proposal["branch_id"]) == (
            "submitted",
            district,
            branch,
        )

        [submitted] = await svc.events.wait("ProposalSubmitted", proposal_id=proposal["proposal_id"])
        assert submitted.topic == topics.district_events("campaigns", district)
        assert submitted.data["title"] == "Reuse formwork panels"
        assert "body" not in submitted.data and submitted.data["campaign_id"] == str(drive)

        path = f"/proposals/{proposal['proposal_id']}"
        # A branch officer passes proposals on but does not review them; another district's officer neither.
        review = {"outcome": "adopted", "comment": "Trial on site 3", "award": "second prize"}
        assert (
            await svc.client.post(f"{path}/review", json=review, headers=svc.branch_officer(district, branch))
        ).status_code == 403
        assert (
            await svc.client.post(f"{path}/review", json=review, headers=svc.district_officer(other))
        ).status_code == 403

        reviewed = await svc.client.post(
            f"{path}/review", json=review, headers=svc.district_officer(district)
        )
        assert reviewed.status_code == 200, reviewed.text
        assert (reviewed.json()["status"], reviewed.json()["award"]) == ("adopted", "second prize")
        [event] = await svc.events.wait("ProposalReviewed", proposal_id=proposal["proposal_id"])
        assert (event.data["outcome"], event.data["award"], event.data["campaign_id"]) == (
            "adopted",
            "second prize",
            str(drive),
        )

        again = await svc.client.post(
            f"{path}/review", json={"outcome": "rejected", "comment": "no"}, headers=svc.admin
        )
        assert again.status_code == 422 and rule_of(again) == ("proposal_id", "reviewed_once")
        later = await svc.client.post(f"{path}/award", json={"award": "first prize"}, headers=svc.admin)
        assert later.status_code == 422 and rule_of(later) == ("award", "awarded_once")
        assert (await svc.client.get(path, headers=svc.branch_officer(district, branch))).json()[
            "award"
        ] == "second prize"

        listed = await svc.client.get(
            "/proposals",
            params={"campaign_id": str(drive), "status": "adopted"},
            headers=svc.district_officer(district),
        )
        assert [p["proposal_id"] for p in listed.json()["items"]] == [proposal["proposal_id"]]
        assert "body" not in listed.json()["items"][0]
        elsewhere = await svc.client.get("/proposals", headers=svc.district_officer(other))
        assert elsewhere.json()["total"] == 0
        assert (await svc.client.get(path, headers=svc.district_officer(other))).status_code == 403
        await svc.events.wait("ProposalReviewed", proposal_id=proposal["proposal_id"])
        assert len(svc.events.of("ProposalReviewed", proposal_id=proposal["proposal_id"])) == 1


async def test_a_standing_proposal_is_awarded_after_its_adoption(campaigns_service) -> None:
    district = new_district()
    async with campaigns_service([district]) as svc:
        branch = await svc.feed.branch(district)
        worker = await svc.member(district, branch)
        body = {
            "member_id": str(worker),
            "kind": "innovation",
            "title": "Crane sensor",
            "body": "A load sensor.",
        }
        created = await svc.client.post("/proposals", json=body, headers=svc.branch_officer(district, branch))
        assert created.status_code == 201 and created.json()["campaign_id"] is None
        path = f"/proposals/{created.json()['proposal_id']}"

        early = await svc.client.post(
            f"{path}/award", json={"award": "innovation prize"}, headers=svc.district_officer(district)
        )
        assert early.status_code == 422 and rule_of(early) == ("proposal_id", "award_needs_adoption")
        adopt = {"outcome": "adopted", "comment": "Useful"}
        assert (
            await svc.client.post(f"{path}/review", json=adopt, headers=svc.district_officer(district))
        ).status_code == 200
        awarded = await svc.client.post(
            f"{path}/award", json={"award": "innovation prize"}, headers=svc.district_officer(district)
        )
        assert awarded.status_code == 200 and awarded.json()["award"] == "innovation prize"

        reviews = await svc.events.wait("ProposalReviewed", 2, proposal_id=created.json()["proposal_id"])
        assert [(r.data["outcome"], r.data["award"], r.data["campaign_id"]) for r in reviews] == [
            ("adopted", None, None),
            ("adopted", "innovation prize", None),
        ]


async def test_refused_submissions_change_nothing(campaigns_service) -> None:
    district, other = new_district(), new_district()
    async with campaigns_service([district, other]) as svc:
        branch = await svc.feed.branch(district)
        far_branch = await svc.feed.branch(other)
        worker = await svc.member(district, branch)
        far_worker = await svc.member(other, far_branch)
        leaver = await svc.member(district, branch)
        await svc.feed.leave(district, branch, leaver)
        await svc.wait_member(leaver, "left")
        drive = await campaign_row(
            svc, kind="proposal_collection", owner_district=district, audience=[worker]
        )
        draft = await campaign_row(svc, kind="proposal_collection", status="draft", owner_district=district)
        survey = await campaign_row(svc, kind="survey", owner_district=district, audience=[worker])

        def body(**change) -> dict:
            return {
                "member_id": str(worker),
                "kind": "rationalisation",
                "title": "T",
                "body": "B",
                "campaign_id": str(drive),
            } | change

        officer = svc.district_officer(district)
        refusals = [
            (body(member_id=str(uuid.uuid4())), officer, ("member_id", "member_known")),
            (body(member_id=str(leaver)), officer, ("member_id", "member_active")),
            (body(campaign_id=str(uuid.uuid4())), officer, ("campaign_id", "campaign_known")),
            (body(campaign_id=str(draft)), officer, ("campaign_id", "campaign_launched")),
            (body(campaign_id=str(survey)), officer, ("campaign_id", "campaign_kind")),
            (body(member_id=str(far_worker)), svc.admin, ("member_id", "campaign_district")),
        ]
        for request, headers, expected in refusals:
            refused = await svc.client.post("/proposals", json=request, headers=headers)
            assert refused.status_code == 422, (expected, refused.text)
            assert rule_of(refused) == expected
        invalid = await svc.client.post("/proposals", json=body(title="", kind="poem"), headers=officer)
        assert invalid.status_code == 422
        for broken in ({"title": "Half \ud800 a character"}, {"body": "NUL \x00 in the text"}):
            # Escaped JSON (ensure_ascii), as a client that sends them would: refused before the database.
            raw = json.dumps(body(**broken)).encode()
            refused = await svc.client.post(
                "/proposals", content=raw, headers=officer | {"content-type": "application/json"}
            )
            assert refused.status_code == 422, refused.text
        # Another branch's member is out of a branch officer's reach.
        other_branch = await svc.feed.branch(district)
        outside = await svc.client.post(
            "/proposals", json=body(), headers=svc.branch_officer(district, other_branch)
        )
        assert outside.status_code == 403
        operator = svc.token("operator", subject="ops")
        assert (await svc.client.post("/proposals", json=body(), headers=operator)).status_code == 403
        assert await proposal_count(svc) == 0
        assert svc.events.of("ProposalSubmitted") == []
