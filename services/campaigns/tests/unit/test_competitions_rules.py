"""Rules of competitions: scores, standard competition ranking, awards by place."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from campaigns.domain import competitions as rules
from campaigns.domain.engagement import CampaignFacts
from campaigns.domain.errors import DomainError


def score(value: str) -> rules.Score:
    return rules.Score(uuid.uuid4(), Decimal(value))


def test_ties_share_a_rank_and_the_next_place_skips() -> None:
    a, b, c, d = score("90.50"), score("95"), score("90.5"), score("10")
    places = rules.rank([a, b, c, d])
    assert [(p.rank, p.score) for p in places] == [
        (1, Decimal("95")),
        (2, Decimal("90.50")),
        (2, Decimal("90.5")),
        (4, Decimal("10")),
    ]
    assert {places[1].member_id, places[2].member_id} == {a.member_id, c.member_id}


def test_a_tie_for_first_gives_1_1_3() -> None:
    places = rules.rank([score("7"), score("7"), score("6")])
    assert [p.rank for p in places] == [1, 1, 3]


def test_awards_go_by_place_and_tied_places_share_theirs() -> None:
    places = rules.award(
        rules.rank([score("7"), score("7"), score("6"), score("5")]), ["gold", "silver", "bronze"]
    )
    assert [(p.rank, p.award) for p in places] == [(1, "gold"), (1, "gold"), (3, "bronze"), (4, None)]


def test_a_ranking_without_scores_is_not_published() -> None:
    with pytest.raises(DomainError) as refused:
        rules.award([], ["gold"])
    assert refused.value.rule == "ranking_has_scores"


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("-0.01", "score_range"),
        ("1000000", "score_range"),
        ("1.005", "score_precision"),
        ("NaN", "score_range"),
    ],
)
def test_bad_scores_are_refused(value: str, rule: str) -> None:
    with pytest.raises(DomainError) as refused:
        rules.check_score(Decimal(value))
    assert (refused.value.field, refused.value.rule) == ("score", rule)


def test_scores_are_kept_exact_with_two_places() -> None:
    assert rules.score_text(rules.check_score(Decimal("88.5"))) == "88.50"
    assert rules.check_score(Decimal("0")) == Decimal("0.00")


def test_only_a_running_or_closed_competition_takes_scores_until_published() -> None:
    facts = CampaignFacts(uuid.uuid4(), "skill_competition", "launched", None)
    rules.check_competition(facts, published=False)
    rules.check_competition(CampaignFacts(facts.campaign_id, facts.kind, "closed", None), published=False)
    cases = [
        (facts, True, "ranking_published"),
        (CampaignFacts(facts.campaign_id, "survey", "launched", None), False, "campaign_kind"),
        (CampaignFacts(facts.campaign_id, facts.kind, "draft", None), False, "campaign_closed_or_launched"),
    ]
    for campaign, published, rule in cases:
        with pytest.raises(DomainError) as refused:
            rules.check_competition(campaign, published=published)
        assert refused.value.rule == rule
