"""The medical mutual-aid plan: a yearly plan reimburses enrolled members a share of their medical
costs, up to a cap per member and year. Exact integer cents; a share is rounded down to the cent
(the plan never pays a fraction of a cent more than its share)."""

from __future__ import annotations

from dataclasses import dataclass

from assistance.domain.errors import DomainError, NotEligible
from assistance.domain.money import format_yuan


@dataclass(frozen=True)
class MutualAidPlan:
    year: int
    share_percent: int  # 1..100
    cap_cents: int  # most a member is reimbursed in the year

    def __post_init__(self) -> None:
        if not 1 <= self.share_percent <= 100:
            raise DomainError("the share is a whole percentage from 1 to 100", field="share_percent")
        if self.cap_cents <= 0:
            raise DomainError("the yearly cap is above 0", field="cap_yuan")


def reimbursement_cents(plan: MutualAidPlan, costs_cents: int, committed_cents: int) -> int:
    """What a claim of `costs_cents` pays when `committed_cents` of the year's cap is taken:
    min(costs x share, what the cap leaves), rounded down to the cent."""
    if costs_cents <= 0:
        raise DomainError("medical costs are above 0", field="medical_costs_yuan")
    left = plan.cap_cents - committed_cents
    if left <= 0:
        raise NotEligible(
            f"the yearly cap of {format_yuan(plan.cap_cents)} yuan is already used up",
            field="medical_costs_yuan",
            rule="yearly_cap",
        )
    share = costs_cents * plan.share_percent // 100
    if share <= 0:
        raise DomainError("the costs are too small for a reimbursement of a cent", field="medical_costs_yuan")
    return min(share, left)
