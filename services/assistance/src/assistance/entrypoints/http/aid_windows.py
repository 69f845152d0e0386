"""Routes of aid windows: the application periods drives open (the Golden-Autumn education aid)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep
from unionfed_chassis.inputs import DistrictCode
from unionfed_chassis.routes import PageNo, PageSize
from unionfed_events.assistance import AidType

from assistance.adapters import aid_windows
from assistance.entrypoints import schemas as s
from assistance.entrypoints.http._common import page_of
from assistance.entrypoints.http.access import READ, Allow

CasesReader = Annotated[Principal, Allow("cases", READ)]

router = APIRouter(tags=["cases"])


@router.get("/aid-windows", response_model=s.Page[s.AidWindowPublic])
async def list_windows(
    uow: UowDep,
    principal: CasesReader,
    aid_type: AidType | None = None,
    open_on: Annotated[date | None, Query(description="Only windows open on this day")] = None,
    district: Annotated[DistrictCode | None, Query(description="Only windows covering this district")] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Aid windows opened by campaigns (announced to all, so every reader sees every window),
    latest opening first."""
    result = await aid_windows.list_windows(
        uow.session,
        page,
        page_size,
        aid_type=aid_type.value if aid_type else None,
        open_on=open_on,
        district=district,
    )
    return page_of(result, s.AidWindowPublic, page, page_size)
