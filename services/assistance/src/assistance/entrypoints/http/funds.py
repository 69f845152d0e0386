"""Routes of funds: allocation by the federation, balances, and each fund's ledger."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep
from unionfed_chassis.inputs import DistrictCode
from unionfed_chassis.routes import DistrictFilter, PageNo, PageSize
from unionfed_events.assistance import AidType

from assistance import commands as cmds
from assistance.adapters import queries
from assistance.domain.errors import NotFound
from assistance.entrypoints import schemas as s
from assistance.entrypoints.http._common import district_scope, page_of
from assistance.entrypoints.http.access import READ, WRITE, Allow
from assistance.handlers import funds as handlers

FundsReader = Annotated[Principal, Allow("funds", READ)]
FundsWriter = Annotated[Principal, Allow("funds", WRITE)]
Year = Annotated[int, Path(ge=2000, le=2100)]

router = APIRouter(tags=["funds"])


@router.post("/funds", status_code=201, response_model=s.FundPublic)
async def allocate(body: s.FundAllocate, uow: UowDep, principal: FundsWriter) -> Any:
    """Allocate (or top up) a district's fund for a year and money aid type."""
    cmd = cmds.AllocateFund(body.district, body.year, body.aid_type, body.amount_yuan)
    await handlers.allocate_fund(uow, cmd, principal.check)
    await uow.commit()
    return await queries.get_fund(uow.session, body.district, body.year, body.aid_type.value)


@router.get("/funds", response_model=s.Page[s.FundPublic])
async def list_funds(
    uow: UowDep,
    principal: FundsReader,
    district: DistrictFilter = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    aid_type: AidType | None = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Funds with allocated, reserved, spent and available, within the caller's district."""
    district = district_scope(principal, district)
    result = await queries.list_funds(
        uow.session, page, page_size, district=district, year=year, aid_type=aid_type
    )
    return page_of(result, s.FundPublic, page, page_size)


async def _fund(uow: Any, principal: Principal, district: str, year: int, aid_type: AidType) -> Any:
    district_scope(principal, district)
    fund = await queries.get_fund(uow.session, district, year, aid_type.value)
    if fund is None:
        raise NotFound(f"fund {district}:{year}:{aid_type.value}")
    return fund


@router.get("/funds/{district}/{year}/{aid_type}", response_model=s.FundPublic)
async def get_fund(
    district: DistrictCode, year: Year, aid_type: AidType, uow: UowDep, principal: FundsReader
) -> Any:
    """One fund's balance."""
    return await _fund(uow, principal, district, year, aid_type)


@router.get("/funds/{district}/{year}/{aid_type}/ledger", response_model=s.Page[s.FundEntryPublic])
async def ledger(
    district: DistrictCode,
    year: Year,
    aid_type: AidType,
    uow: UowDep,
    principal: FundsReader,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Every movement of the fund with the balances right after it, oldest first."""
    await _fund(uow, principal, district, year, aid_type)
    result = await queries.fund_ledger(uow.session, district, year, aid_type.value, page, page_size)
    return page_of(result, s.FundEntryPublic, page, page_size)
