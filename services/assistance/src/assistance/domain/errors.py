"""The assistance service's domain errors, on the chassis' base (`unionfed_chassis.domain_errors`):
each names the field and, for a business rule, the rule, so a caseworker sees which condition failed."""

from __future__ import annotations

from unionfed_chassis.domain_errors import DomainError, NotFound

__all__ = ["DomainError", "FundShortage", "InvalidTransition", "NotEligible", "NotFound"]


class NotEligible(DomainError):
    """An application an eligibility rule refuses; `rule` names it."""


class InvalidTransition(DomainError):
    """A step the case's current state does not allow (e.g. approving a rejected case)."""

    field = "case_id"


class FundShortage(DomainError):
    """The fund cannot cover the amount: `shortage_cents` is what is missing."""

    rule = "fund_available"
    field = "amount_yuan"

    def __init__(self, fund: str, required_cents: int, available_cents: int) -> None:
        from assistance.domain.money import format_yuan

        self.required_cents = required_cents
        self.available_cents = available_cents
        self.shortage_cents = required_cents - available_cents
        super().__init__(
            f"fund {fund} has {format_yuan(available_cents)} yuan available, {format_yuan(required_cents)} "
            f"required: short by {format_yuan(self.shortage_cents)} yuan"
        )
