"""The budget race: 200 approvals fired at once against a fund that covers exactly 100 of them.

Exactly 100 reserve, the other 100 are refused 422 on the rule `fund_available` with the shortage
named, and the fund's ledger is one unbroken chain: every reservation moves `reserved` by exactly
its amount from the balance the previous entry left, and `available` never goes below zero."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

from assistance_testkit import Assistance, new_district
from unionfed_devstack.testing import wait_for

CASES = 200
AMOUNT = Decimal("100.00")  # within the branch limit: the branch decides alone, one approval grants
FUND = AMOUNT * 100  # covers exactly half of the cases


async def _members(svc: Assistance, district: str, branch: str, n: int) -> list[Any]:
    """n members joined through membership's events (one open medical case each is allowed)."""
    members = [await svc.feed.join(district, branch) for _ in range(n)]

    async def all_seen() -> bool:
        r = await svc.client.get(f"/members/counts?district={district}", headers=svc.admin)
        return r.status_code == 200 and r.json() == [{"district": district, "status": "active", "members": n}]

    await wait_for(all_seen, timeout=60)
    return members


async def _ledger(svc: Assistance, district: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    page = 1
    while True:
        r = await svc.client.get(
            f"/funds/{district}/{date.today().year}/medical/ledger?page={page}&page_size=200",
            headers=svc.admin,
        )
        assert r.status_code == 200, r.text
        body = r.json()
        entries += body["items"]
        if len(entries) >= body["total"]:
            return entries
        page += 1


def _assert_unbroken_chain(entries: list[dict[str, Any]]) -> None:
    """Each entry starts from the balance the previous one left and moves it by its amount."""
    reserved = Decimal(0)
    allocated = Decimal(0)
    for e in entries:
        amount = Decimal(e["amount_yuan"])
        if e["kind"] == "allocate":
            allocated += amount
        else:
            assert e["kind"] == "reserve", e
            reserved += amount
        after = {k: Decimal(e[f"{k}_after_yuan"]) for k in ("allocated", "reserved", "spent", "available")}
        assert (after["allocated"], after["reserved"], after["spent"]) == (allocated, reserved, 0), e
        assert after["allocated"] == after["reserved"] + after["spent"] + after["available"], e
        assert after["available"] >= 0, e


async def test_exactly_the_covered_approvals_succeed_and_the_rest_name_the_shortage(
    assistance_service,
) -> None:
    district = new_district("race")
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        members = await _members(svc, district, branch, CASES)
        officer = svc.branch_officer(district, branch)
        applied = await asyncio.gather(*(svc.apply(m, "medical", str(AMOUNT), officer) for m in members))
        assert [r.status_code for r in applied] == [201] * CASES, [
            r.text for r in applied if r.status_code != 201
        ]
        case_ids = [r.json()["case_id"] for r in applied]
        assert all(r.json()["levels"] == ["branch"] for r in applied)
        await svc.allocate(district, "medical", str(FUND))

        answers = await asyncio.gather(*(svc.decide(c, "approve", officer) for c in case_ids))

        granted = [r for r in answers if r.status_code == 200]
        refused = [r for r in answers if r.status_code != 200]
        assert (len(granted), len(refused)) == (100, 100), sorted({r.status_code for r in answers})
        assert all(r.json()["status"] == "granted" for r in granted)
        assert all(Decimal(r.json()["reserved_yuan"]) == AMOUNT for r in granted)
        for r in refused:
            assert r.status_code == 422, r.text
            (error,) = r.json()["detail"]
            assert error["rule"] == "fund_available", error
            # Every refusal came after the fund ran dry: nothing available, the whole amount short.
            assert "0.00 yuan available" in error["msg"] and "short by 100.00 yuan" in error["msg"], error

        fund = await svc.fund(district, "medical")
        assert fund["reserved_yuan"] == FUND and fund["available_yuan"] == 0 and fund["spent_yuan"] == 0
        entries = await _ledger(svc, district)
        assert [e["kind"] for e in entries] == ["allocate"] + ["reserve"] * 100
        _assert_unbroken_chain(entries)
        granted_ids = {r.json()["case_id"] for r in granted}
        assert {e["case_id"] for e in entries[1:]} == granted_ids  # one reservation per granted case

        # A refused approval changed nothing: those cases still wait at the branch, holding nothing.
        for case_id in set(case_ids) - granted_ids:
            r = await svc.client.get(f"/cases/{case_id}", headers=officer)
            case = r.json()
            assert (case["status"], case["current_level"], case["reserved_yuan"]) == (
                "pending",
                "branch",
                "0.00",
            )
            assert case["fund_check"]["shortage_yuan"] == "100.00"
        await svc.events.wait("AidGranted", 100, within=60, district=district)
        assert len(svc.events.of("AidGranted", district=district)) == 100
