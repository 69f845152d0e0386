"""What the routers share: the notifications bindings of the chassis' route helpers."""

from __future__ import annotations

from typing import Any

import unionfed_chassis.routes as routes
from fastapi import FastAPI
from unionfed_chassis.auth import Principal

from notifications.domain.errors import DomainError, NotFound


def install_domain_errors(app: FastAPI) -> None:
    """Domain errors become 422 naming the field and the rule; unknown ids 404."""
    routes.install_domain_errors(app, DomainError, NotFound)


def in_scope(row: Any, what: str, principal: Principal) -> Any:
    return routes.in_scope(row, what, principal, NotFound)
