"""Who may enrol: the rules in order, each refusal naming its field and rule."""

from __future__ import annotations

from datetime import date

import pytest
from campaigns.domain.errors import DomainError
from campaigns.domain.participation import (
    CampaignFacts,
    Candidate,
    ParticipantStatus,
    check_enrolment,
    is_participating,
)


def _campaign(status: str = "launched") -> CampaignFacts:
    return CampaignFacts("winter_warmth", status, "xh", (), date(2026, 1, 1), 10)


def _member(status: str = "active", in_audience: bool = True) -> Candidate:
    return Candidate("xh", "xh-b1", status, in_audience)


def _refusal(campaign: CampaignFacts, candidate: Candidate) -> tuple[str | None, str | None]:
    with pytest.raises(DomainError) as refused:
        check_enrolment(campaign, candidate)
    return refused.value.field, refused.value.rule


def test_an_active_audience_member_may_enrol_in_a_launched_campaign() -> None:
    check_enrolment(_campaign(), _member())


@pytest.mark.parametrize("status", ["draft", "scheduled", "closed", "cancelled"])
def test_only_a_launched_campaign_takes_enrolments(status: str) -> None:
    assert _refusal(_campaign(status), _member()) == ("campaign_id", "campaign_launched")


def test_a_member_outside_the_launch_audience_is_refused() -> None:
    assert _refusal(_campaign(), _member(in_audience=False)) == ("member_id", "in_audience")


@pytest.mark.parametrize("status", ["left", "suspended"])
def test_a_member_no_longer_active_is_refused(status: str) -> None:
    assert _refusal(_campaign(), _member(status=status)) == ("member_id", "member_active")


def test_the_campaign_rule_is_named_before_the_member_rules() -> None:
    assert _refusal(_campaign("closed"), _member("left", False)) == ("campaign_id", "campaign_launched")


def test_enrolled_or_waiting_members_are_answered_as_they_are_and_withdrawn_ones_may_ask_again() -> None:
    assert is_participating(ParticipantStatus.ENROLLED)
    assert is_participating(ParticipantStatus.WAITLISTED)
    assert not is_participating(ParticipantStatus.WITHDRAWN)
    assert not is_participating(None)
