"""Domain errors. Each names the input field it concerns and, when a business rule refused the
command, the rule (`rule`), so an organiser sees which condition failed."""

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


class InvalidTransition(DomainError):
    """A step the campaign's current state does not allow (e.g. enrolling in a draft)."""

    field = "campaign_id"


class NotFound(DomainError):
    """The campaign, member, proposal or survey a command names does not exist (HTTP 404)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
