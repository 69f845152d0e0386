"""The campaigns service behind a real HTTP server, for schemathesis (see unionfed_devstack.fuzzing)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # openapi_walk, beside the tests

from campaign_rows import campaign_row
from campaigns_testkit import Campaigns, new_district
from unionfed_devstack.fuzzing import RunningApi, serve_over_http
from unionfed_events import membership as mev


async def _some_records(svc: Campaigns) -> None:
    """A member (on the hardship registry) and a launched campaign that targets them, so lists
    answer with items to check against the document, not only empty pages."""
    district = svc.districts[0]
    branch = await svc.feed.branch(district, industry="construction")
    member = await svc.member(
        district, branch, industry="construction", employment_type=mev.EmploymentType.MIGRANT, birth_year=1990
    )
    await svc.hardship.register(district, branch, member)
    await campaign_row(svc, owner_district=district, audience=[member], capacity=10)


@pytest.fixture(scope="module")
def campaigns_api(campaigns_service: Callable[[list[str]], Any]) -> Iterator[RunningApi]:
    """The service on `base_url`, and a federation-admin token."""
    with serve_over_http(lambda: campaigns_service([new_district("fz")]), "campaigns", _some_records) as api:
        yield api
