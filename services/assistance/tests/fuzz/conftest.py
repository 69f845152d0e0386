"""The assistance service behind a real HTTP server, for schemathesis (see unionfed_devstack.fuzzing)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from assistance_testkit import Assistance, new_district
from unionfed_devstack.fuzzing import RunningApi, serve_over_http


async def _some_records(svc: Assistance) -> None:
    """A member, a fund and a case, so lists and balances answer with items to check against
    the document, not only empty pages."""
    district = svc.districts[0]
    branch = await svc.feed.branch(district)
    member = await svc.member(district, branch)
    await svc.allocate(district, "medical", "5000.00")
    r = await svc.apply(member, "medical", "300.00", svc.admin)
    assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
def assistance_api(assistance_service: Callable[[list[str]], Any]) -> Iterator[RunningApi]:
    """The service on `base_url`, and a federation-admin token."""
    with serve_over_http(
        lambda: assistance_service([new_district("fz")]), "assistance", _some_records
    ) as api:
        yield api
