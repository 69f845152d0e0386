"""Rules of honours: team honours go to teams, personal ones to members; selections by kind."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from campaigns.domain import honours as rules
from campaigns.domain.engagement import CampaignFacts
from campaigns.domain.errors import DomainError
from unionfed_events.campaigns import Honour


def test_team_honours_go_to_a_named_team() -> None:
    for honour in (Honour.WORKER_PIONEER, Honour.FIVE_TYPE_TEAM):
        assert rules.recipient(honour, None, "  Welding   Team  3 ") == ("team", "Welding Team 3")
        with pytest.raises(DomainError) as refused:
            rules.recipient(honour, uuid.uuid4(), None)
        assert (refused.value.field, refused.value.rule) == ("team_name", "honour_recipient_kind")
        with pytest.raises(DomainError):
            rules.recipient(honour, None, "   ")


def test_personal_honours_go_to_a_member() -> None:
    member = uuid.uuid4()
    for honour in (Honour.MODEL_WORKER, Honour.MAY_DAY_MEDAL):
        assert rules.recipient(honour, member, None) == ("member", str(member))
        for given in ((None, "A team"), (member, "A team"), (None, None)):
            with pytest.raises(DomainError) as refused:
                rules.recipient(honour, *given)
            assert (refused.value.field, refused.value.rule) == ("member_id", "honour_recipient_kind")


def test_a_five_type_evaluation_awards_five_type_teams_only() -> None:
    evaluation = CampaignFacts(uuid.uuid4(), "five_type_teams", "closed", "d1")
    rules.check_selection(evaluation, Honour.FIVE_TYPE_TEAM)
    with pytest.raises(DomainError) as refused:
        rules.check_selection(evaluation, Honour.MODEL_WORKER)
    assert (refused.value.field, refused.value.rule) == ("honour", "campaign_kind")


def test_a_selection_awards_any_honour_once_launched() -> None:
    selection = CampaignFacts(uuid.uuid4(), "honour_selection", "launched", None)
    for honour in Honour:
        rules.check_selection(selection, honour)
    for facts, rule in (
        (CampaignFacts(selection.campaign_id, "survey", "launched", None), "campaign_kind"),
        (
            CampaignFacts(selection.campaign_id, "honour_selection", "scheduled", None),
            "campaign_closed_or_launched",
        ),
    ):
        with pytest.raises(DomainError) as refused:
            rules.check_selection(facts, Honour.MODEL_WORKER)
        assert refused.value.rule == rule


def test_no_honour_is_awarded_in_the_future() -> None:
    rules.check_date(date(2026, 5, 1), date(2026, 5, 1))
    with pytest.raises(DomainError) as refused:
        rules.check_date(date(2026, 5, 2), date(2026, 5, 1))
    assert refused.value.field == "awarded_on"
