"""A member's token (notifications' inbox and preferences) opens nothing in the other services:
their access tables do not list the role, so every route behind them answers 403, whatever the
method. Asked of each app over HTTP with a real signed token; the refusal comes before any
database work, so no server is needed."""

from __future__ import annotations

import importlib
import re
import uuid
from typing import Any

import httpx
import pytest
from unionfed_chassis.access import Permission, route_guards
from unionfed_devstack.services import SERVICES, ServiceSpec
from unionfed_devstack.testing import bearer

OFFICE_SERVICES = [s for s in SERVICES if s.name != "notifications"]
PATH_PARAMETER = re.compile(r"\{[^}]+\}")


def _app(spec: ServiceSpec, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ENVIRONMENT", "development")
    module_name, _, attr = spec.app.partition(":")
    return getattr(importlib.import_module(module_name), attr)


@pytest.mark.parametrize("spec", OFFICE_SERVICES, ids=[s.name for s in OFFICE_SERVICES])
async def test_a_member_token_gets_403_on_every_guarded_route(
    spec: ServiceSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(spec, monkeypatch)
    settings = app.state.runtime.settings
    member = bearer(settings, "member", subject=str(uuid.uuid4()))
    guarded = [r for r, g in route_guards(app).items() if isinstance(g, Permission)]
    assert len(guarded) > 5, f"{spec.name}: the walk found too few guarded routes"
    answers: dict[str, int] = {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client:
        for route in guarded:
            method, path = route.split(" ", 1)
            url = PATH_PARAMETER.sub(str(uuid.uuid4()), path)
            response = await client.request(method, url, headers=member)
            answers[route] = response.status_code
    assert {r: code for r, code in answers.items() if code != 403} == {}
