"""Read side of the HTTP API: lists and balances straight from the tables (no domain objects).
Cents become exact yuan in SQL (numeric, 2 decimals), so no float ever carries money."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from assistance.adapters.orm import cases, fund_entries, funds


@dataclass
class Page:
    items: list[Any]
    total: int


def yuan(column: Any, label: str) -> Any:
    return sa.cast(sa.cast(column, sa.Numeric) / 100, sa.Numeric(16, 2)).label(label)


async def page_of(session: AsyncSession, query: sa.Select[Any], order: Any, page: int, size: int) -> Page:
    total = (await session.execute(sa.select(sa.func.count()).select_from(query.subquery()))).scalar_one()
    rows = (await session.execute(query.order_by(*order).limit(size).offset((page - 1) * size))).all()
    return Page(list(rows), total)


def _where(query: sa.Select[Any], table: sa.Table, **filters: Any) -> sa.Select[Any]:
    for name, value in filters.items():
        if value is not None:
            query = query.where(table.c[name] == value)
    return query


CASE_COLUMNS = [
    *(c for c in cases.c if not c.name.endswith("_cents")),
    yuan(cases.c.requested_cents, "requested_yuan"),
    yuan(cases.c.approved_cents, "approved_yuan"),
    yuan(cases.c.reserved_cents, "reserved_yuan"),
]


async def list_cases(
    session: AsyncSession,
    page: int,
    size: int,
    *,
    flagged: bool | None = None,
    escalated: bool | None = None,
    **filters: Any,
) -> Page:
    query = _where(sa.select(*CASE_COLUMNS), cases, **filters)
    if flagged is not None:
        query = query.where(cases.c.flag.isnot(None) if flagged else cases.c.flag.is_(None))
    if escalated is not None:
        query = query.where(cases.c.escalated_at.isnot(None) if escalated else cases.c.escalated_at.is_(None))
    return await page_of(
        session, query, [cases.c.waiting_since.asc().nulls_last(), cases.c.case_id], page, size
    )


FUND_COLUMNS = [
    funds.c.district,
    funds.c.year,
    funds.c.aid_type,
    yuan(funds.c.allocated_cents, "allocated_yuan"),
    yuan(funds.c.reserved_cents, "reserved_yuan"),
    yuan(funds.c.spent_cents, "spent_yuan"),
    yuan(funds.c.allocated_cents - funds.c.reserved_cents - funds.c.spent_cents, "available_yuan"),
]


async def list_funds(session: AsyncSession, page: int, size: int, **filters: Any) -> Page:
    query = _where(sa.select(*FUND_COLUMNS), funds, **filters)
    return await page_of(session, query, [funds.c.district, funds.c.year, funds.c.aid_type], page, size)


async def get_fund(session: AsyncSession, district: str, year: int, aid_type: str) -> Any:
    query = sa.select(*FUND_COLUMNS).where(
        funds.c.district == district, funds.c.year == year, funds.c.aid_type == aid_type
    )
    return (await session.execute(query)).one_or_none()


async def fund_ledger(
    session: AsyncSession, district: str, year: int, aid_type: str, page: int, size: int
) -> Page:
    e = fund_entries.c
    query = sa.select(
        e.entry_id,
        e.kind,
        yuan(e.amount_cents, "amount_yuan"),
        e.case_id,
        yuan(e.allocated_after_cents, "allocated_after_yuan"),
        yuan(e.reserved_after_cents, "reserved_after_yuan"),
        yuan(e.spent_after_cents, "spent_after_yuan"),
        yuan(e.allocated_after_cents - e.reserved_after_cents - e.spent_after_cents, "available_after_yuan"),
        e.actor,
        e.actor_role,
        e.at,
    ).where(e.district == district, e.year == year, e.aid_type == aid_type)
    return await page_of(session, query, [e.entry_id], page, size)
