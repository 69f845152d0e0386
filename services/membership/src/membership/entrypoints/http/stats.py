"""Routes of statistics: coverage and monthly joins and leaves."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep

from membership.adapters import queries
from membership.domain.enums import EMPLOYMENT_TYPE_LABELS
from membership.domain.model import INDUSTRIES
from membership.entrypoints import schemas as s
from membership.entrypoints.http._common import DistrictFilter, scoped
from membership.entrypoints.http.access import READ, Allow

StatsReader = Annotated[Principal, Allow("statistics", READ)]

router = APIRouter(tags=["statistics"])


@router.get("/stats/coverage", response_model=s.CoveragePublic)
async def coverage(
    uow: UowDep,
    principal: StatsReader,
    district: DistrictFilter = None,
    branch_limit: int = Query(50, ge=1, le=1000, description="How many of the largest branches to list"),
) -> Any:
    """Active members per district, branch, industry and employment type; the migrant-worker share."""
    district, branch_id = scoped(principal, district, None)
    data = await queries.coverage(uow.session, district, branch_id, branch_limit)
    labels = {t.value: zh for t, zh in EMPLOYMENT_TYPE_LABELS.items()}
    return {
        **data,
        "by_district": [
            {"key": r.district, "label": r.name, "members": r.members} for r in data["by_district"]
        ],
        "by_branch": data["by_branch"],
        "by_industry": [
            {"key": r.industry, "label": INDUSTRIES.get(r.industry), "members": r.members}
            for r in data["by_industry"]
        ],
        "by_employment_type": [
            {"key": r.employment_type, "label": labels.get(r.employment_type), "members": r.members}
            for r in data["by_employment_type"]
        ],
    }


@router.get("/stats/monthly", response_model=list[s.MonthPublic])
async def monthly(
    uow: UowDep,
    principal: StatsReader,
    district: DistrictFilter = None,
    months: int = Query(12, ge=1, le=120),
) -> Any:
    """Joins and leaves per month over the last `months` months (by effective date)."""
    district, branch_id = scoped(principal, district, None)
    today = date.today()
    index = today.year * 12 + today.month - 1 - (months - 1)
    since = date(index // 12, index % 12 + 1, 1)
    rows = {r.month: r for r in await queries.monthly(uow.session, since, district, branch_id)}
    out = []
    for i in range(months):
        y, m = divmod(index + i, 12)
        key = f"{y:04d}-{m + 1:02d}"
        row = rows.get(key)
        out.append({"month": key, "joins": row.joins if row else 0, "leaves": row.leaves if row else 0})
    return out
