"""Fail closed across the platform: every route of every service `unionfed run` starts is either
marked public or behind its service's access table. A new service is walked as soon as it is
listed in `unionfed_devstack.services.SERVICES`; the chassis tests prove the walk finds holes.
Beyond that: a route that changes state asks for WRITE, and the only public routes are the
platform's own (health, metrics, AsyncAPI) and those a service lists here on purpose."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from unionfed_chassis.access import WRITE, Permission, route_guards, unguarded_routes
from unionfed_devstack.services import SERVICES, ServiceSpec

PLATFORM_PUBLIC = {
    "GET /health/live",
    "GET /health/ready",
    "GET /metrics",
    "GET /asyncapi.json",
    "GET /asyncapi",
}
# Routes open without a token by design; every other service (assistance: officers only) has none.
PUBLIC_BY_DESIGN = {
    "membership": {"POST /applications", "POST /applications/{application_id}/verify"},
    # The console's sign-in form and its own script and style files.
    "console": {"GET /login", "POST /login", "POST /logout", "GET /static/{name}"},
}
READING = {"GET", "HEAD", "OPTIONS"}


def _app(spec: ServiceSpec, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ENVIRONMENT", "development")  # building the app reads its settings
    module_name, _, attr = spec.app.partition(":")
    return getattr(importlib.import_module(module_name), attr)


@pytest.mark.parametrize("spec", SERVICES, ids=[s.name for s in SERVICES])
def test_every_route_is_public_or_checked(spec: ServiceSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    assert unguarded_routes(_app(spec, monkeypatch)) == []


@pytest.mark.parametrize("spec", SERVICES, ids=[s.name for s in SERVICES])
def test_routes_that_change_state_ask_for_write(spec: ServiceSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    guards = route_guards(_app(spec, monkeypatch))
    checked = {route: g for route, g in guards.items() if isinstance(g, Permission)}
    assert checked, f"{spec.name}: no route behind its access table (the walk found nothing)"
    readers_may_change = [
        route for route, g in checked.items() if route.split()[0] not in READING and g.action != WRITE
    ]
    assert readers_may_change == []


@pytest.mark.parametrize("spec", SERVICES, ids=[s.name for s in SERVICES])
def test_only_the_listed_routes_are_public(spec: ServiceSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    guards = route_guards(_app(spec, monkeypatch))
    public = {route for route, g in guards.items() if g == "public"}
    assert public - PLATFORM_PUBLIC == PUBLIC_BY_DESIGN.get(spec.name, set())
