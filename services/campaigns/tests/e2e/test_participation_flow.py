"""Enrolment through the API as organisers use it: who may enrol whom, the refusals (each a 422
naming the field and the rule, with nothing changed), asking twice, withdrawing, asking again."""

from __future__ import annotations

import asyncio
import uuid

from campaign_rows import campaign_row
from campaigns.adapters.orm import campaigns
from campaigns_testkit import new_district
from participation_kit import counters, enrol, listed, members_in_view, rows_by_status, withdraw


def _rule(r) -> tuple[int, str, str]:
    (item,) = r.json()["detail"]
    return r.status_code, item["loc"][-1], item.get("rule")


async def test_refusals_name_the_rule_and_change_nothing(campaigns_service) -> None:
    district, elsewhere = new_district("ref"), new_district("oth")
    async with campaigns_service([district, elsewhere]) as svc:
        branch = await svc.feed.branch(district)
        inside, outsider, leaver = await members_in_view(svc, district, branch, 3)
        audience = [inside, leaver]
        draft = await campaign_row(
            svc, status="draft", audience=audience, capacity=5, owner_district=district
        )
        closed = await campaign_row(
            svc, status="closed", audience=audience, capacity=5, owner_district=district
        )
        launched = await campaign_row(svc, audience=audience, capacity=5, owner_district=district)
        await svc.feed.leave(district, branch, leaver)
        await svc.wait_member(leaver, "left")
        admin = svc.admin

        assert _rule(await enrol(svc, draft, inside, admin)) == (422, "campaign_id", "campaign_launched")
        assert _rule(await enrol(svc, closed, inside, admin)) == (422, "campaign_id", "campaign_launched")
        assert _rule(await enrol(svc, launched, outsider, admin)) == (422, "member_id", "in_audience")
        assert _rule(await enrol(svc, launched, leaver, admin)) == (422, "member_id", "member_active")
        assert _rule(await enrol(svc, launched, uuid.uuid4(), admin)) == (422, "member_id", "member_active")
        assert (await enrol(svc, uuid.uuid4(), inside, admin)).status_code == 404
        r = await svc.client.post(
            f"/campaigns/{launched}/participants", json={"member_id": "x"}, headers=admin
        )
        assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "member_id"
        r = await svc.client.post(f"/campaigns/{launched}/participants/{inside}/withdraw", headers=admin)
        assert r.status_code == 404

        for campaign_id in (draft, closed, launched):
            assert await counters(svc, campaign_id) == (0, 0)
            assert await rows_by_status(svc, campaign_id) == {}
        await asyncio.sleep(1)
        assert not [r for r in svc.events.records if r.type.startswith("Participant")]


async def test_who_may_enrol_whom(campaigns_service) -> None:
    district, elsewhere = new_district("who"), new_district("oth")
    async with campaigns_service([district, elsewhere]) as svc:
        branch, other_branch = await svc.feed.branch(district), await svc.feed.branch(district)
        (member,) = await members_in_view(svc, district, branch, 1)
        campaign_id = await campaign_row(svc, audience=[member], capacity=5)

        forbidden = [
            svc.branch_officer(district, other_branch),
            svc.district_officer(elsewhere),
            svc.token("operator", subject="ops"),
        ]
        for headers in forbidden:
            assert (await enrol(svc, campaign_id, member, headers)).status_code == 403
        assert await counters(svc, campaign_id) == (0, 0)

        r = await enrol(svc, campaign_id, member, svc.branch_officer(district, branch))
        assert (r.status_code, r.json()["status"]) == (201, "enrolled")
        assert (await withdraw(svc, campaign_id, member, svc.district_officer(elsewhere))).status_code == 403

        # Reading is scoped: the operator sees all; another branch's officer sees none of them.
        assert len(await listed(svc, campaign_id, svc.token("operator", subject="ops"))) == 1
        assert await listed(svc, campaign_id, svc.branch_officer(district, other_branch)) == []
        assert len(await listed(svc, campaign_id, svc.district_officer(district))) == 1
        r = await svc.client.get(
            f"/campaigns/{campaign_id}/participants",
            params={"district": elsewhere},
            headers=svc.district_officer(district),
        )
        assert r.status_code == 403


async def test_asking_twice_withdrawing_and_asking_again(campaigns_service) -> None:
    district = new_district("twice")
    async with campaigns_service([district]) as svc:
        branch = await svc.feed.branch(district)
        a, b, c = await members_in_view(svc, district, branch, 3)
        campaign_id = await campaign_row(svc, audience=[a, b, c], capacity=1, owner_district=district)
        officer = svc.district_officer(district)
        cid = str(campaign_id)

        # The same member's requests at once: one enrolment, the others answer it unchanged.
        answers = await asyncio.gather(*(enrol(svc, campaign_id, a, officer) for _ in range(8)))
        assert sorted(r.status_code for r in answers) == [200] * 7 + [201]
        assert {r.json()["status"] for r in answers} == {"enrolled"}
        assert await counters(svc, campaign_id) == (1, 0)

        r = await enrol(svc, campaign_id, b, officer)
        assert (r.status_code, r.json()["status"], r.json()["position"]) == (201, "waitlisted", 1)
        r = await enrol(svc, campaign_id, c, officer)
        assert (r.json()["status"], r.json()["position"]) == ("waitlisted", 2)
        r = await enrol(svc, campaign_id, b, officer)
        assert (r.status_code, r.json()["status"], r.json()["position"]) == (200, "waitlisted", 1)

        # b leaves the waiting list, c moves to 1; withdrawing again changes nothing.
        r = await withdraw(svc, campaign_id, b, officer)
        assert (r.status_code, r.json()["participant"]["status"], r.json()["was_enrolled"]) == (
            200,
            "withdrawn",
            False,
        )
        again = await withdraw(svc, campaign_id, b, officer)
        assert (again.status_code, again.json()["participant"]["status"], again.json()["moved_up"]) == (
            200,
            "withdrawn",
            None,
        )
        assert [
            (p["member_id"], p["position"])
            for p in await listed(svc, campaign_id, officer, status="waitlisted")
        ] == [(str(c), 1)]

        # b asks again: a new request, at the end of the list (never their old place).
        r = await enrol(svc, campaign_id, b, officer)
        assert (r.status_code, r.json()["status"], r.json()["position"]) == (201, "waitlisted", 2)

        # a withdraws: c (head of the list) takes the place, b becomes 1.
        r = await withdraw(svc, campaign_id, a, officer)
        assert (r.json()["was_enrolled"], r.json()["moved_up"]) == (True, str(c))
        everyone = {
            p["member_id"]: (p["status"], p["position"]) for p in await listed(svc, campaign_id, officer)
        }
        assert everyone == {
            str(a): ("withdrawn", None),
            str(b): ("waitlisted", 1),
            str(c): ("enrolled", None),
        }
        assert await counters(svc, campaign_id) == (1, 1)

        await asyncio.sleep(2)
        assert len(svc.events.of("ParticipantEnrolled", campaign_id=cid, member_id=str(a))) == 1
        assert len(svc.events.of("ParticipantWithdrew", campaign_id=cid, member_id=str(b))) == 1
        assert [
            e.data["position"]
            for e in svc.events.of("ParticipantWaitlisted", campaign_id=cid, member_id=str(b))
        ] == [1, 2]
        (moved,) = svc.events.of("ParticipantEnrolled", campaign_id=cid, member_id=str(c))
        assert moved.data["from_waiting_list"] is True

        # Once the campaign is closed, nobody withdraws or enrols any more.
        async with svc.engine.begin() as conn:
            await conn.execute(
                campaigns.update().where(campaigns.c.campaign_id == campaign_id).values(status="closed")
            )
        assert _rule(await withdraw(svc, campaign_id, c, officer)) == (
            422,
            "campaign_id",
            "campaign_launched",
        )
        assert _rule(await enrol(svc, campaign_id, a, officer)) == (422, "campaign_id", "campaign_launched")
        assert await counters(svc, campaign_id) == (1, 1)
