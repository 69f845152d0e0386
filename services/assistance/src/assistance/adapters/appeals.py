"""Rights appeals: the appeal rows, and reading them with the status of the case each opened."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from assistance.adapters.orm import cases, rights_appeals
from assistance.adapters.queries import Page, page_of

_a = rights_appeals.c

APPEAL_COLUMNS = [
    *(c for c in rights_appeals.c if c.name != "updated_at"),
    cases.c.aid_type.label("kind"),
    cases.c.status.label("case_status"),
    cases.c.current_level.label("case_current_level"),
    cases.c.outcome.label("case_outcome"),
]

_WITH_CASE = rights_appeals.join(cases, cases.c.case_id == _a.case_id)


async def add(session: AsyncSession, row: dict[str, Any]) -> None:
    await session.execute(sa.insert(rights_appeals).values(row))


def month_range(month: str) -> tuple[date, date]:
    """First day of `YYYY-MM` and of the month after (the API has checked the format)."""
    year, number = int(month[:4]), int(month[5:])
    start = date(year, number, 1)
    return start, date(year + number // 12, number % 12 + 1, 1)


async def list_appeals(
    session: AsyncSession,
    page: int,
    size: int,
    *,
    district: str | None,
    branch_id: str | None,
    issue: str | None = None,
    employer: str | None = None,
    industry: str | None = None,
    month: str | None = None,
) -> Page:
    query = sa.select(*APPEAL_COLUMNS).select_from(_WITH_CASE)
    for column, value in ((_a.district, district), (_a.branch_id, branch_id), (_a.issue, issue)):
        if value is not None:
            query = query.where(column == value)
    if industry is not None:
        query = query.where(_a.industry == industry)
    if employer is not None:
        query = query.where(_a.employer.icontains(employer, autoescape=True))
    if month is not None:
        start, end = month_range(month)
        query = query.where(_a.filed_on >= start, _a.filed_on < end)
    return await page_of(session, query, [_a.filed_on.desc(), _a.appeal_id.desc()], page, size)


async def get(session: AsyncSession, appeal_id: UUID) -> Any:
    query = sa.select(*APPEAL_COLUMNS).select_from(_WITH_CASE).where(_a.appeal_id == appeal_id)
    return (await session.execute(query)).one_or_none()
