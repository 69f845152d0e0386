"""The campaign's lifecycle rules, without a database."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from campaigns.domain.campaign import Campaign, CampaignStatus
from campaigns.domain.errors import DomainError, InvalidTransition
from unionfed_events.campaigns import AudienceRule, CampaignKind, CampaignResults

TODAY = date(2026, 7, 1)
AT = datetime(2026, 7, 1, 2, tzinfo=UTC)
NO_RESULTS = CampaignResults(
    targeted=0,
    enrolled=0,
    waitlisted=0,
    reached=0,
    deliveries=0,
    proposals=0,
    proposals_adopted=0,
    survey_responses=0,
    honours=0,
)


def draft(starts_in: int = 5, lasts: int = 30, **kw: object) -> Campaign:
    values: dict[str, object] = {
        "campaign_id": uuid.uuid4(),
        "kind": CampaignKind.SUMMER_COOLING,
        "title": "夏送清凉",
        "owner_district": "xuhui",
        "starts_on": TODAY + timedelta(days=starts_in),
        "ends_on": TODAY + timedelta(days=starts_in + lasts),
        "audience": AudienceRule(districts=["xuhui"]),
        "created_by": "do-xuhui",
    }
    return Campaign.draft(**(values | kw))


def test_a_draft_ends_on_or_after_its_start() -> None:
    with pytest.raises(DomainError) as refused:
        draft(starts_in=5, lasts=-1)
    assert (refused.value.field, refused.value.rule) == ("ends_on", "dates_ordered")
    assert draft(lasts=0).status is CampaignStatus.DRAFT


def test_scheduling_needs_a_start_from_today() -> None:
    late = draft(starts_in=-1)
    with pytest.raises(DomainError) as refused:
        late.schedule(TODAY)
    assert (refused.value.field, refused.value.rule) == ("starts_on", "starts_not_past")
    assert late.status is CampaignStatus.DRAFT and late.version == 1
    on_time = draft(starts_in=0)
    on_time.schedule(TODAY)
    assert on_time.status is CampaignStatus.SCHEDULED and on_time.version == 2


def test_due_days() -> None:
    c = draft(starts_in=2, lasts=3)
    c.schedule(TODAY)
    assert not c.launch_due(TODAY + timedelta(days=1)) and c.launch_due(TODAY + timedelta(days=2))
    c.launch(TODAY + timedelta(days=2), AT)
    assert not c.close_due(TODAY + timedelta(days=5)) and c.close_due(TODAY + timedelta(days=6))


def test_launching_early_starts_today_and_twice_is_refused() -> None:
    c = draft(starts_in=10)
    c.launch(TODAY, AT)
    assert (c.status, c.starts_on, c.launched_at) == (CampaignStatus.LAUNCHED, TODAY, AT)
    with pytest.raises(InvalidTransition) as refused:
        c.launch(TODAY, AT)
    assert refused.value.field == "campaign_id" and refused.value.rule == "campaign_draft_or_scheduled"


def test_a_draft_past_its_end_cannot_launch_but_a_late_scheduled_one_does() -> None:
    past = draft(starts_in=-10, lasts=5)
    with pytest.raises(DomainError) as refused:
        past.launch(TODAY, AT)
    assert refused.value.rule == "ends_not_past"
    scheduled = draft(starts_in=1, lasts=1)
    scheduled.schedule(TODAY)
    scheduled.launch(TODAY + timedelta(days=5), AT)  # the service was down through its dates
    assert scheduled.status is CampaignStatus.LAUNCHED


def test_closing_needs_a_launch_and_an_early_close_ends_today() -> None:
    c = draft(starts_in=0, lasts=30)
    with pytest.raises(InvalidTransition):
        c.close(TODAY, AT, NO_RESULTS)
    c.launch(TODAY, AT)
    c.close(TODAY + timedelta(days=3), AT, NO_RESULTS)
    assert (c.status, c.ends_on, c.results) == (CampaignStatus.CLOSED, TODAY + timedelta(days=3), NO_RESULTS)


def test_cancel_only_before_launch_and_with_a_reason() -> None:
    c = draft()
    with pytest.raises(DomainError) as refused:
        c.cancel("  ")
    assert refused.value.field == "reason"
    c.cancel("经费未落实")
    assert c.status is CampaignStatus.CANCELLED
    launched = draft(starts_in=0)
    launched.launch(TODAY, AT)
    with pytest.raises(InvalidTransition):
        launched.cancel("太晚了")


def test_revising_a_scheduled_campaign_keeps_its_dates_ahead() -> None:
    c = draft(starts_in=3)
    c.schedule(TODAY)
    with pytest.raises(DomainError) as refused:
        c.revise(TODAY, starts_on=TODAY - timedelta(days=1))
    assert refused.value.field == "starts_on" and c.starts_on == TODAY + timedelta(days=3)
    c.revise(TODAY, title="新标题", capacity=10)
    assert (c.title, c.capacity, c.version) == ("新标题", 10, 3)
    c.launch(TODAY + timedelta(days=3), AT)
    with pytest.raises(InvalidTransition):
        c.revise(TODAY, title="too late")
