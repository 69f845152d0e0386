"""The campaigns service's domain errors, on the chassis' base (`unionfed_chassis.domain_errors`):
each names the field and, for a business rule, the rule, so an organiser sees which condition failed."""

from __future__ import annotations

from unionfed_chassis.domain_errors import DomainError, NotFound

__all__ = ["DomainError", "InvalidTransition", "NotFound"]


class InvalidTransition(DomainError):
    """A step the campaign's current state does not allow (e.g. enrolling in a draft)."""

    field = "campaign_id"
