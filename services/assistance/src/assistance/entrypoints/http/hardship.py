"""Routes of the hardship registry: registering a household, the yearly review, exit, lists."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep
from unionfed_chassis.routes import BranchFilter, DistrictFilter, PageNo, PageSize, scoped
from unionfed_events.assistance import HardshipCategory

from assistance import commands as cmds
from assistance.adapters import hardship_store
from assistance.domain.hardship import HardshipStatus
from assistance.entrypoints import schemas as s
from assistance.entrypoints.http._common import in_scope, page_of
from assistance.entrypoints.http.access import READ, WRITE, Allow
from assistance.handlers import hardship as handlers

HardshipReader = Annotated[Principal, Allow("hardship", READ)]
HardshipWriter = Annotated[Principal, Allow("hardship", WRITE)]

router = APIRouter(tags=["hardship"])


async def _public(uow: Any, record_id: UUID) -> Any:
    return await hardship_store.get_record(uow.session, record_id)


@router.post("/hardship-records", status_code=201, response_model=s.HardshipPublic)
async def register(body: s.HardshipCreate, uow: UowDep, principal: HardshipWriter) -> Any:
    """Register an active member's household (by their branch or above); one active record per
    member. The first yearly review is due a year after registration."""
    cmd = cmds.RegisterHardship(
        body.member_id,
        body.category,
        body.causes,
        body.household_size,
        body.members_affected,
        body.per_capita_income_yuan,
        body.registered_on,
    )
    record = await handlers.register(uow, cmd, principal.check)
    await uow.commit()
    return await _public(uow, record.record_id)


@router.get("/hardship-records", response_model=s.Page[s.HardshipPublic])
async def list_records(
    uow: UowDep,
    principal: HardshipReader,
    district: DistrictFilter = None,
    branch_id: BranchFilter = None,
    category: HardshipCategory | None = None,
    status: HardshipStatus | None = None,
    review_overdue: Annotated[
        bool | None, Query(description="Only active records whose review is overdue (true), or the others")
    ] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Registry records within the caller's scope, the review due soonest first."""
    district, branch_id = scoped(principal, district, branch_id)
    result = await hardship_store.list_records(
        uow.session,
        page,
        page_size,
        review_overdue=review_overdue,
        today=date.today(),
        district=district,
        branch_id=branch_id,
        category=category,
        status=status,
    )
    return page_of(result, s.HardshipPublic, page, page_size)


@router.get("/hardship-records/{record_id}", response_model=s.HardshipPublic)
async def get_record(record_id: UUID, uow: UowDep, principal: HardshipReader) -> Any:
    """One registry record."""
    return in_scope(await _public(uow, record_id), f"hardship record {record_id}", principal)


@router.post("/hardship-records/{record_id}/review", response_model=s.HardshipPublic)
async def review(record_id: UUID, body: s.HardshipReview, uow: UowDep, principal: HardshipWriter) -> Any:
    """The yearly review: the household stays in the registry as it is now; next review a year on."""
    cmd = cmds.ReviewHardship(
        record_id,
        body.category,
        body.per_capita_income_yuan,
        body.causes,
        body.household_size,
        body.members_affected,
    )
    await handlers.review(uow, cmd, principal.check)
    await uow.commit()
    return await _public(uow, record_id)


@router.post("/hardship-records/{record_id}/exit", response_model=s.HardshipPublic)
async def exit_registry(record_id: UUID, body: s.HardshipExit, uow: UowDep, principal: HardshipWriter) -> Any:
    """The household leaves the registry."""
    await handlers.exit_registry(uow, cmds.ExitHardship(record_id, body.reason), principal.check)
    await uow.commit()
    return await _public(uow, record_id)
