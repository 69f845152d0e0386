"""The notifications service's domain errors, on the chassis' base (`unionfed_chassis.domain_errors`):
each names the field and, for a business rule, the rule."""

from __future__ import annotations

from unionfed_chassis.domain_errors import DomainError, NotFound

__all__ = ["DomainError", "NotFound"]
