"""Fail closed across the platform: every route of every service `unionfed run` starts is either
marked public or behind its service's access table. A new service is walked as soon as it is
listed in `unionfed_devstack.services.SERVICES`; the chassis tests prove the walk finds holes."""

from __future__ import annotations

import importlib

import pytest
from unionfed_chassis.access import unguarded_routes
from unionfed_devstack.services import SERVICES


@pytest.mark.parametrize("spec", SERVICES, ids=[s.name for s in SERVICES])
def test_every_route_is_public_or_checked(spec, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ENVIRONMENT", "development")  # building the app reads its settings
    module_name, _, attr = spec.app.partition(":")
    app = getattr(importlib.import_module(module_name), attr)
    assert unguarded_routes(app) == []
