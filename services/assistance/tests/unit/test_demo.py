"""The demo plan: same seed, same plan; each amount needs exactly the levels its recipe shows."""

from __future__ import annotations

import uuid
from decimal import Decimal

from assistance.demo import RECIPES, demo_cases
from assistance.domain.money import to_cents
from assistance.domain.policy import ApprovalThresholds
from unionfed_events.assistance import ApprovalLevel

THRESHOLDS = ApprovalThresholds(Decimal("2000"), Decimal("10000"))
MEMBERS = [uuid.UUID(int=n) for n in range(1, 500)]
LEVELS = {
    "small": [ApprovalLevel.BRANCH],
    "medium": [ApprovalLevel.BRANCH, ApprovalLevel.DISTRICT],
    "large": [ApprovalLevel.BRANCH, ApprovalLevel.DISTRICT, ApprovalLevel.FEDERATION],
}


def test_the_same_seed_gives_the_same_plan_and_another_seed_another() -> None:
    first = demo_cases("xuhui", MEMBERS, THRESHOLDS, 11)
    assert first == demo_cases("xuhui", MEMBERS, THRESHOLDS, 11)
    other = demo_cases("xuhui", MEMBERS, THRESHOLDS, 12)
    assert [c.member_id for c in other] != [c.member_id for c in first]
    assert {c.case_id for c in other}.isdisjoint({c.case_id for c in first})


def test_every_recipe_gets_its_own_member_and_case_id() -> None:
    cases = demo_cases("xuhui", MEMBERS, THRESHOLDS, 11)
    assert [c.recipe for c in cases] == list(RECIPES)
    assert len({c.member_id for c in cases}) == len(cases)
    assert len({c.case_id for c in cases}) == len(cases)
    assert {c.case_id for c in cases}.isdisjoint(
        {c.case_id for c in demo_cases("pudong", MEMBERS, THRESHOLDS, 11)}
    )


def test_each_amount_needs_exactly_the_levels_of_its_size() -> None:
    for case in demo_cases("xuhui", MEMBERS, THRESHOLDS, 11):
        size = case.recipe.size
        if size is None:
            assert case.amount_yuan is None
            continue
        assert case.amount_yuan is not None and case.amount_yuan > 0
        amount = to_cents(case.amount_yuan)
        assert THRESHOLDS.levels_for(case.recipe.aid_type, amount) == LEVELS[size], case
        approvals = sum(step.action == "approve" for step in case.recipe.steps)
        assert approvals <= len(LEVELS[size]), case  # a recipe never approves past its last level


def test_a_small_district_gets_as_many_cases_as_it_has_members() -> None:
    assert len(demo_cases("tiny", MEMBERS[:3], THRESHOLDS, 11)) == 3
