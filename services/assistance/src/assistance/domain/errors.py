"""Domain errors. Each names the input field it concerns and, when a business rule refused the
command, the rule (`rule`), so a caseworker sees which condition failed."""

from __future__ import annotations


class DomainError(Exception):
    field: str | None = None
    rule: str | None = None

    def __init__(self, reason: str, *, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if field is not None:
            self.field = field
        if rule is not None:
            self.rule = rule


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


class NotFound(DomainError):
    """The case, member, fund or batch a command names does not exist (HTTP 404)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
