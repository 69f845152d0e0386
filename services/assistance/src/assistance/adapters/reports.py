"""Reports, aggregated by PostgreSQL: aid per district, type and month; appeals per industry,
employer and month. Money leaves SQL as exact yuan (`queries.yuan`, numeric with 2 decimals).

Each figure counts in the month its event happened (UTC): a case requested in one month and
granted in the next is requested in the first and granted in the second. Disbursed amounts are
the funds' `spend` ledger entries, the ledger being what an auditor reconciles against.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from assistance.adapters.orm import cases, fund_entries, rights_appeals
from assistance.adapters.queries import yuan

_c, _e, _a = cases.c, fund_entries.c, rights_appeals.c
# SQL literals, not bind parameters: GROUP BY must see the same expression as the SELECT list,
# and a union's untyped parameters would not resolve to numbers.
_ZERO: Any = sa.literal_column("0")
_ONE: Any = sa.literal_column("1")


def _month(column: Any) -> Any:
    """YYYY-MM of a date, or of a timestamp in UTC (whatever the session's time zone)."""
    if isinstance(column.type, sa.DateTime):
        column = column.op("AT TIME ZONE")(sa.literal_column("'UTC'"))
    return sa.func.to_char(column, sa.literal_column("'YYYY-MM'"))


def _in_year(column: Any, year: int) -> Any:
    if isinstance(column.type, sa.DateTime):
        return sa.and_(
            column >= datetime(year, 1, 1, tzinfo=UTC), column < datetime(year + 1, 1, 1, tzinfo=UTC)
        )
    return sa.and_(column >= date(year, 1, 1), column < date(year + 1, 1, 1))


def _activity(
    table: sa.Table,
    when: Any,
    year: int,
    district: str | None,
    aid_type: str | None,
    **figures: Any,
) -> sa.Select[Any]:
    """One source of the aid report: (district, aid_type, month, requested, granted, rejected,
    granted cents, disbursed cents) for each row of `table` whose `when` falls in the year;
    `figures` are the non-zero columns."""
    names = ("requested", "granted", "rejected", "granted_cents", "disbursed_cents")
    query = sa.select(
        table.c.district,
        table.c.aid_type,
        _month(when).label("month"),
        *(figures.get(name, _ZERO).label(name) for name in names),
    ).where(_in_year(when, year))
    if district is not None:
        query = query.where(table.c.district == district)
    if aid_type is not None:
        query = query.where(table.c.aid_type == aid_type)
    return query


async def aid_report(
    session: AsyncSession, year: int, district: str | None, aid_type: str | None
) -> list[Any]:
    """Rows per district, aid type and month: cases requested, granted, rejected; yuan granted
    and disbursed."""
    scope = (year, district, aid_type)
    activity = sa.union_all(
        _activity(cases, _c.requested_on, *scope, requested=_ONE),
        _activity(
            cases, _c.granted_at, *scope, granted=_ONE, granted_cents=sa.func.coalesce(_c.approved_cents, 0)
        ),
        _activity(cases, _c.closed_at, *scope, rejected=_ONE).where(_c.status == "rejected"),
        _activity(fund_entries, _e.at, *scope, disbursed_cents=_e.amount_cents).where(_e.kind == "spend"),
    ).subquery("activity")
    a = activity.c
    query = (
        sa.select(
            a.district,
            a.aid_type,
            a.month,
            sa.func.sum(a.requested).label("requested"),
            sa.func.sum(a.granted).label("granted"),
            sa.func.sum(a.rejected).label("rejected"),
            yuan(sa.func.sum(a.granted_cents), "granted_yuan"),
            yuan(sa.func.sum(a.disbursed_cents), "disbursed_yuan"),
        )
        .group_by(a.district, a.aid_type, a.month)
        .order_by(a.district, a.aid_type, a.month)
    )
    return list((await session.execute(query)).all())


def _appeals_in(year: int, district: str | None) -> list[Any]:
    conditions = [_in_year(_a.filed_on, year)]
    if district is not None:
        conditions.append(_a.district == district)
    return conditions


async def appeals_report(session: AsyncSession, year: int, district: str | None) -> list[Any]:
    """Rows per industry, employer and month: appeals filed and workers they concern."""
    month = _month(_a.filed_on).label("month")
    query = (
        sa.select(
            _a.industry,
            _a.employer,
            month,
            sa.func.count().label("appeals"),
            sa.func.sum(_a.workers_affected).label("workers_affected"),
        )
        .where(*_appeals_in(year, district))
        .group_by(_a.industry, _a.employer, month)
        .order_by(_a.industry, _a.employer, month)
    )
    return list((await session.execute(query)).all())


async def appeals_by_industry(session: AsyncSession, year: int, district: str | None) -> list[Any]:
    """Totals per industry: appeals, workers they concern, distinct employers."""
    query = (
        sa.select(
            _a.industry,
            sa.func.count().label("appeals"),
            sa.func.sum(_a.workers_affected).label("workers_affected"),
            sa.func.count(sa.distinct(_a.employer)).label("employers"),
        )
        .where(*_appeals_in(year, district))
        .group_by(_a.industry)
        .order_by(_a.industry)
    )
    return list((await session.execute(query)).all())
