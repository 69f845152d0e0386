"""Time to decision per approval level, from the audit trail (`case_steps.waited_seconds`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_events.assistance import Decision

from assistance.adapters.orm import case_steps, cases

DECISIONS = [Decision.APPROVED.value, Decision.REJECTED.value, Decision.RETURNED.value]


def _hours(expression: Any, label: str) -> Any:
    return (expression / 3600.0).label(label)


async def decision_times(session: AsyncSession, district: str | None, year: int) -> list[Any]:
    """Per level: decisions taken in `year` (UTC) on cases of `district` (None: all), with the
    mean, median and 90th percentile of the hours each case waited at that level."""
    waited = case_steps.c.waited_seconds
    query = (
        sa.select(
            case_steps.c.level,
            sa.func.count().label("decisions"),
            _hours(sa.func.avg(waited), "mean_hours"),
            _hours(sa.func.percentile_cont(0.5).within_group(waited), "median_hours"),
            _hours(sa.func.percentile_cont(0.9).within_group(waited), "p90_hours"),
        )
        .join(cases, cases.c.case_id == case_steps.c.case_id)
        .where(
            case_steps.c.decision.in_(DECISIONS),
            case_steps.c.level.isnot(None),
            waited.isnot(None),
            case_steps.c.at >= datetime(year, 1, 1, tzinfo=UTC),
            case_steps.c.at < datetime(year + 1, 1, 1, tzinfo=UTC),
        )
        .group_by(case_steps.c.level)
    )
    if district is not None:
        query = query.where(cases.c.district == district)
    return list((await session.execute(query)).all())
