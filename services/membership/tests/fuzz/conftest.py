"""The membership service behind a real HTTP server, for schemathesis (see unionfed_devstack.fuzzing)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from membership_testkit import new_district
from unionfed_devstack.fuzzing import RunningApi, serve_over_http


@pytest.fixture(scope="module")
def membership_api(membership_service: Callable[[list[str]], Any]) -> Iterator[RunningApi]:
    """The service on `base_url`, and a federation-admin token."""
    with serve_over_http(lambda: membership_service([new_district("fz")]), "membership") as api:
        yield api
