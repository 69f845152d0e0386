"""The base of a service's domain errors (plain Python, for domain cores). Each names the input
field it concerns and, when a business rule refused the command, the rule (`rule`), so the person
sees which condition failed; `unionfed_chassis.routes.install_domain_errors` turns them into 422
(404 for `NotFound`). Messages are shown to people: they never carry what was typed."""

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


class NotFound(DomainError):
    """What a command names does not exist (HTTP 404)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
