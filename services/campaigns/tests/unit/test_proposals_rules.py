"""Rules of proposals: where they may be sent, one review, awards only for adopted ones."""

from __future__ import annotations

import uuid

import pytest
from campaigns.domain import proposals as rules
from campaigns.domain.engagement import CampaignFacts, require_within_campaign
from campaigns.domain.errors import DomainError
from unionfed_events.campaigns import ProposalOutcome


def campaign(
    kind: str = "proposal_collection", status: str = "launched", owner: str | None = "d1"
) -> CampaignFacts:
    return CampaignFacts(uuid.uuid4(), kind, status, owner)


def test_a_launched_collection_takes_proposals() -> None:
    rules.check_collection(campaign())


@pytest.mark.parametrize(
    ("facts", "rule"),
    [
        (campaign(kind="survey"), "campaign_kind"),
        (campaign(status="draft"), "campaign_launched"),
        (campaign(status="closed"), "campaign_launched"),
    ],
)
def test_other_campaigns_refuse_proposals(facts: CampaignFacts, rule: str) -> None:
    with pytest.raises(DomainError) as refused:
        rules.check_collection(facts)
    assert (refused.value.field, refused.value.rule) == ("campaign_id", rule)


def test_a_district_collection_takes_its_own_members_only() -> None:
    require_within_campaign(campaign(owner="d1"), "d1")
    require_within_campaign(campaign(owner=None), "d9")  # the federation's takes anyone's
    with pytest.raises(DomainError) as refused:
        require_within_campaign(campaign(owner="d1"), "d2")
    assert refused.value.rule == "campaign_district"


def test_a_review_adopts_or_rejects_once() -> None:
    assert rules.review("submitted", ProposalOutcome.ADOPTED, "first prize") == rules.ProposalStatus.ADOPTED
    assert rules.review("submitted", ProposalOutcome.REJECTED, None) == rules.ProposalStatus.REJECTED
    for done in ("adopted", "rejected"):
        with pytest.raises(DomainError) as refused:
            rules.review(done, ProposalOutcome.ADOPTED, None)
        assert (refused.value.field, refused.value.rule) == ("proposal_id", "reviewed_once")


def test_a_rejected_proposal_gets_no_award() -> None:
    with pytest.raises(DomainError) as refused:
        rules.review("submitted", ProposalOutcome.REJECTED, "first prize")
    assert (refused.value.field, refused.value.rule) == ("award", "award_needs_adoption")


def test_a_later_award_needs_an_adopted_proposal_without_one() -> None:
    rules.check_later_award("adopted", None)
    with pytest.raises(DomainError) as refused:
        rules.check_later_award("adopted", "first prize")
    assert refused.value.rule == "awarded_once"
    for status in ("submitted", "rejected"):
        with pytest.raises(DomainError) as refused:
            rules.check_later_award(status, None)
        assert refused.value.rule == "award_needs_adoption"
