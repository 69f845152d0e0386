"""Consumer groups: per group and partition, the committed offset, the lag and its trend over
the last samples, and whether the group's lag keeps growing. A district officer sees only the
partitions of their district's topics (and only groups that read some)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import RuntimeDep

from console.adapters.lag_store import LagReport, lag_report
from console.entrypoints.http.access import READ, Allow
from console.entrypoints.http.pages import render
from console.lag_sampler import growth_of
from console.settings import ConsoleSettings

router = APIRouter(tags=["groups"])
Reader = Annotated[Principal, Allow("groups", READ)]


class PartitionLagOut(BaseModel):
    topic: str
    partition: int
    district: str | None
    committed: int | None = Field(description="The group's committed offset (None: never committed)")
    end_offset: int = Field(description="The console's own end of the partition")
    lag: int
    trend: list[int] = Field(description="The lag in each of the last samples, oldest first")


class GroupLagOut(BaseModel):
    group_id: str
    lag: int = Field(description="Total lag over the partitions shown")
    growing: bool = Field(description="The lag rose over the last samples, never fell, and is large")
    trend: list[int] = Field(description="The total lag in each of the last samples, oldest first")
    partitions: list[PartitionLagOut]


class GroupsOut(BaseModel):
    sampled_at: datetime | None = Field(description="Time of the latest sample (None: none yet)")
    sample_seconds: float
    growing_rule: str
    groups: list[GroupLagOut]


async def _groups(runtime: RuntimeDep, principal: Principal) -> GroupsOut:
    settings = cast(ConsoleSettings, runtime.settings)
    # Fail closed: a scoped principal without a district matches no topic at all.
    district = None if principal.is_federation_wide else (principal.district or "")
    growth = growth_of(settings)
    async with runtime.engine.connect() as conn:
        report: LagReport = await lag_report(conn, growth, district=district)
    return GroupsOut(
        sampled_at=report.sampled_at,
        sample_seconds=settings.lag_sample_seconds,
        growing_rule=(
            f"lag rose over the last {growth.samples} samples, never fell, "
            f"and is at least {growth.threshold} records"
        ),
        groups=[
            GroupLagOut(
                group_id=g.group_id,
                lag=g.lag,
                growing=g.growing,
                trend=g.totals,
                partitions=[PartitionLagOut(**vars(p)) for p in g.partitions],
            )
            for g in report.groups
        ],
    )


@router.get("/api/groups")
async def api_groups(runtime: RuntimeDep, principal: Reader) -> GroupsOut:
    """Every consumer group's lag per partition, within the caller's district."""
    return await _groups(runtime, principal)


@router.get("/groups", include_in_schema=False, response_class=HTMLResponse)
async def groups_page(request: Request, runtime: RuntimeDep, principal: Reader) -> HTMLResponse:
    return render(request, "groups.html", principal, page="groups", report=await _groups(runtime, principal))
