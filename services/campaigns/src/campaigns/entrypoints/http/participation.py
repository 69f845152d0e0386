"""Routes of enrolment: enrol (or join the waiting list), withdraw, and list who takes part."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep
from unionfed_chassis.routes import DistrictFilter, Page, PageNo, PageSize, page_of, scoped

from campaigns import commands_participation as cmds
from campaigns.adapters import participation_store as store
from campaigns.domain.errors import NotFound
from campaigns.entrypoints.http.access import READ, WRITE, Allow
from campaigns.entrypoints.schemas import participation as s
from campaigns.handlers import participation as handlers
from campaigns.handlers.participation import Participation

ParticipationReader = Annotated[Principal, Allow("participation", READ)]
ParticipationWriter = Annotated[Principal, Allow("participation", WRITE)]

router = APIRouter(tags=["participation"])


def _public(p: Participation) -> dict[str, Any]:
    return {k: str(v) if k == "status" else v for k, v in asdict(p).items() if k != "changed"}


@router.post("/campaigns/{campaign_id}/participants", status_code=201, response_model=s.ParticipantPublic)
async def enrol(
    campaign_id: UUID,
    body: s.ParticipantCreate,
    uow: UowDep,
    principal: ParticipationWriter,
    response: Response,
) -> Any:
    """Enrol a member of the campaign's audience: a free place (`enrolled`) or the end of the
    waiting list (`waitlisted`, with the position). Asking again answers 200 with the state as
    it is; a member who withdrew may ask again, as a new request."""
    result = await handlers.enrol(uow, cmds.EnrolParticipant(campaign_id, body.member_id), principal.check)
    await uow.commit()
    if not result.changed:
        response.status_code = 200
    return _public(result)


@router.post("/campaigns/{campaign_id}/participants/{member_id}/withdraw", response_model=s.WithdrawalPublic)
async def withdraw(campaign_id: UUID, member_id: UUID, uow: UowDep, principal: ParticipationWriter) -> Any:
    """Withdraw a member: an enrolled member's place goes to the first on the waiting list at
    once. Withdrawing again answers the withdrawn state, unchanged."""
    result = await handlers.withdraw(uow, cmds.WithdrawParticipant(campaign_id, member_id), principal.check)
    await uow.commit()
    return {
        "participant": _public(result.withdrawn),
        "was_enrolled": result.was_enrolled,
        "moved_up": result.moved_up,
    }


@router.get("/campaigns/{campaign_id}/participants", response_model=Page[s.ParticipantListed])
async def participants(
    campaign_id: UUID,
    uow: UowDep,
    principal: ParticipationReader,
    status: Annotated[s.ParticipantState | None, Query(description="Only this state")] = None,
    district: DistrictFilter = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Who takes part, in request order, within the caller's unit; waitlisted members with their
    place on the whole waiting list."""
    if await store.campaign(uow.session, campaign_id) is None:
        raise NotFound(f"campaign {campaign_id}")
    district, branch_id = scoped(principal, district, None)
    rows, total = await store.page(
        uow.session,
        campaign_id,
        status=status,
        district=district,
        branch_id=branch_id,
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    return page_of(rows, total, s.ParticipantListed, page, page_size)
