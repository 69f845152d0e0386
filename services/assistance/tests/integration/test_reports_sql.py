"""The reports' SQL against real PostgreSQL, on rows dated on purpose: each figure counts in the
month (UTC) its event happened, the year's bounds are exact, money sums are exact yuan."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from assistance.adapters import reports
from assistance.adapters.orm import cases, fund_entries, rights_appeals
from assistance_testkit import new_district

SHANGHAI = timezone(timedelta(hours=8))


def _case(district: str, aid_type: str, requested_on: date, **row: Any) -> dict[str, Any]:
    return {
        "case_id": uuid.uuid4(),
        "member_id": uuid.uuid4(),
        "district": district,
        "branch_id": f"{district}-b1",
        "aid_type": aid_type,
        "origin": "application",
        "status": "pending",
        "budget_year": requested_on.year,
        "levels": ["branch"],
        "requested_on": requested_on,
        "version": 1,
        **row,
    }


def _spend(district: str, aid_type: str, cents: int, at: datetime, case_id: uuid.UUID) -> dict[str, Any]:
    return {
        "district": district,
        "year": at.year,
        "aid_type": aid_type,
        "kind": "spend",
        "amount_cents": cents,
        "case_id": case_id,
        "allocated_after_cents": 10**9,
        "reserved_after_cents": 0,
        "spent_after_cents": cents,
        "actor": "finance",
        "actor_role": "service",
        "at": at,
    }


def _appeal(
    case: dict[str, Any], employer: str, industry: str, workers: int, filed_on: date
) -> dict[str, Any]:
    return {
        "appeal_id": uuid.uuid4(),
        "case_id": case["case_id"],
        "district": case["district"],
        "branch_id": case["branch_id"],
        "member_id": case["member_id"],
        "filed_by": "member",
        "issue": "wage_arrears",
        "employer": employer,
        "industry": industry,
        "workers_affected": workers,
        "filed_on": filed_on,
    }


async def test_aid_report_counts_each_event_in_its_own_utc_month(assistance_service) -> None:
    d, other = new_district(), new_district()
    async with assistance_service([d]) as svc:
        granted = _case(
            d,
            "medical",
            date(2025, 1, 20),
            status="granted",
            approved_cents=123456,
            # 1 February in Shanghai, still 31 January in UTC: the report's month is UTC's.
            granted_at=datetime(2025, 2, 1, 0, 30, tzinfo=SHANGHAI),
        )
        across_years = _case(
            d,
            "medical",
            date(2024, 12, 30),
            status="disbursed",
            approved_cents=50001,
            granted_at=datetime(2025, 1, 2, 9, tzinfo=UTC),
        )
        rejected = _case(
            d, "medical", date(2025, 3, 3), status="rejected", closed_at=datetime(2025, 3, 4, tzinfo=UTC)
        )
        cancelled = _case(
            d, "medical", date(2025, 3, 5), status="cancelled", closed_at=datetime(2025, 3, 6, tzinfo=UTC)
        )
        service = _case(
            d, "legal", date(2025, 3, 7), status="in_service", granted_at=datetime(2025, 3, 8, tzinfo=UTC)
        )
        elsewhere = _case(other, "medical", date(2025, 1, 9))
        next_year = _case(d, "medical", date(2026, 1, 1))
        rows = [granted, across_years, rejected, cancelled, service, elsewhere, next_year]
        spends = [
            _spend(d, "medical", 50001, datetime(2025, 2, 10, tzinfo=UTC), across_years["case_id"]),
            _spend(d, "medical", 3, datetime(2025, 2, 11, tzinfo=UTC), granted["case_id"]),
            _spend(d, "medical", 7, datetime(2025, 12, 31, 23, 59, tzinfo=UTC), granted["case_id"]),
            _spend(d, "medical", 11, datetime(2026, 1, 1, tzinfo=UTC), granted["case_id"]),
        ]
        sessions = svc.app.state.runtime.session_factory
        async with sessions() as session, session.begin():
            for row in rows:  # one statement each: the rows set different columns
                await session.execute(sa.insert(cases).values(row))
            await session.execute(sa.insert(fund_entries), spends)

        async with sessions() as session:
            report = await reports.aid_report(session, 2025, d, None)
            legal_only = await reports.aid_report(session, 2025, d, "legal")
            everywhere = await reports.aid_report(session, 2025, None, None)

        as_tuples = [tuple(r) for r in report]
        z = Decimal("0.00")
        assert as_tuples == [
            (d, "legal", "2025-03", 1, 1, 0, z, z),
            (d, "medical", "2025-01", 1, 2, 0, Decimal("1734.57"), z),
            (d, "medical", "2025-02", 0, 0, 0, z, Decimal("500.04")),
            (d, "medical", "2025-03", 2, 0, 1, z, z),
            (d, "medical", "2025-12", 0, 0, 0, z, Decimal("0.07")),
        ]
        assert all(isinstance(v, Decimal) for r in report for v in r[-2:])
        assert [tuple(r) for r in legal_only] == [as_tuples[0]]
        assert {r.district for r in everywhere} == {d, other}


async def test_appeals_report_per_industry_employer_and_month_with_totals(assistance_service) -> None:
    d, other = new_district(), new_district()
    async with assistance_service([d]) as svc:
        case_rows, appeal_rows = [], []
        for district, employer, industry, workers, filed_on in [
            (d, "甲建筑", "construction", 12, date(2025, 4, 1)),
            (d, "甲建筑", "construction", 3, date(2025, 4, 30)),
            (d, "甲建筑", "construction", 1, date(2025, 5, 2)),
            (d, "乙建筑", "construction", 40, date(2025, 5, 9)),
            (d, "丙物流", "logistics", 2, date(2025, 12, 31)),
            (d, "丙物流", "logistics", 9, date(2026, 1, 1)),
            (other, "甲建筑", "construction", 100, date(2025, 4, 2)),
        ]:
            case = _case(district, "legal", filed_on, origin="rights_appeal")
            case_rows.append(case)
            appeal_rows.append(_appeal(case, employer, industry, workers, filed_on))
        sessions = svc.app.state.runtime.session_factory
        async with sessions() as session, session.begin():
            await session.execute(sa.insert(cases), case_rows)
            await session.execute(sa.insert(rights_appeals), appeal_rows)

        async with sessions() as session:
            rows = await reports.appeals_report(session, 2025, d)
            totals = await reports.appeals_by_industry(session, 2025, d)
            federation = await reports.appeals_by_industry(session, 2025, None)

        # Sorted by industry, employer, month; employers in the database's collation order.
        assert [r.industry for r in rows] == ["construction"] * 3 + ["logistics"]
        assert sorted(tuple(r) for r in rows) == sorted(
            [
                ("construction", "甲建筑", "2025-04", 2, 15),
                ("construction", "甲建筑", "2025-05", 1, 1),
                ("construction", "乙建筑", "2025-05", 1, 40),
                ("logistics", "丙物流", "2025-12", 1, 2),
            ]
        )
        assert [tuple(r) for r in totals] == [("construction", 4, 56, 2), ("logistics", 1, 2, 1)]
        assert [tuple(r) for r in federation] == [("construction", 5, 156, 2), ("logistics", 1, 2, 1)]
