"""Rights appeals over the real broker and database: an appeal opens a legal-aid or mediation case
that goes through the usual approval, `RightsAppealFiled` goes out with it, officers read appeals
in their scope, and bad or out-of-scope input changes nothing."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from assistance_testkit import Assistance, new_district


def _appeal(member: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "member_id": str(member),
        "filed_by": "member",
        "issue": "wage_arrears",
        "employer": "上海某某建筑有限公司",
        "workers_affected": 1,
        "description": "三个月工资未发",
        "kind": "legal",
    }
    return {**body, **overrides}


async def _file(svc: Assistance, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return await svc.client.post("/rights-appeals", json=body, headers=headers)


async def _counts(svc: Assistance, district: str) -> tuple[int, int]:
    appeals = await svc.client.get(f"/rights-appeals?district={district}", headers=svc.admin)
    cases = await svc.client.get(f"/cases?district={district}", headers=svc.admin)
    assert appeals.status_code == 200 and cases.status_code == 200
    return appeals.json()["total"], cases.json()["total"]


async def test_worker_appeal_opens_a_legal_case_with_the_usual_approval(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district, industry="construction")
        worker = await svc.member(district, branch, industry="construction")
        officer = svc.branch_officer(district, branch)

        filed = await _file(svc, _appeal(worker, employer="  上海某某建筑  有限公司 "), officer)
        assert filed.status_code == 201, filed.text
        appeal = filed.json()
        assert appeal["kind"] == "legal" and appeal["case_status"] == "pending"
        assert appeal["case_current_level"] == "branch"
        assert appeal["employer"] == "上海某某建筑 有限公司"  # spaces collapsed: one employer in reports
        assert appeal["industry"] == "construction"  # the member's, from the view
        assert appeal["filed_on"] == date.today().isoformat()

        case = (await svc.client.get(f"/cases/{appeal['case_id']}", headers=officer)).json()
        assert case["origin"] == "rights_appeal" and case["aid_type"] == "legal"
        assert case["description"] == "三个月工资未发"
        assert [s["decision"] for s in case["trail"]] == ["requested"]

        (event,) = await svc.events.wait("RightsAppealFiled", case_id=appeal["case_id"])
        assert event.key == appeal["case_id"].encode()
        assert event.topic == f"unionfed.d.{district}.assistance.events"
        assert event.data["appeal_id"] == appeal["appeal_id"]
        assert event.data["member_id"] == str(worker)
        assert (event.data["issue"], event.data["workers_affected"]) == ("wage_arrears", 1)
        await svc.events.wait("AidRequested", case_id=appeal["case_id"])

        approved = await svc.decide(appeal["case_id"], "approve", officer, comment="受理")
        assert approved.status_code == 200, approved.text
        seen = await svc.client.get(f"/rights-appeals/{appeal['appeal_id']}", headers=officer)
        assert seen.status_code == 200
        assert seen.json()["case_status"] == "in_service" and seen.json()["case_current_level"] is None
        await svc.events.wait("AidGranted", case_id=appeal["case_id"])

        # Same workflow, same rules: a second legal case while one is open is refused by name.
        again = await _file(svc, _appeal(worker), officer)
        assert again.status_code == 422
        assert again.json()["detail"][0]["rule"] == "one_open_case"
        assert await _counts(svc, district) == (1, 1)


async def test_branch_appeal_for_many_workers_opens_mediation(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        lead = await svc.member(district, branch)
        body = _appeal(
            lead,
            filed_by="branch",
            issue="social_insurance",
            industry="物流",
            workers_affected=37,
            kind="mediation",
        )
        filed = await _file(svc, body, svc.district_officer(district))
        assert filed.status_code == 201, filed.text
        appeal = filed.json()
        assert (appeal["kind"], appeal["filed_by"], appeal["industry"]) == ("mediation", "branch", "物流")
        assert appeal["member_id"] == str(lead)

        (event,) = await svc.events.wait("RightsAppealFiled", case_id=appeal["case_id"])
        assert event.data["member_id"] is None  # a branch's appeal: the contract names no worker
        assert event.data["branch_id"] == branch and event.data["workers_affected"] == 37
        (requested,) = await svc.events.wait("AidRequested", case_id=appeal["case_id"])
        assert requested.data["aid_type"] == "mediation" and requested.data["member_id"] == str(lead)


async def test_bad_or_out_of_scope_appeals_change_nothing(assistance_service) -> None:
    district, other = new_district(), new_district()
    async with assistance_service([district, other]) as svc:
        branch = await svc.feed.branch(district)
        neighbour = await svc.feed.branch(district)
        worker = await svc.member(district, branch)
        officer = svc.branch_officer(district, branch)

        for field, value in [
            ("workers_affected", 0),
            ("employer", "   "),
            ("employer", "x" * 201),
            ("kind", "living"),
            ("filed_by", "employer"),
            ("issue", "bad_weather"),
            ("description", ""),
            ("member_id", "not-a-uuid"),
            ("industry", "a\nb"),
        ]:
            r = await _file(svc, _appeal(worker, **{field: value}), officer)
            assert r.status_code == 422, (field, r.text)
            assert r.json()["detail"][0]["loc"][-1] == field, (field, r.text)

        unknown = await _file(svc, _appeal(uuid.uuid4()), officer)
        assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"][-1] == "member_id"

        for headers in (svc.branch_officer(district, neighbour), svc.district_officer(other)):
            assert (await _file(svc, _appeal(worker), headers)).status_code == 403
        operator = svc.token("operator", subject="ops")
        assert (await _file(svc, _appeal(worker), operator)).status_code == 403
        assert (await svc.client.post("/rights-appeals", json=_appeal(worker))).status_code == 401

        assert await _counts(svc, district) == (0, 0)
        assert svc.events.of("RightsAppealFiled") == [] and svc.events.of("AidRequested") == []


async def test_appeals_are_listed_in_scope_and_filtered(assistance_service) -> None:
    district, other = new_district(), new_district()
    async with assistance_service([district, other]) as svc:
        branch = await svc.feed.branch(district)
        neighbour = await svc.feed.branch(district)
        far = await svc.feed.branch(other)
        filed = {}
        for label, (d, b, body) in {
            "arrears": (district, branch, {"issue": "wage_arrears", "employer": "甲公司"}),
            "dismissal": (district, neighbour, {"issue": "unlawful_dismissal", "employer": "乙公司"}),
            "far": (other, far, {"issue": "wage_arrears", "employer": "甲公司", "industry": "零售"}),
        }.items():
            member = await svc.member(d, b)
            r = await _file(svc, _appeal(member, **body), svc.admin)
            assert r.status_code == 201, r.text
            filed[label] = r.json()["appeal_id"]

        async def ids(query: str, headers: dict[str, str]) -> set[str]:
            r = await svc.client.get(f"/rights-appeals{query}", headers=headers)
            assert r.status_code == 200, r.text
            return {a["appeal_id"] for a in r.json()["items"]}

        assert await ids("", svc.admin) == set(filed.values())
        assert await ids("", svc.district_officer(district)) == {filed["arrears"], filed["dismissal"]}
        assert await ids("", svc.branch_officer(district, branch)) == {filed["arrears"]}
        assert await ids("?issue=wage_arrears", svc.admin) == {filed["arrears"], filed["far"]}
        assert await ids("?employer=甲", svc.admin) == {filed["arrears"], filed["far"]}
        assert await ids("?industry=零售", svc.admin) == {filed["far"]}
        this_month = date.today().strftime("%Y-%m")
        assert await ids(f"?month={this_month}", svc.admin) == set(filed.values())
        assert await ids("?month=2001-01", svc.admin) == set()

        far_detail = f"/rights-appeals/{filed['far']}"
        assert (await svc.client.get(far_detail, headers=svc.district_officer(district))).status_code == 403
        assert (await svc.client.get(f"/rights-appeals/{uuid.uuid4()}", headers=svc.admin)).status_code == 404
        denied = await svc.client.get(
            f"/rights-appeals?district={other}", headers=svc.district_officer(district)
        )
        assert denied.status_code == 403
        bad = await svc.client.get("/rights-appeals?month=2026-13", headers=svc.admin)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "month"
