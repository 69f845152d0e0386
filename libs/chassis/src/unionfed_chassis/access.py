"""Who may do what: one table of role × (area, action) per service, and routes that declare
their (area, action) once.

    ACCESS = AccessTable(AREAS, {Role.OPERATOR: read(*AREAS), ...})

    @router.post("/members/{member_id}/leave")
    async def leave(principal: Annotated[Principal, ACCESS.allow("members", WRITE)], ...)

`allow()` verifies the token (401), asks the table (403), records the principal as the actor of
whatever the request changes, and hands the principal to the route, which still checks the
unit it touches (`principal.check(district, branch)` or a handler's required scope).
Fail closed: a role the table does not list may do nothing, an unknown area is an error at
import time, and `unguarded_routes()` lists every route that is neither public nor checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from . import context
from .auth import Principal, Role, ScopeError
from .http import get_principal, public


class Action(StrEnum):
    READ = "read"
    WRITE = "write"


READ, WRITE = Action.READ, Action.WRITE


@dataclass(frozen=True)
class Permission:
    area: str
    action: Action


def read(*areas: str) -> frozenset[Permission]:
    return frozenset(Permission(a, READ) for a in areas)


def write(*areas: str) -> frozenset[Permission]:
    return frozenset(Permission(a, WRITE) for a in areas)


class AccessTable:
    """The one place that says which role may read or write which area of a service."""

    def __init__(self, areas: Iterable[str], grants: Mapping[Role, Iterable[Permission]]) -> None:
        self.areas = frozenset(areas)
        self.grants = {role: frozenset(grants.get(role, ())) for role in Role}
        unknown = {p.area for ps in self.grants.values() for p in ps} - self.areas
        if unknown:
            raise ValueError(f"grants name unknown areas: {', '.join(sorted(unknown))}")

    def allows(self, role: Role, permission: Permission) -> bool:
        return permission in self.grants[role]

    def roles_allowed(self, permission: Permission) -> frozenset[Role]:
        return frozenset(role for role in Role if self.allows(role, permission))

    def allow(self, area: str, action: Action) -> Any:
        """The route dependency: the caller's principal if their role may `action` the `area`."""
        if area not in self.areas:
            raise ValueError(f"unknown area {area!r}; one of {', '.join(sorted(self.areas))}")
        return Depends(Allow(self, Permission(area, action)))


class Allow:
    """Dependency made by `AccessTable.allow`; `unguarded_routes` recognises routes by it."""

    def __init__(self, table: AccessTable, permission: Permission) -> None:
        self.table = table
        self.permission = permission

    async def __call__(self, principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not self.table.allows(principal.role, self.permission):
            raise ScopeError(f"role {principal.role} may not {self.permission.action} {self.permission.area}")
        context.act_for_this_request(context.Actor(principal.subject, principal.role.value))
        return principal


def route_guard(route: APIRoute) -> Permission | str | None:
    """The route's guard: "public", its Permission, or None when it has none or, ambiguously,
    more than one."""
    return _guard(route.dependant)


def route_guards(app: FastAPI) -> dict[str, Permission | str | None]:
    """Every API route of the app as "METHOD /path", with its guard (see `route_guard`)."""
    guards: dict[str, Permission | str | None] = {}
    for route, dependant in _effective_routes(app):
        if isinstance(route, APIRoute):
            guard = _guard(dependant or route.dependant)
            guards.update({f"{method} {route.path}": guard for method in sorted(route.methods or ())})
    return guards


def unguarded_routes(app: FastAPI) -> list[str]:
    """Every route of the app that is neither marked public nor behind an access table."""
    framework = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    holes = [name for name, guard in route_guards(app).items() if guard is None]
    for route, _ in _effective_routes(app):
        path = getattr(route, "path", repr(route))
        if not isinstance(route, APIRoute) and path not in framework:
            holes.append(f"? {path}")  # a mount or plain route: nothing checks it
    return holes


def _effective_routes(app: FastAPI) -> Iterable[tuple[Any, Dependant | None]]:
    """The app's routes with the dependant FastAPI runs for each (included routers add theirs)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before lazily included routers: routes are flat already
        return [(route, None) for route in app.routes]
    return [(ctx.original_route, getattr(ctx, "dependant", None)) for ctx in iter_route_contexts(app.routes)]


def _guard(root: Dependant) -> Permission | str | None:
    found = {_guard_of(d) for d in _dependants(root)} - {None}
    return found.pop() if len(found) == 1 else None


def _guard_of(dependant: Dependant) -> Permission | str | None:
    if dependant.call is public:
        return "public"
    if isinstance(dependant.call, Allow):
        return dependant.call.permission
    return None


def _dependants(root: Dependant) -> Iterable[Dependant]:
    for dependency in root.dependencies:
        yield dependency
        yield from _dependants(dependency)


Scope = Callable[[str | None, str | None], None]
"""Raises ScopeError (403) unless the caller may act on the unit (district, branch); (None, None)
is the federation itself. Every handler that acts for a caller requires one: routes pass
`principal.check`."""


def federation_wide(_district: str | None, _branch: str | None) -> None:
    """The scope of internal callers that act for the whole federation (demo seeds, consumers);
    never a request's."""
