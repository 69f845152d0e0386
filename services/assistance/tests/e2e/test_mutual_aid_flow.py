"""The medical mutual-aid plan over the real database and broker: the federation sets the plan, a
branch enrols a member, claims reimburse the share within the yearly cap (exact, rounded down to
the cent) as ordinary mutual-aid cases that reach AidGranted and are paid through a batch."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from assistance_testkit import Assistance, new_district

YEAR = date.today().year


async def claim(svc: Assistance, member: Any, costs: str, headers: dict[str, str]) -> Any:
    body = {"member_id": str(member), "medical_costs_yuan": costs, "description": "住院费用"}
    return await svc.client.post("/mutual-aid/claims", json=body, headers=headers)


def refusal(r: Any) -> tuple[int, list[str], str | None]:
    detail = r.json()["detail"][0]
    return r.status_code, detail["loc"], detail.get("rule")


async def pay(svc: Assistance, district: str, case_id: str) -> None:
    officer = svc.district_officer(district)
    batch = await svc.client.post("/payment-batches", json={"district": district}, headers=officer)
    assert batch.status_code == 201, batch.text
    confirmed = await svc.client.post(
        f"/payment-batches/{batch.json()['batch_id']}/confirmations",
        json=[{"case_id": case_id, "outcome": "paid"}],
        headers=officer,
    )
    assert confirmed.status_code == 200, confirmed.text


async def test_claims_pay_the_share_within_the_yearly_cap(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        officer = svc.branch_officer(district, branch)
        member = await svc.member(district, branch)
        await svc.allocate(district, "mutual_aid", "20000.00")

        plan = {"share_percent": 70, "cap_yuan": "1000.00"}
        assert (
            await svc.client.put(f"/mutual-aid/plans/{YEAR}", json=plan, headers=officer)
        ).status_code == 403
        put = await svc.client.put(f"/mutual-aid/plans/{YEAR}", json=plan, headers=svc.admin)
        assert put.status_code == 200 and put.json() == {"year": YEAR, **plan}, put.text

        not_enrolled = await claim(svc, member, "1234.57", officer)
        assert refusal(not_enrolled) == (422, ["body", "member_id"], "mutual_aid_enrolled")
        cases = await svc.client.get(f"/cases?member_id={member}", headers=svc.admin)
        assert cases.json()["total"] == 0

        enrolment = {"member_id": str(member), "year": YEAR}
        first = await svc.client.post("/mutual-aid/enrolments", json=enrolment, headers=officer)
        again = await svc.client.post("/mutual-aid/enrolments", json=enrolment, headers=officer)
        assert first.status_code == 201 and again.status_code == 200, (first.text, again.text)
        assert first.json() == again.json() and first.json()["district"] == district

        # 1234.57 x 70 % = 864.199 -> 864.19 (rounded down), below the 1000.00 cap.
        claimed = await claim(svc, member, "1234.57", officer)
        assert claimed.status_code == 201, claimed.text
        body = claimed.json()
        assert body["reimbursement_yuan"] == "864.19" and body["committed_before_yuan"] == "0.00"
        case = body["case"]
        assert (case["aid_type"], case["origin"], case["requested_yuan"]) == (
            "mutual_aid",
            "mutual_aid_claim",
            "864.19",
        )

        approved = await svc.decide(case["case_id"], "approve", officer)
        assert approved.status_code == 200 and approved.json()["status"] == "granted", approved.text
        (granted,) = await svc.events.wait("AidGranted", case_id=case["case_id"])
        assert granted.data["amount_yuan"] == "864.19"
        assert granted.data["fund"] == f"{district}:{YEAR}:mutual_aid"
        await pay(svc, district, case["case_id"])
        await svc.events.wait("AidDisbursed", case_id=case["case_id"])

        # The cap leaves 135.81: a claim whose share (700.00) is more gets exactly that.
        capped = await claim(svc, member, "1000.00", officer)
        assert capped.status_code == 201, capped.text
        assert capped.json()["reimbursement_yuan"] == "135.81"
        assert capped.json()["committed_before_yuan"] == "864.19"

        used_up = await claim(svc, member, "10.00", officer)
        assert refusal(used_up) == (422, ["body", "medical_costs_yuan"], "yearly_cap")
        fund = await svc.fund(district, "mutual_aid")
        assert fund["spent_yuan"] == Decimal("864.19") and fund["reserved_yuan"] == 0


async def test_bad_plan_enrolment_and_claim_inputs_are_refused_and_change_nothing(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:
        branch, other_branch = await svc.feed.branch(district), await svc.feed.branch(district)
        officer = svc.branch_officer(district, branch)
        member = await svc.member(district, branch)
        leaver = await svc.member(district, branch)
        await svc.feed.leave(district, branch, leaver)
        await svc.wait_member(leaver, "left")

        for plan, field in [
            ({"share_percent": 0, "cap_yuan": "100.00"}, "share_percent"),
            ({"share_percent": 101, "cap_yuan": "100.00"}, "share_percent"),
            ({"share_percent": 50, "cap_yuan": "0"}, "cap_yuan"),
            ({"share_percent": 50, "cap_yuan": "1.001"}, "cap_yuan"),
        ]:
            r = await svc.client.put(f"/mutual-aid/plans/{YEAR}", json=plan, headers=svc.admin)
            assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == field, r.text
        assert (await svc.client.get(f"/mutual-aid/plans/{YEAR}", headers=svc.admin)).status_code == 404

        plan = {"share_percent": 50, "cap_yuan": "500.00"}
        assert (
            await svc.client.put(f"/mutual-aid/plans/{YEAR}", json=plan, headers=svc.admin)
        ).status_code == 200

        def enrol(who: Any, year: int, headers: dict[str, str]) -> Any:
            return svc.client.post(
                "/mutual-aid/enrolments", json={"member_id": str(who), "year": year}, headers=headers
            )

        assert refusal(await enrol(member, YEAR + 1, officer))[:2] == (422, ["body", "year"])
        assert refusal(await enrol(leaver, YEAR, officer)) == (422, ["body", "member_id"], "member_active")
        unknown = "018f0000-0000-7000-8000-00000000000b"
        assert refusal(await enrol(unknown, YEAR, officer))[:2] == (422, ["body", "member_id"])
        assert (await enrol(member, YEAR, svc.branch_officer(district, other_branch))).status_code == 403
        assert (await enrol(member, YEAR, officer)).status_code == 201

        for costs in ("0", "-5.00", "1.234", "abc"):
            r = await claim(svc, member, costs, officer)
            assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "medical_costs_yuan", r.text
        too_small = await claim(svc, member, "0.01", officer)  # 50 % of a cent
        assert refusal(too_small)[:2] == (422, ["body", "medical_costs_yuan"])
        assert (
            await claim(svc, member, "100.00", svc.branch_officer(district, other_branch))
        ).status_code == 403
        cases = await svc.client.get(f"/cases?member_id={member}", headers=svc.admin)
        assert cases.json()["total"] == 0
