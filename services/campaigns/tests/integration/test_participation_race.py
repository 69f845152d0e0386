"""The capacity race the issue demands, over the real database and broker: 200 enrolment
requests at once against 50 places. Exactly 50 are enrolled, the other 150 wait at positions
1..150 (no gap, no duplicate), the campaign row's counters equal the participant rows, and the
topic carries exactly one event per request. Then withdrawals hand places to the head of the
waiting list, and withdrawals and enrolments at once never exceed the capacity."""

from __future__ import annotations

import asyncio
import uuid

from campaign_rows import campaign_row
from campaigns_testkit import Campaigns, new_district
from participation_kit import counters, enrol, listed, members_in_view, rows_by_status, withdraw
from unionfed_events import topics

REQUESTS = 200
CAPACITY = 50
LATECOMERS = 30  # in the audience, but not among the first 200


async def _exactly(svc: Campaigns, type_: str, count: int, **data: object) -> list:
    """Wait for `count` events, then give the relay time to show any extra one."""
    await svc.events.wait(type_, count, within=60, **data)
    await asyncio.sleep(2)
    found = svc.events.of(type_, **data)
    assert len(found) == count, (type_, len(found))
    return found


async def _assert_consistent(svc: Campaigns, campaign_id: uuid.UUID) -> list[dict]:
    """Counters equal rows, places within capacity and all used while anyone waits, and the
    waiting list numbered 1..n in request order."""
    enrolled, waitlisted = await counters(svc, campaign_id)
    by_status = await rows_by_status(svc, campaign_id)
    assert (by_status.get("enrolled", 0), by_status.get("waitlisted", 0)) == (enrolled, waitlisted)
    assert enrolled <= CAPACITY
    assert waitlisted == 0 or enrolled == CAPACITY, "a place is free while members wait"
    waiting = await listed(svc, campaign_id, svc.admin, status="waitlisted")
    assert [p["position"] for p in waiting] == list(range(1, waitlisted + 1))
    return waiting


async def test_200_concurrent_enrolments_fill_50_places_and_queue_the_rest_in_order(
    campaigns_service,
) -> None:
    district = new_district("race")
    async with campaigns_service([district]) as svc:
        branch = await svc.feed.branch(district)
        audience = await members_in_view(svc, district, branch, REQUESTS + LATECOMERS)
        first, latecomers = audience[:REQUESTS], audience[REQUESTS:]
        # A federation campaign: per-member events still go to the member's district topic.
        campaign_id = await campaign_row(svc, audience=audience, capacity=CAPACITY)
        officer = svc.branch_officer(district, branch)

        answers = await asyncio.gather(*(enrol(svc, campaign_id, m, officer) for m in first))

        assert [r.status_code for r in answers] == [201] * REQUESTS, [
            r.text for r in answers if r.status_code != 201
        ][:3]
        bodies = [r.json() for r in answers]
        enrolled = [b["member_id"] for b in bodies if b["status"] == "enrolled"]
        waiting = sorted((b for b in bodies if b["status"] == "waitlisted"), key=lambda b: b["position"])
        assert len(enrolled) == CAPACITY
        assert all(b["position"] is None for b in bodies if b["status"] == "enrolled")
        assert [b["position"] for b in waiting] == list(range(1, REQUESTS - CAPACITY + 1))
        assert await counters(svc, campaign_id) == (CAPACITY, REQUESTS - CAPACITY)
        listed_waiting = await _assert_consistent(svc, campaign_id)
        assert [p["member_id"] for p in listed_waiting] == [b["member_id"] for b in waiting]

        cid = str(campaign_id)
        enrolled_events = await _exactly(svc, "ParticipantEnrolled", CAPACITY, campaign_id=cid)
        waitlisted_events = await _exactly(svc, "ParticipantWaitlisted", REQUESTS - CAPACITY, campaign_id=cid)
        assert sorted(e.data["member_id"] for e in enrolled_events) == sorted(enrolled)
        assert not any(e.data["from_waiting_list"] for e in enrolled_events)
        assert sorted(e.data["position"] for e in waitlisted_events) == list(
            range(1, REQUESTS - CAPACITY + 1)
        )
        district_topic = topics.district_events("campaigns", district)
        assert {e.topic for e in enrolled_events + waitlisted_events} == {district_topic}

        # An enrolled member withdraws: the head of the waiting list moves up by itself.
        head, second = waiting[0]["member_id"], waiting[1]["member_id"]
        r = await withdraw(svc, campaign_id, uuid.UUID(enrolled[0]), officer)
        assert r.status_code == 200, r.text
        assert (r.json()["was_enrolled"], r.json()["moved_up"]) == (True, head)
        (moved,) = await svc.events.wait("ParticipantEnrolled", campaign_id=cid, member_id=head)
        assert moved.data["from_waiting_list"] is True
        (left,) = await svc.events.wait("ParticipantWithdrew", campaign_id=cid, member_id=enrolled[0])
        assert left.data["was_enrolled"] is True
        assert await counters(svc, campaign_id) == (CAPACITY, REQUESTS - CAPACITY - 1)
        waiting_now = await _assert_consistent(svc, campaign_id)
        assert waiting_now[0]["member_id"] == second

        # A waiting member withdraws: they leave the list, no place changes hands.
        r = await withdraw(svc, campaign_id, uuid.UUID(second), officer)
        assert (r.json()["was_enrolled"], r.json()["moved_up"]) == (False, None)
        assert await counters(svc, campaign_id) == (CAPACITY, REQUESTS - CAPACITY - 2)

        # Withdrawals (enrolled members, the head of the list, its tail) and new enrolments at once.
        still_enrolled = [
            p["member_id"] for p in await listed(svc, campaign_id, svc.admin, status="enrolled")
        ]
        still_waiting = [p["member_id"] for p in await _assert_consistent(svc, campaign_id)]
        leaving = still_enrolled[:20] + still_waiting[:5] + still_waiting[-10:]
        mixed = [withdraw(svc, campaign_id, uuid.UUID(m), officer) for m in leaving]
        mixed += [enrol(svc, campaign_id, m, officer) for m in latecomers]
        answers = await asyncio.gather(*mixed)
        assert all(r.status_code in (200, 201) for r in answers), [
            r.text for r in answers if r.status_code >= 300
        ]
        assert sum(r.json()["moved_up"] is not None for r in answers[:20]) == 20
        waiting_after = await _assert_consistent(svc, campaign_id)
        expected_waiting = REQUESTS - CAPACITY - 2 - len(leaving) + LATECOMERS
        assert await counters(svc, campaign_id) == (CAPACITY, expected_waiting)
        assert len(waiting_after) == expected_waiting
        # One event per change: every withdrawal, and every place handed on.
        handed_on = 1 + sum(r.json()["moved_up"] is not None for r in answers[: len(leaving)])
        await _exactly(svc, "ParticipantWithdrew", 2 + len(leaving), campaign_id=cid)
        await _exactly(svc, "ParticipantEnrolled", handed_on, campaign_id=cid, from_waiting_list=True)


async def test_without_capacity_everyone_is_enrolled(campaigns_service) -> None:
    district = new_district("open")
    async with campaigns_service([district]) as svc:
        branch = await svc.feed.branch(district)
        audience = await members_in_view(svc, district, branch, 60)
        campaign_id = await campaign_row(svc, audience=audience, capacity=None, owner_district=district)

        answers = await asyncio.gather(
            *(enrol(svc, campaign_id, m, svc.district_officer(district)) for m in audience)
        )

        assert [(r.status_code, r.json()["status"]) for r in answers] == [(201, "enrolled")] * 60
        assert await counters(svc, campaign_id) == (60, 0)
        assert await rows_by_status(svc, campaign_id) == {"enrolled": 60}
        await _exactly(svc, "ParticipantEnrolled", 60, campaign_id=str(campaign_id))
