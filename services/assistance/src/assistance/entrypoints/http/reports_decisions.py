"""Report of how long aid cases wait for a decision at each approval level."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep
from unionfed_chassis.routes import DistrictFilter

from assistance.adapters.decision_times import decision_times
from assistance.domain.policy import LEVELS
from assistance.entrypoints import schemas as s
from assistance.entrypoints.http._common import district_scope
from assistance.entrypoints.http.access import READ, Allow

ReportsReader = Annotated[Principal, Allow("reports", READ)]

router = APIRouter(tags=["reports"])


@router.get("/reports/decision-times", response_model=s.DecisionTimes)
async def decision_times_report(
    uow: UowDep,
    principal: ReportsReader,
    district: DistrictFilter = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Default this year")] = None,
) -> Any:
    """Per approval level: decisions taken in the year and the hours cases waited for them
    (mean, median, 90th percentile), within the caller's district. Every level is listed; one
    without decisions has no figures."""
    district = district_scope(principal, district)
    year = year or date.today().year
    rows = {row.level: row for row in await decision_times(uow.session, district, year)}
    levels = [
        rows.get(level.value)
        or {"level": level, "decisions": 0, "mean_hours": None, "median_hours": None, "p90_hours": None}
        for level in LEVELS
    ]
    return {"district": district, "year": year, "levels": levels}
