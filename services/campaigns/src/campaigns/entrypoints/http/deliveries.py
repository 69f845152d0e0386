"""Routes of deliveries: record one, list them, and what they add up to per district."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Request
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep
from unionfed_chassis.routes import DistrictFilter, Page, PageNo, PageSize, page_of, scoped

from campaigns import commands_participation as cmds
from campaigns.adapters import deliveries_store as store
from campaigns.adapters import participation_store
from campaigns.domain.errors import NotFound
from campaigns.entrypoints.http.access import READ, WRITE, Allow
from campaigns.entrypoints.schemas import participation as s
from campaigns.handlers import deliveries as handlers

DeliveryReader = Annotated[Principal, Allow("participation", READ)]
DeliveryWriter = Annotated[Principal, Allow("participation", WRITE)]

router = APIRouter(tags=["deliveries"])


@router.post("/campaigns/{campaign_id}/deliveries", status_code=201, response_model=s.DeliveryPublic)
async def record(
    campaign_id: UUID, body: s.DeliveryCreate, uow: UowDep, principal: DeliveryWriter, request: Request
) -> Any:
    """Record what a launched relief drive, cultural delivery or safety training brought to a
    site, how many workers it reached, and (from the token) who records it."""
    today = datetime.now(request.app.state.settings.zone).date()
    cmd = cmds.RecordDelivery(
        campaign_id,
        body.district,
        body.branch_id,
        body.site,
        body.items,
        body.workers_reached,
        body.delivered_on,
        today,
    )
    row = await handlers.record_delivery(uow, cmd, principal.check)
    await uow.commit()
    return row


async def _known(uow: UowDep, campaign_id: UUID) -> None:
    if await participation_store.campaign(uow.session, campaign_id) is None:
        raise NotFound(f"campaign {campaign_id}")


@router.get("/campaigns/{campaign_id}/deliveries", response_model=Page[s.DeliveryPublic])
async def deliveries(
    campaign_id: UUID,
    uow: UowDep,
    principal: DeliveryReader,
    district: DistrictFilter = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """The campaign's deliveries within the caller's unit, most recent first."""
    await _known(uow, campaign_id)
    district, branch_id = scoped(principal, district, None)
    rows, total = await store.page(
        uow.session,
        campaign_id,
        district=district,
        branch_id=branch_id,
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    return page_of(rows, total, s.DeliveryPublic, page, page_size)


@router.get("/campaigns/{campaign_id}/deliveries/totals", response_model=list[s.DeliveryTotals])
async def totals(
    campaign_id: UUID, uow: UowDep, principal: DeliveryReader, district: DistrictFilter = None
) -> Any:
    """Per district: how many deliveries reached how many workers at how many sites, and who
    recorded them (within the caller's unit)."""
    await _known(uow, campaign_id)
    district, branch_id = scoped(principal, district, None)
    return await store.totals_by_district(uow.session, campaign_id, district=district, branch_id=branch_id)
