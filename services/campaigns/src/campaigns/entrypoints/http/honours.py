"""Routes of honours: awarding (organisers of the recipient's district, or the federation) and the list."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep
from unionfed_chassis.routes import BranchFilter, DistrictFilter, Page, PageNo, PageSize, page_of, scoped
from unionfed_events.campaigns import Honour

from campaigns import commands_engagement as cmds
from campaigns.adapters import honours_store as store
from campaigns.entrypoints.http.access import READ, WRITE, Allow
from campaigns.entrypoints.schemas import engagement as s
from campaigns.handlers import honours as handlers

HonoursReader = Annotated[Principal, Allow("honours", READ)]
HonoursWriter = Annotated[Principal, Allow("honours", WRITE)]

router = APIRouter(tags=["honours"])


@router.post("/honours", status_code=201, response_model=s.HonourPublic)
async def award_honour(body: s.HonourCreate, uow: UowDep, principal: HonoursWriter) -> Any:
    """Award an honour to a member (model_worker, may_day_medal) or a team of a branch
    (worker_pioneer, five_type_team); once per honour, recipient and year."""
    cmd = cmds.AwardHonour(
        honour=body.honour,
        citation=body.citation,
        awarded_on=body.awarded_on or date.today(),
        member_id=body.member_id,
        team_name=body.team_name,
        team_branch_id=body.team_branch_id,
        campaign_id=body.campaign_id,
    )
    honour_id = await handlers.award(uow, cmd, principal.check)
    await uow.commit()
    return await store.get(uow.session, honour_id)


@router.get("/honours", response_model=Page[s.HonourPublic])
async def list_honours(
    uow: UowDep,
    principal: HonoursReader,
    district: DistrictFilter = None,
    branch_id: BranchFilter = None,
    honour: Honour | None = None,
    year: Annotated[int | None, Query(ge=1949, le=2100)] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Honours within the caller's scope, latest first."""
    district, branch_id = scoped(principal, district, branch_id)
    items, total = await store.listing(
        uow.session, page, page_size, district=district, branch_id=branch_id, honour=honour, award_year=year
    )
    return page_of(items, total, s.HonourPublic, page, page_size)
