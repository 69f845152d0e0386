"""Who may apply for what: each rule has a name, and a refusal says which one failed."""

from __future__ import annotations

from dataclasses import dataclass

from unionfed_events.assistance import MONETARY_AID, AidType

from assistance.domain.errors import DomainError, NotEligible
from assistance.domain.money import format_yuan


@dataclass(frozen=True)
class ApplicantFacts:
    """What the service knows about the applicant when they apply, from its own tables."""

    member_status: str | None  # None: not a member the service has heard of
    hardship_registered: bool
    has_open_case_of_type: bool
    committed_this_year_cents: int  # asked for, held or paid this year in cases still alive
    window_open: bool  # an aid window (education drive) covers the member today
    yearly_cap_cents: int | None  # None: no cap for the type


def check_amount(aid_type: AidType, amount_cents: int | None) -> None:
    if aid_type in MONETARY_AID:
        if amount_cents is None or amount_cents <= 0:
            raise DomainError(f"{aid_type.value} aid needs an amount above 0", field="amount_yuan")
    elif amount_cents is not None:
        raise DomainError(f"{aid_type.value} is a service and has no amount", field="amount_yuan")


def check_eligible(aid_type: AidType, amount_cents: int | None, facts: ApplicantFacts) -> None:
    """Raise NotEligible naming the first rule the application breaks."""
    if facts.member_status != "active":
        raise NotEligible("only active members can apply for aid", field="member_id", rule="member_active")
    if facts.has_open_case_of_type:
        raise NotEligible(
            f"the member already has an open {aid_type.value} aid case",
            field="aid_type",
            rule="one_open_case",
        )
    if aid_type is AidType.LIVING and not facts.hardship_registered:
        raise NotEligible(
            "living aid is for households in the hardship registry",
            field="member_id",
            rule="hardship_registered",
        )
    if aid_type is AidType.EDUCATION and not facts.window_open:
        raise NotEligible(
            "education aid is open only during an education-aid drive that covers the member",
            field="aid_type",
            rule="education_window",
        )
    if aid_type is AidType.MUTUAL_AID and facts.yearly_cap_cents is None:
        raise NotEligible(
            "the member is not enrolled in this year's medical mutual-aid plan",
            field="member_id",
            rule="mutual_aid_enrolled",
        )
    cap = facts.yearly_cap_cents
    if cap is not None and amount_cents is not None and facts.committed_this_year_cents + amount_cents > cap:
        left = max(cap - facts.committed_this_year_cents, 0)
        raise NotEligible(
            f"above the yearly cap of {format_yuan(cap)} yuan for {aid_type.value} aid: "
            f"{format_yuan(left)} yuan left this year",
            field="amount_yuan",
            rule="yearly_cap",
        )
