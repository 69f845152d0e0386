"""The aid and appeals reports over HTTP after real cases and appeals: exact yuan, the caller's
district only (federation and operator see all), CSV with a header row, bad input a 422."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from assistance.adapters import funds
from assistance.domain.case import Actor
from assistance_testkit import Assistance, new_district
from unionfed_events.assistance import AidType

MONTH = date.today().strftime("%Y-%m")
YEAR = date.today().year


async def _granted_case(svc: Assistance, district: str, branch: str, amount: str) -> str:
    member = await svc.member(district, branch)
    officer = svc.branch_officer(district, branch)
    applied = await svc.apply(member, "medical", amount, officer)
    assert applied.status_code == 201, applied.text
    case_id = str(applied.json()["case_id"])
    approved = await svc.decide(case_id, "approve", officer)
    assert approved.status_code == 200 and approved.json()["status"] == "granted", approved.text
    return case_id


async def _pay(svc: Assistance, district: str, case_id: str, cents: int) -> None:
    """Finance's confirmation of a payment, as the ledger records it (a spend entry)."""
    async with svc.app.state.runtime.session_factory() as session, session.begin():
        key = funds.FundKey(district, YEAR, AidType.MEDICAL)
        await funds.spend(session, key, uuid.UUID(case_id), cents, Actor("finance", "service"))


async def _appeal(svc: Assistance, district: str, branch: str, employer: str, workers: int) -> None:
    member = await svc.member(district, branch, industry="construction")
    body = {
        "member_id": str(member),
        "filed_by": "branch",
        "issue": "wage_arrears",
        "employer": employer,
        "workers_affected": workers,
        "description": "欠薪",
        "kind": "mediation",
    }
    r = await svc.client.post("/rights-appeals", json=body, headers=svc.district_officer(district))
    assert r.status_code == 201, r.text


def _csv(r: Any) -> list[dict[str, str]]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


async def test_aid_report_per_district_type_and_month(assistance_service) -> None:
    district, other = new_district(), new_district()
    async with assistance_service([district, other]) as svc:
        branch = await svc.feed.branch(district)
        far = await svc.feed.branch(other)
        for d in (district, other):
            await svc.allocate(d, "medical", "10000.00")
        paid = await _granted_case(svc, district, branch, "1500.25")
        await _granted_case(svc, district, branch, "0.10")
        await _pay(svc, district, paid, 100_025)
        member = await svc.member(district, branch)
        officer = svc.branch_officer(district, branch)
        to_reject = (await svc.apply(member, "medical", "99.99", officer)).json()["case_id"]
        assert (await svc.decide(to_reject, "reject", officer, comment="材料不全")).status_code == 200
        await _granted_case(svc, other, far, "42.00")

        mine = await svc.client.get(f"/reports/aid?year={YEAR}", headers=svc.district_officer(district))
        assert mine.status_code == 200, mine.text
        assert mine.json() == {
            "year": YEAR,
            "district": district,
            "aid_type": None,
            "rows": [
                {
                    "district": district,
                    "aid_type": "medical",
                    "month": MONTH,
                    "requested": 3,
                    "granted": 2,
                    "rejected": 1,
                    "granted_yuan": "1500.35",
                    "disbursed_yuan": "1000.25",
                }
            ],
        }
        branch_view = await svc.client.get("/reports/aid", headers=officer)
        assert branch_view.json()["rows"] == mine.json()["rows"]  # a branch officer sees their district
        for who in (svc.admin, svc.token("operator", subject="ops")):
            everyone = (await svc.client.get("/reports/aid", headers=who)).json()["rows"]
            assert {r["district"] for r in everyone} == {district, other}
        legal = await svc.client.get("/reports/aid?aid_type=legal", headers=svc.admin)
        assert legal.json()["rows"] == []

        rows = _csv(await svc.client.get(f"/reports/aid?district={district}&format=csv", headers=svc.admin))
        assert rows == [{k: str(v) for k, v in mine.json()["rows"][0].items()}]

        denied = await svc.client.get(
            f"/reports/aid?district={other}", headers=svc.district_officer(district)
        )
        assert denied.status_code == 403
        for query, field in [
            ("year=1999", "year"),
            ("year=twenty", "year"),
            ("aid_type=cash", "aid_type"),
            ("format=xlsx", "format"),
            ("district=Bad_Code", "district"),
        ]:
            r = await svc.client.get(f"/reports/aid?{query}", headers=svc.admin)
            assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == field, (query, r.text)
        assert (await svc.client.get("/reports/aid")).status_code == 401
        fund = await svc.fund(district, "medical")
        assert fund["spent_yuan"] == Decimal("1000.25")


async def test_appeals_report_per_industry_employer_and_month(assistance_service) -> None:
    district, other = new_district(), new_district()
    async with assistance_service([district, other]) as svc:
        branch = await svc.feed.branch(district, industry="construction")
        far = await svc.feed.branch(other, industry="construction")
        await _appeal(svc, district, branch, "甲建筑公司", 12)
        await _appeal(svc, district, branch, "甲建筑公司", 3)
        await _appeal(svc, district, branch, "=HYPERLINK(1)", 1)
        await _appeal(svc, other, far, "甲建筑公司", 100)

        r = await svc.client.get(f"/reports/appeals?year={YEAR}", headers=svc.district_officer(district))
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["district"] == district
        assert sorted(
            (x["employer"], x["month"], x["appeals"], x["workers_affected"]) for x in report["rows"]
        ) == [
            ("=HYPERLINK(1)", MONTH, 1, 1),
            ("甲建筑公司", MONTH, 2, 15),
        ]
        assert report["industries"] == [
            {"industry": "construction", "appeals": 3, "workers_affected": 16, "employers": 2}
        ]
        federation = (await svc.client.get("/reports/appeals", headers=svc.admin)).json()
        assert federation["industries"][0]["workers_affected"] == 116

        rows = _csv(
            await svc.client.get("/reports/appeals?format=csv", headers=svc.branch_officer(district, branch))
        )
        assert list(rows[0]) == ["row", "industry", "employer", "month", "appeals", "workers_affected"]
        details = sorted((x["employer"], x["appeals"]) for x in rows if x["row"] == "detail")
        # A name that would run as a spreadsheet formula is written as text.
        assert details == [("'=HYPERLINK(1)", "1"), ("甲建筑公司", "2")]
        assert [x for x in rows if x["row"] == "industry_total"] == [
            {
                "row": "industry_total",
                "industry": "construction",
                "employer": "",
                "month": "",
                "appeals": "3",
                "workers_affected": "16",
            }
        ]
        denied = await svc.client.get(
            f"/reports/appeals?district={other}", headers=svc.district_officer(district)
        )
        assert denied.status_code == 403
        bad = await svc.client.get("/reports/appeals?year=2101", headers=svc.admin)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "year"
        assert (await svc.client.get("/reports/appeals?year=2001", headers=svc.admin)).json()["rows"] == []
