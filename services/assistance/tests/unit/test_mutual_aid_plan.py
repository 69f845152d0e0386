"""The mutual-aid reimbursement: share of the costs, within what the yearly cap leaves, rounded
down to the cent, in integer cents."""

from __future__ import annotations

import pytest
from assistance.domain.errors import DomainError, NotEligible
from assistance.domain.mutual_aid import MutualAidPlan, reimbursement_cents

PLAN = MutualAidPlan(2026, 70, 1_000_000)  # 70 %, at most 10,000.00 yuan a year


def test_pays_the_share_rounded_down_to_the_cent() -> None:
    assert reimbursement_cents(PLAN, 123_457, 0) == 86_419  # 1234.57 x 70 % = 864.199
    assert reimbursement_cents(MutualAidPlan(2026, 33, 1_000_000), 1_000, 0) == 330
    assert reimbursement_cents(MutualAidPlan(2026, 33, 1_000_000), 1_001, 0) == 330  # 3.3033


def test_pays_what_the_cap_leaves_when_the_share_is_more() -> None:
    assert reimbursement_cents(PLAN, 2_000_000, 0) == 1_000_000
    assert reimbursement_cents(PLAN, 1_000_000, 600_000) == 400_000


def test_refuses_when_the_cap_is_used_up() -> None:
    with pytest.raises(NotEligible) as refused:
        reimbursement_cents(PLAN, 100, 1_000_000)
    assert refused.value.rule == "yearly_cap"


def test_refuses_costs_too_small_for_a_cent() -> None:
    with pytest.raises(DomainError) as refused:
        reimbursement_cents(MutualAidPlan(2026, 50, 1_000), 1, 0)
    assert refused.value.field == "medical_costs_yuan"


@pytest.mark.parametrize(
    ("share", "cap", "field"), [(0, 100, "share_percent"), (101, 100, "share_percent"), (50, 0, "cap_yuan")]
)
def test_a_plan_outside_its_bounds_is_refused(share: int, cap: int, field: str) -> None:
    with pytest.raises(DomainError) as refused:
        MutualAidPlan(2026, share, cap)
    assert refused.value.field == field
