"""Proposals: submitted for a member (by their branch or above), reviewed once by the organisers
(the campaign's district officer or the federation; for a standing proposal, the member's
district officer or the federation), awarded when adopted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_events import campaigns as ev
from unionfed_events.ids import uuid7

from campaigns import commands_engagement as cmds
from campaigns.adapters import proposals_store as store
from campaigns.domain import proposals as rules
from campaigns.domain.engagement import require_within_campaign
from campaigns.domain.errors import NotFound
from campaigns.handlers._engagement import (
    acting,
    active_member,
    campaign_named,
    campaign_to_organise,
    emit_for_member,
)


async def submit(uow: UnitOfWork, cmd: cmds.SubmitProposal, scope: Scope) -> UUID:
    """A new proposal for an active member in the caller's scope; to a launched collection of the
    member's district (or the federation's), or standing (no campaign)."""
    member = await active_member(uow, cmd.member_id, scope)
    if cmd.campaign_id is not None:
        # Submitting is not organising: whoever may act for the member may send it in. The share
        # lock keeps the collection launched until this commits (a close waits for it).
        campaign = await campaign_named(uow, cmd.campaign_id, lock="share", named_in_body=True)
        rules.check_collection(campaign)
        require_within_campaign(campaign, member.district)
    proposal_id = uuid7()
    await store.add(
        uow.session,
        proposal_id=proposal_id,
        campaign_id=cmd.campaign_id,
        member_id=member.member_id,
        district=member.district,
        branch_id=member.branch_id,
        kind=cmd.kind.value,
        title=cmd.title,
        body=cmd.body,
        status=rules.ProposalStatus.SUBMITTED.value,
    )
    event = ev.ProposalSubmitted(
        proposal_id=proposal_id,
        member_id=member.member_id,
        branch_id=member.branch_id,
        district=member.district,
        kind=cmd.kind,
        title=cmd.title,
        campaign_id=cmd.campaign_id,
    )
    emit_for_member(uow, event, member.district, member.branch_id)
    return proposal_id


async def review(uow: UnitOfWork, cmd: cmds.ReviewProposal, scope: Scope) -> None:
    """Adopt or reject, once; an award may come with the adoption."""
    proposal = await _to_organise(uow, cmd.proposal_id, scope)
    status = rules.review(proposal.status, cmd.outcome, cmd.award)
    await store.review(
        uow.session, proposal.proposal_id, status.value, cmd.comment, cmd.award, acting(uow), _now()
    )
    _emit_reviewed(uow, proposal, cmd.outcome, cmd.award)


async def award(uow: UnitOfWork, cmd: cmds.AwardProposal, scope: Scope) -> None:
    """The award of a proposal adopted without one; published as its review again, with the award."""
    proposal = await _to_organise(uow, cmd.proposal_id, scope)
    rules.check_later_award(proposal.status, proposal.award)
    await store.update(uow.session, proposal.proposal_id, award=cmd.award)
    _emit_reviewed(uow, proposal, ev.ProposalOutcome.ADOPTED, cmd.award)


async def _to_organise(uow: UnitOfWork, proposal_id: UUID, scope: Scope) -> Any:
    """The proposal, locked, if the caller organises where it was sent."""
    proposal = await store.get(uow.session, proposal_id, for_update=True)
    if proposal is None:
        raise NotFound(f"proposal {proposal_id}")
    if proposal.campaign_id is not None:
        await campaign_to_organise(uow, proposal.campaign_id, scope, lock=None)
    else:
        scope(proposal.district, None)
    return proposal


def _emit_reviewed(uow: UnitOfWork, proposal: Any, outcome: ev.ProposalOutcome, award: str | None) -> None:
    event = ev.ProposalReviewed(
        proposal_id=proposal.proposal_id,
        campaign_id=proposal.campaign_id,
        member_id=proposal.member_id,
        district=proposal.district,
        outcome=outcome,
        award=award,
    )
    emit_for_member(uow, event, proposal.district, proposal.branch_id)


def _now() -> datetime:
    return datetime.now(UTC)
