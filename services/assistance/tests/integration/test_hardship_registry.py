"""The hardship registry over the real database and broker: who may register whom, one active
record per member (even under racing registrations), review, exit, lists, and the income kept
out of every event."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from assistance.adapters.hardship_store import AlreadyRegistered, HardshipStore
from assistance.domain.hardship import HardshipRecord, Household
from assistance_testkit import Assistance, new_district
from unionfed_devstack.testing import wait_for
from unionfed_events.assistance import HardshipCategory, HardshipCause

HOUSEHOLD = {
    "category": "deep",
    "causes": ["illness", "unemployment"],
    "household_size": 4,
    "members_affected": 2,
    "per_capita_income_yuan": "612.35",
}


async def register(svc: Assistance, member: Any, headers: dict[str, str], **changes: Any) -> Any:
    body = {"member_id": str(member), **HOUSEHOLD, **changes}
    return await svc.client.post("/hardship-records", json=body, headers=headers)


async def records_of(svc: Assistance, member: Any) -> list[dict[str, Any]]:
    r = await svc.client.get("/hardship-records", params={"page_size": 200}, headers=svc.admin)
    assert r.status_code == 200, r.text
    return [x for x in r.json()["items"] if x["member_id"] == str(member)]


async def test_branch_registers_reviews_and_exits_a_household(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member = await svc.member(district, branch)
        officer = svc.branch_officer(district, branch)

        r = await register(svc, member, officer)
        assert r.status_code == 201, r.text
        record = r.json()
        today = date.today()
        assert record["status"] == "active" and record["per_capita_income_yuan"] == "612.35"
        assert record["registered_on"] == today.isoformat()
        assert date.fromisoformat(record["review_due_on"]) > today + timedelta(days=364)
        record_id = record["record_id"]

        (registered,) = await svc.events.wait("HardshipWorkerRegistered", record_id=record_id)
        assert registered.data["causes"] == ["illness", "unemployment"]
        assert registered.key == str(member).encode()
        assert _carries_no_income(registered.value, "612.35")

        too_many = {"category": "deep", "per_capita_income_yuan": "600.00", "household_size": 1}
        r = await svc.client.post(f"/hardship-records/{record_id}/review", json=too_many, headers=officer)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "members_affected"]
        r = await svc.client.get(f"/hardship-records/{record_id}", headers=officer)
        assert r.json()["version"] == 1 and r.json()["household_size"] == 4

        review = {"category": "relative", "per_capita_income_yuan": "900.00", "members_affected": 1}
        r = await svc.client.post(f"/hardship-records/{record_id}/review", json=review, headers=officer)
        assert r.status_code == 200, r.text
        reviewed = r.json()
        assert reviewed["category"] == "relative" and reviewed["members_affected"] == 1
        assert reviewed["household_size"] == 4 and reviewed["last_reviewed_on"] == today.isoformat()
        (event,) = await svc.events.wait("HardshipWorkerReviewed", record_id=record_id)
        assert event.data["review_due_on"] == reviewed["review_due_on"]
        assert _carries_no_income(event.value, "900.00")

        r = await svc.client.post(
            f"/hardship-records/{record_id}/exit", json={"reason": "circumstances_improved"}, headers=officer
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "exited" and r.json()["exit_reason"] == "circumstances_improved"
        await svc.events.wait("HardshipWorkerExited", record_id=record_id)

        # Closed: neither reviewed nor exited again; a new record may now be registered.
        again = await svc.client.post(
            f"/hardship-records/{record_id}/exit", json={"reason": "other"}, headers=officer
        )
        assert again.status_code == 422 and again.json()["detail"][0]["loc"] == ["body", "record_id"]
        assert (await register(svc, member, officer)).status_code == 201


async def test_bad_input_is_a_422_naming_the_field_and_registers_nothing(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member = await svc.member(district, branch)
        officer = svc.branch_officer(district, branch)
        cases = [
            ({"members_affected": 5}, "members_affected"),
            ({"causes": ["illness", "illness"]}, "causes"),
            ({"causes": []}, "causes"),
            ({"causes": ["bad_luck"]}, "causes"),
            ({"household_size": 0}, "household_size"),
            ({"category": "poor"}, "category"),
            ({"per_capita_income_yuan": "10.001"}, "per_capita_income_yuan"),
            ({"per_capita_income_yuan": "-5"}, "per_capita_income_yuan"),
            ({"registered_on": (date.today() + timedelta(days=1)).isoformat()}, "registered_on"),
        ]
        for changes, field in cases:
            r = await register(svc, member, officer, **changes)
            assert r.status_code == 422, (changes, r.text)
            assert field in r.json()["detail"][0]["loc"], (changes, r.text)
            assert "10.001" not in r.text
        assert await records_of(svc, member) == []
        assert svc.events.of("HardshipWorkerRegistered", member_id=str(member)) == []


async def test_only_active_members_of_the_callers_unit_are_registered(assistance_service) -> None:
    district, other = new_district(), new_district()
    async with assistance_service([district, other]) as svc:
        branch = await svc.feed.branch(district)
        elsewhere = await svc.feed.branch(district)
        member = await svc.member(district, branch)

        r = await register(svc, member, svc.branch_officer(district, elsewhere))
        assert r.status_code == 403
        r = await register(svc, member, svc.district_officer(other))
        assert r.status_code == 403
        r = await svc.client.post(
            "/hardship-records", json={"member_id": str(member), **HOUSEHOLD}, headers=svc.token("operator")
        )
        assert r.status_code == 403

        unknown = await register(svc, "0190c0de-0000-7000-8000-000000000000", svc.admin)
        assert unknown.status_code == 422 and unknown.json()["detail"][0]["rule"] == "member_active"

        await svc.feed.leave(district, branch, member)
        await svc.wait_member(member, "left")
        r = await register(svc, member, svc.district_officer(district))
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["rule"] == "member_active"
        assert r.json()["detail"][0]["loc"] == ["body", "member_id"]
        assert await records_of(svc, member) == []


async def test_racing_registrations_leave_one_active_record_and_no_500(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member = await svc.member(district, branch)
        officer = svc.branch_officer(district, branch)

        answers = await asyncio.gather(*(register(svc, member, officer) for _ in range(12)))
        codes = sorted(r.status_code for r in answers)
        assert codes == [201] + [422] * 11, codes
        for r in answers:
            if r.status_code == 422:
                assert r.json()["detail"][0]["loc"] == ["body", "member_id"]
                assert r.json()["detail"][0]["rule"] == "one_active_record"
        assert len(await records_of(svc, member)) == 1


async def test_lists_filter_within_the_callers_scope(assistance_service) -> None:
    district, other = new_district(), new_district()
    async with assistance_service([district, other]) as svc:
        b1, b2 = await svc.feed.branch(district), await svc.feed.branch(district)
        ob = await svc.feed.branch(other)
        m1, m2, m3 = (
            await svc.member(district, b1),
            await svc.member(district, b2),
            await svc.member(other, ob),
        )
        two_years_ago = (date.today() - timedelta(days=730)).isoformat()
        overdue = (await register(svc, m1, svc.admin, registered_on=two_years_ago)).json()
        assert date.fromisoformat(overdue["review_due_on"]) < date.today()
        current = (await register(svc, m2, svc.admin, category="accident", causes=["accident"])).json()
        (await register(svc, m3, svc.admin)).json()

        async def ids(headers: dict[str, str], **params: Any) -> set[str]:
            r = await svc.client.get("/hardship-records", params=params, headers=headers)
            assert r.status_code == 200, r.text
            return {x["record_id"] for x in r.json()["items"]}

        officer = svc.district_officer(district)
        assert await ids(officer) == {overdue["record_id"], current["record_id"]}
        assert await ids(officer, review_overdue="true") == {overdue["record_id"]}
        assert await ids(officer, review_overdue="false") == {current["record_id"]}
        assert await ids(officer, category="accident") == {current["record_id"]}
        assert await ids(svc.branch_officer(district, b2)) == {current["record_id"]}
        assert await ids(svc.admin, district=district, branch_id=b1) == {overdue["record_id"]}
        assert await ids(officer, status="exited") == set()
        assert (
            await svc.client.get("/hardship-records", params={"district": other}, headers=officer)
        ).status_code == 403
        assert (
            await svc.client.get("/hardship-records", params={"status": "gone"}, headers=officer)
        ).status_code == 422

        r = await svc.client.get(
            f"/hardship-records/{overdue['record_id']}", headers=svc.branch_officer(district, b2)
        )
        assert r.status_code == 403
        r = await svc.client.get(
            f"/hardship-records/{overdue['record_id']}", headers=svc.branch_officer(district, b1)
        )
        assert r.status_code == 200 and r.json()["per_capita_income_yuan"] == "612.35"


async def test_a_member_who_leaves_exits_the_registry_once_and_loses_living_aid(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member = await svc.member(district, branch)
        officer = svc.branch_officer(district, branch)

        refused = await svc.apply(member, "living", "500.00", officer)
        assert refused.status_code == 422 and refused.json()["detail"][0]["rule"] == "hardship_registered"
        record_id = (await register(svc, member, officer)).json()["record_id"]
        assert (await svc.apply(member, "living", "500.00", officer)).status_code == 201

        await svc.feed.leave(district, branch, member)
        (exited,) = await svc.events.wait("HardshipWorkerExited", record_id=record_id)
        assert exited.data["reason"] == "member_left"
        assert exited.headers.get("ce_actorrole") == "service"
        r = await svc.client.get(f"/hardship-records/{record_id}", headers=officer)
        assert r.json()["status"] == "exited" and r.json()["exit_reason"] == "member_left"

        # A second MemberLeft (a repeat under a new id) exits nothing more.
        await svc.feed.leave(district, branch, member)

        async def second_applied() -> bool:
            async with svc.app.state.runtime.engine.connect() as conn:
                query = sa.text("SELECT version FROM members WHERE member_id = :m")
                return (await conn.execute(query, {"m": member})).scalar_one() == 3

        await wait_for(second_applied, timeout=30)
        await svc.events.wait("AidCaseFlagged", member_id=str(member))
        await asyncio.sleep(1)  # the relay's poll, had a second exit been staged
        assert len(svc.events.of("HardshipWorkerExited", member_id=str(member))) == 1


async def test_the_unique_index_refuses_a_second_active_record_the_lock_did_not_stop(
    assistance_service,
) -> None:
    """The store's last guard, reached without the member lock (as a path that forgot it would)."""
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member = await svc.member(district, branch)
        runtime = svc.app.state.runtime

        def new_record() -> HardshipRecord:
            household = Household(HardshipCategory.DEEP, [HardshipCause.ILLNESS], 2, 1, 50_000)
            return HardshipRecord.register(uuid.uuid4(), member, district, branch, household, date.today())

        async with runtime.unit_of_work() as uow:
            await HardshipStore(uow.session).add(new_record())
            await uow.commit()
        async with runtime.unit_of_work() as uow:
            store = HardshipStore(uow.session)
            with pytest.raises(AlreadyRegistered):
                await store.add(new_record())
            assert (await store.active_of(member)) is not None  # the transaction is still usable
        assert len(await records_of(svc, member)) == 1


def _carries_no_income(payload: bytes, yuan: str) -> bool:
    """No field named for income, and no value that is the amount in yuan or in cents (compared
    per value: a random id may contain the digits)."""
    cents = str(round(float(yuan) * 100))
    data = json.loads(payload)
    values = {str(v) for v in data.values()}
    return not any("income" in k for k in data) and not values & {yuan, cents, yuan.rstrip("0").rstrip(".")}
