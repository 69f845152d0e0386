"""Rationalisation proposals and technical-innovation achievements: where they may be submitted,
and their one review (adopt or reject), with an award for an adopted one, given at the adoption
or once afterwards."""

from __future__ import annotations

from enum import StrEnum

from unionfed_events.campaigns import CampaignKind, ProposalOutcome

from campaigns.domain.engagement import CampaignFacts, require_kind, require_status
from campaigns.domain.errors import DomainError, InvalidTransition


class ProposalStatus(StrEnum):
    SUBMITTED = "submitted"
    ADOPTED = "adopted"
    REJECTED = "rejected"


def check_collection(campaign: CampaignFacts) -> None:
    """A proposal sent to a campaign goes to a launched proposal collection."""
    require_kind(campaign, {CampaignKind.PROPOSAL_COLLECTION})
    require_status(campaign, {"launched"})


def review(status: str, outcome: ProposalOutcome, award: str | None) -> ProposalStatus:
    """The proposal's status after its review; a proposal is reviewed once."""
    if status != ProposalStatus.SUBMITTED:
        raise InvalidTransition(
            f"the proposal was already reviewed ({status}); a review is final",
            field="proposal_id",
            rule="reviewed_once",
        )
    if award is not None and outcome != ProposalOutcome.ADOPTED:
        raise DomainError(
            "only an adopted proposal gets an award", field="award", rule="award_needs_adoption"
        )
    return ProposalStatus(outcome.value)


def check_later_award(status: str, current_award: str | None) -> None:
    """An award after the review: for an adopted proposal that has none yet."""
    if status != ProposalStatus.ADOPTED:
        raise DomainError(
            f"the proposal is {status}; only an adopted proposal gets an award",
            field="proposal_id",
            rule="award_needs_adoption",
        )
    if current_award is not None:
        raise InvalidTransition(
            f"the proposal already has its award ({current_award})", field="award", rule="awarded_once"
        )
