"""Time to decision per level: the histogram observed at each decision, and the report's count,
mean, median and 90th percentile per level, within the caller's district."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from assistance_testkit import Assistance, new_district
from prometheus_client import REGISTRY

HOUR = 3600


def decisions_observed(level: str, decision: str) -> float:
    labels = {"level": level, "decision": decision}
    return REGISTRY.get_sample_value("unionfed_aid_decision_seconds_count", labels) or 0.0


async def open_case(svc: Assistance, district: str, branch: str, amount: str) -> str:
    member = await svc.member(district, branch)
    r = await svc.apply(member, "medical", amount, svc.branch_officer(district, branch))
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"])


async def set_waited(svc: Assistance, case_id: str, level: str, seconds: float) -> None:
    """Pin the wait of the case's decision at `level` (real waits in a test are milliseconds)."""
    query = sa.text(
        "UPDATE case_steps SET waited_seconds = :s WHERE case_id = CAST(:c AS uuid) AND level = :l "
        "AND decision IN ('approved', 'rejected', 'returned')"
    )
    async with svc.app.state.runtime.engine.begin() as conn:
        assert (await conn.execute(query, {"s": seconds, "c": case_id, "l": level})).rowcount == 1


async def report(svc: Assistance, headers: dict[str, str], **params: Any) -> Any:
    return await svc.client.get("/reports/decision-times", params=params, headers=headers)


def by_level(body: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {
        x["level"]: (x["decisions"], x["mean_hours"], x["median_hours"], x["p90_hours"])
        for x in body["levels"]
    }


async def test_decision_times_per_level_within_the_callers_district(assistance_service) -> None:
    district, other = new_district(), new_district()
    async with assistance_service([district, other]) as svc:
        branch, other_branch = await svc.feed.branch(district), await svc.feed.branch(other)
        for d in (district, other):
            await svc.allocate(d, "medical", "50000.00")
        before = decisions_observed("branch", "approved"), decisions_observed("district", "returned")

        # Three cases need branch then district: three branch approvals; at the district two
        # approvals and one return.
        case_ids = [await open_case(svc, district, branch, "3000.00") for _ in range(3)]
        for case_id, waited in zip(case_ids, (1 * HOUR, 2 * HOUR, 3 * HOUR), strict=True):
            assert (
                await svc.decide(case_id, "approve", svc.branch_officer(district, branch))
            ).status_code == 200
            await set_waited(svc, case_id, "branch", waited)
        officer = svc.district_officer(district)
        for case_id, decision, waited in zip(
            case_ids, ("approve", "approve", "return"), (1 * HOUR, 5 * HOUR, 3 * HOUR), strict=True
        ):
            r = await svc.decide(case_id, decision, officer, comment="请补充诊断证明")
            assert r.status_code == 200, r.text
            await set_waited(svc, case_id, "district", waited)
        # Another district's decision counts for the federation, not for this district.
        elsewhere = await open_case(svc, other, other_branch, "500.00")
        assert (
            await svc.decide(elsewhere, "approve", svc.branch_officer(other, other_branch))
        ).status_code == 200
        await set_waited(svc, elsewhere, "branch", 100 * HOUR)

        assert decisions_observed("branch", "approved") == before[0] + 4
        assert decisions_observed("district", "returned") == before[1] + 1
        metrics = (await svc.client.get("/metrics")).text
        assert 'unionfed_aid_decision_seconds_bucket{decision="approved",le="60.0",level="branch"}' in metrics

        r = await report(svc, officer)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["district"] == district and body["year"] == date.today().year
        levels = by_level(body)
        assert levels["branch"] == (3, 2.0, 2.0, 2.8)
        assert levels["district"][:3] == (3, 3.0, 3.0) and abs(levels["district"][3] - 4.6) < 1e-9
        assert levels["federation"] == (0, None, None, None)

        # A branch officer sees their district's figures; the federation all districts or one.
        assert by_level((await report(svc, svc.branch_officer(district, branch))).json()) == levels
        everywhere = by_level((await report(svc, svc.admin)).json())
        assert everywhere["branch"][0] >= 4
        assert by_level((await report(svc, svc.admin, district=other)).json())["branch"] == (
            1,
            100.0,
            100.0,
            100.0,
        )
        assert by_level((await report(svc, officer, year=2001)).json())["branch"] == (0, None, None, None)

        assert (await report(svc, officer, district=other)).status_code == 403
        bad = await report(svc, officer, year=1999)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "year"]
        assert (await report(svc, svc.token("operator"))).status_code == 200
