"""The access mechanism itself: the table decides, and the route walk finds every route that is
neither public nor checked (so the walk over real services can be trusted)."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI
from unionfed_chassis.access import (
    READ,
    WRITE,
    AccessTable,
    Permission,
    read,
    route_guard,
    unguarded_routes,
    write,
)
from unionfed_chassis.auth import Principal, Role
from unionfed_chassis.http import Public, get_principal

TABLE = AccessTable(
    ["things"], {Role.FEDERATION_ADMIN: read("things") | write("things"), Role.OPERATOR: read("things")}
)


def test_the_table_decides_and_a_role_it_does_not_list_may_do_nothing() -> None:
    assert TABLE.allows(Role.OPERATOR, Permission("things", READ))
    assert not TABLE.allows(Role.OPERATOR, Permission("things", WRITE))
    assert not TABLE.allows(Role.BRANCH_OFFICER, Permission("things", READ))
    assert TABLE.roles_allowed(Permission("things", WRITE)) == {Role.FEDERATION_ADMIN}
    with pytest.raises(ValueError, match="unknown area"):
        TABLE.allow("stuff", READ)
    with pytest.raises(ValueError, match="unknown areas: stuff"):
        AccessTable(["things"], {Role.OPERATOR: read("stuff")})


def test_the_route_walk_finds_routes_that_are_neither_public_nor_checked() -> None:
    router = APIRouter()

    @router.get("/public", dependencies=[Public])
    async def open_route() -> None: ...

    @router.get("/checked")
    async def checked(principal: Annotated[Principal, TABLE.allow("things", READ)]) -> None: ...

    @router.post("/checked-by-router-dependency", dependencies=[TABLE.allow("things", WRITE)])
    async def checked_too() -> None: ...

    @router.get("/forgotten")
    async def forgotten() -> None: ...

    @router.get("/identity-but-no-decision")
    async def identity_only(principal: Annotated[Principal, Depends(get_principal)]) -> None: ...

    @router.get("/both", dependencies=[Public])
    async def both(principal: Annotated[Principal, TABLE.allow("things", READ)]) -> None: ...

    guarded_by_include = APIRouter()

    @guarded_by_include.get("/included")
    async def included() -> None: ...

    app = FastAPI()
    app.include_router(router)
    app.include_router(guarded_by_include, dependencies=[TABLE.allow("things", READ)])
    app.mount("/static", FastAPI())

    assert unguarded_routes(app) == [
        "GET /forgotten",
        "GET /identity-but-no-decision",
        "GET /both",
        "? /static",
    ]
    guards = {r.path: route_guard(r) for r in router.routes}  # type: ignore[attr-defined]
    assert guards["/public"] == "public"
    assert guards["/checked"] == Permission("things", READ)
    assert guards["/checked-by-router-dependency"] == Permission("things", WRITE)


def test_events_name_the_actor_of_the_context_else_the_service_itself(make_event) -> None:  # type: ignore[no-untyped-def]
    from unionfed_chassis.context import Actor, acting_as
    from unionfed_chassis.db import UnitOfWork

    uow = UnitOfWork(None, source="/unionfed/test", domain="membership")  # type: ignore[arg-type]  # emit only stages
    on_its_own = uow.emit(make_event("b1", "d1"), district="d1")
    with acting_as(Actor("/branch-system/acme", "branch_system")):
        for_a_branch_system = uow.emit(make_event("b2", "d1"), district="d1")
    after = uow.emit(make_event("b3", "d1"), district="d1")
    assert (on_its_own.actor, on_its_own.actorrole) == ("/unionfed/test", "service")
    assert (for_a_branch_system.actor, for_a_branch_system.actorrole) == (
        "/branch-system/acme",
        "branch_system",
    )
    assert (after.actor, after.actorrole) == ("/unionfed/test", "service")
    headers = dict(for_a_branch_system.headers())
    assert headers["ce_actor"] == b"/branch-system/acme" and headers["ce_actorrole"] == b"branch_system"
