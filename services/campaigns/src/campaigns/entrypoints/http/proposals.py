"""Routes of proposals: submission (for a member, by their branch or above), review and award
(by the organisers), and the lists."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep
from unionfed_chassis.routes import BranchFilter, DistrictFilter, Page, PageNo, PageSize, page_of, scoped

from campaigns import commands_engagement as cmds
from campaigns.adapters import proposals_store as store
from campaigns.domain.proposals import ProposalStatus
from campaigns.entrypoints.http._common import in_scope
from campaigns.entrypoints.http.access import READ, WRITE, Allow
from campaigns.entrypoints.schemas import engagement as s
from campaigns.handlers import proposals as handlers

ProposalsReader = Annotated[Principal, Allow("proposals", READ)]
ProposalsWriter = Annotated[Principal, Allow("proposals", WRITE)]

router = APIRouter(tags=["proposals"])


@router.post("/proposals", status_code=201, response_model=s.ProposalPublic)
async def submit_proposal(body: s.ProposalCreate, uow: UowDep, principal: ProposalsWriter) -> Any:
    """Submit a member's rationalisation proposal or innovation, to a launched collection or standing."""
    cmd = cmds.SubmitProposal(body.member_id, body.kind, body.title, body.body, body.campaign_id)
    proposal_id = await handlers.submit(uow, cmd, principal.check)
    await uow.commit()
    return await store.get(uow.session, proposal_id)


@router.post("/proposals/{proposal_id}/review", response_model=s.ProposalPublic)
async def review_proposal(
    proposal_id: UUID, body: s.ProposalReview, uow: UowDep, principal: ProposalsWriter
) -> Any:
    """Adopt or reject a proposal, once (organisers of its campaign, or of its district if standing)."""
    await handlers.review(
        uow, cmds.ReviewProposal(proposal_id, body.outcome, body.comment, body.award), principal.check
    )
    await uow.commit()
    return await store.get(uow.session, proposal_id)


@router.post("/proposals/{proposal_id}/award", response_model=s.ProposalPublic)
async def award_proposal(
    proposal_id: UUID, body: s.ProposalAward, uow: UowDep, principal: ProposalsWriter
) -> Any:
    """Give its award to a proposal adopted without one (once)."""
    await handlers.award(uow, cmds.AwardProposal(proposal_id, body.award), principal.check)
    await uow.commit()
    return await store.get(uow.session, proposal_id)


@router.get("/proposals", response_model=Page[s.ProposalSummary])
async def list_proposals(
    uow: UowDep,
    principal: ProposalsReader,
    campaign_id: UUID | None = None,
    status: ProposalStatus | None = None,
    district: DistrictFilter = None,
    branch_id: BranchFilter = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Proposals from members within the caller's scope (without their body), newest first."""
    district, branch_id = scoped(principal, district, branch_id)
    items, total = await store.listing(
        uow.session,
        page,
        page_size,
        campaign_id=campaign_id,
        status=status,
        district=district,
        branch_id=branch_id,
    )
    return page_of(items, total, s.ProposalSummary, page, page_size)


@router.get("/proposals/{proposal_id}", response_model=s.ProposalPublic)
async def get_proposal(proposal_id: UUID, uow: UowDep, principal: ProposalsReader) -> Any:
    """One proposal with its body (the member's branch and above)."""
    return in_scope(await store.get(uow.session, proposal_id), f"proposal {proposal_id}", principal)
