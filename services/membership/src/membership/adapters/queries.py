"""Read side: lists, history and coverage statistics, straight from the tables (no domain needed).

Every function takes the already-scoped filters; the routes decide what a principal may see.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from membership.adapters.orm import applications, branches, districts, member_history, members

ACTIVE = ("pending", "active")


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int


async def _page(session: AsyncSession, query: sa.Select[Any], order: Any, page: int, size: int) -> Page:
    total = (await session.execute(sa.select(sa.func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(query.order_by(*order).limit(size).offset((page - 1) * size))
    return Page(list(rows), int(total))


def _where(table: sa.Table, **filters: Any) -> list[sa.ColumnElement[bool]]:
    return [table.c[k] == v for k, v in filters.items() if v is not None]


async def list_districts(session: AsyncSession, code: str | None) -> list[Any]:
    query = sa.select(districts).where(*_where(districts, code=code)).order_by(districts.c.code)
    return list(await session.execute(query))


async def list_branches(session: AsyncSession, page: int, size: int, **filters: Any) -> Page:
    q = filters.pop("q", None)
    query = sa.select(branches).where(*_where(branches, **filters))
    if q:
        query = query.where(branches.c.name.contains(q, autoescape=True))
    return await _page(session, query, [branches.c.district, branches.c.branch_id], page, size)


async def get_branch(session: AsyncSession, branch_id: str) -> Any | None:
    return (await session.execute(sa.select(branches).where(branches.c.branch_id == branch_id))).first()


MEMBER_COLUMNS = [c for c in members.c if not c.name.endswith(("_enc", "_hash"))]


# The member reads are the hot ones: their statements are built once, with bound parameters,
# so a request neither rebuilds the statement nor recomputes its cache key (a tenth of a lookup).
_MEMBER_BY_ID = sa.select(*MEMBER_COLUMNS).where(members.c.member_id == sa.bindparam("member_id"))


@functools.lru_cache(maxsize=64)
def _member_page_statements(filters: tuple[str, ...]) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """(count, page) for one combination of filters, every value and the window bound later."""
    query = sa.select(*MEMBER_COLUMNS)
    for name in filters:
        if name == "q":  # bound as a LIKE pattern: _name_pattern
            query = query.where(members.c.name.like(sa.bindparam("q"), escape="/"))
        else:
            query = query.where(members.c[name] == sa.bindparam(name))
    count = sa.select(sa.func.count()).select_from(query.subquery())
    page = query.order_by(members.c.card_number).limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
    return count, page


def _name_pattern(part: str) -> str:
    """A LIKE pattern matching names that contain `part` literally (what `contains(autoescape=True)` makes)."""
    return "%" + part.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


async def list_members(session: AsyncSession, page: int, size: int, **filters: Any) -> Page:
    given = {name: value for name, value in filters.items() if value is not None}
    for optional in ("q", "card_number"):  # an empty search filters nothing
        if not given.get(optional, True):
            del given[optional]
    if "q" in given:
        given["q"] = _name_pattern(given["q"])
    count, rows = _member_page_statements(tuple(sorted(given)))
    total = (await session.execute(count, given)).scalar_one()
    window = {**given, "limit": size, "offset": (page - 1) * size}
    return Page(list(await session.execute(rows, window)), int(total))


async def get_member(session: AsyncSession, member_id: UUID) -> Any | None:
    return (await session.execute(_MEMBER_BY_ID, {"member_id": member_id})).first()


async def member_history_of(session: AsyncSession, member_id: UUID) -> list[Any]:
    query = (
        sa.select(member_history).where(member_history.c.member_id == member_id).order_by(member_history.c.id)
    )
    return list(await session.execute(query))


async def list_applications(session: AsyncSession, page: int, size: int, **filters: Any) -> Page:
    cols = [c for c in applications.c if not c.name.endswith(("_enc", "_hash"))]
    query = sa.select(*cols).where(*_where(applications, **filters))
    return await _page(session, query, [applications.c.created_at], page, size)


async def get_application(session: AsyncSession, application_id: UUID) -> Any | None:
    cols = [c for c in applications.c if not c.name.endswith(("_enc", "_hash"))]
    query = sa.select(*cols).where(applications.c.application_id == application_id)
    return (await session.execute(query)).first()


async def coverage(
    session: AsyncSession, district: str | None, branch_id: str | None, branch_limit: int
) -> dict[str, Any]:
    """Active members per district, branch, industry and employment type, and the migrant share."""
    scope = [members.c.status == "active", *_where(members, district=district, branch_id=branch_id)]
    count = sa.func.count().label("members")

    async def grouped(*cols: Any, order: Any = None, limit: int | None = None) -> list[Any]:
        query = sa.select(*cols, count).where(*scope).group_by(*cols)
        query = query.order_by(order if order is not None else sa.desc(count), *cols).limit(limit)
        return list(await session.execute(query))

    by_district = list(
        await session.execute(
            sa.select(members.c.district, districts.c.name, count)
            .select_from(members.outerjoin(districts, members.c.district == districts.c.code))
            .where(*scope)
            .group_by(members.c.district, districts.c.name)
            .order_by(members.c.district)
        )
    )
    by_industry = await grouped(members.c.industry)
    by_type = await grouped(members.c.employment_type)
    branch_rows = await session.execute(
        sa.select(
            branches.c.branch_id,
            branches.c.name,
            branches.c.district,
            branches.c.industry,
            branches.c.kind,
            count,
        )
        .select_from(members.join(branches, members.c.branch_id == branches.c.branch_id))
        .where(*scope)
        .group_by(branches.c.branch_id)
        .order_by(sa.desc(count), branches.c.branch_id)
        .limit(branch_limit)
    )
    branch_counts = await session.execute(
        sa.select(branches.c.district, sa.func.count().label("branches"))
        .where(branches.c.status == "active", *_where(branches, district=district, branch_id=branch_id))
        .group_by(branches.c.district)
    )
    total = sum(r.members for r in by_district)
    migrants = sum(r.members for r in by_type if r.employment_type == "migrant")
    return {
        "total_members": total,
        "migrant_members": migrants,
        "migrant_share": round(migrants / total, 4) if total else 0.0,
        "by_district": by_district,
        "branches_per_district": {r.district: r.branches for r in branch_counts},
        "by_branch": list(branch_rows),
        "by_industry": by_industry,
        "by_employment_type": by_type,
    }


async def monthly(
    session: AsyncSession, since: date, district: str | None, branch_id: str | None
) -> list[Any]:
    """Joins and leaves per calendar month from `since` (by the date they took effect)."""
    month = sa.func.to_char(member_history.c.on_date, "YYYY-MM").label("month")
    query = (
        sa.select(
            month,
            sa.func.count().filter(member_history.c.kind == "joined").label("joins"),
            sa.func.count().filter(member_history.c.kind == "left").label("leaves"),
        )
        .where(
            member_history.c.on_date >= since,
            member_history.c.kind.in_(("joined", "left")),
            *_where(member_history, district=district, branch_id=branch_id),
        )
        .group_by(month)
        .order_by(month)
    )
    return list(await session.execute(query))
