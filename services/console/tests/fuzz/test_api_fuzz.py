"""Schemathesis over every operation of the console's OpenAPI document (real database, broker and
index): no input gives a server error, every response matches the document, a refusal never
echoes what was sent, and without a token every guarded route answers 401
(`unionfed_devstack.fuzz_checks`). Three callers: an operator (everything), a district officer
(their district's data; outbox refused), nobody. Written over the whole document, so routes
other pages add are fuzzed as they come; the live stream never ends by design and is left out.
The services the console calls are unreachable here: retries reach no one's outbox.
Examples per operation: `UNIONFED_FUZZ_EXAMPLES`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from console.main import build_app
from console.settings import ConsoleSettings
from console_testkit import Console, new_district
from unionfed_devstack._util import free_port
from unionfed_devstack.fuzz_checks import CHECKS
from unionfed_devstack.fuzzing import WITH_TOKEN, WITHOUT_TOKEN, RunningApi, openapi_document, serve_over_http
from unionfed_devstack.testing import wait_for

STREAMS = ("/api/events/stream",)  # server-sent events: an answer that never ends
schema = schemathesis.openapi.from_dict(openapi_document(build_app, ConsoleSettings))
for path in STREAMS:
    schema = schema.exclude(path=path)
DISTRICT = new_district("fz")
TOKENS: dict[str, dict[str, str]] = {}


async def _some_records(console: Console) -> None:
    """A member who joined, indexed, so lists and samples answer with items to check."""
    TOKENS.update(operator=console.operator, officer=console.district_officer(DISTRICT))
    branch = await console.feed.branch(DISTRICT)
    await console.feed.join(DISTRICT, branch)

    async def indexed() -> bool:
        body = (await console.client.get("/api/contracts", headers=console.operator)).json()
        return bool(body["contracts"])

    await wait_for(indexed, timeout=30)


@pytest.fixture(scope="module")
def console_api(console_service: Callable[..., Any]) -> Iterator[RunningApi]:
    nowhere = {"membership": f"http://127.0.0.1:{free_port()}"}
    with serve_over_http(
        lambda: console_service(districts=[DISTRICT], services=nowhere, lag_sample_seconds=1.0),
        "console",
        _some_records,
    ) as api:
        yield api


@schema.parametrize()
@WITH_TOKEN
def test_no_server_error_with_an_operator_token(case: schemathesis.Case, console_api: RunningApi) -> None:
    case.call_and_validate(base_url=console_api.base_url, headers=TOKENS["operator"], checks=CHECKS)


@schema.parametrize()
@WITH_TOKEN
def test_no_server_error_with_a_district_officer_token(
    case: schemathesis.Case, console_api: RunningApi
) -> None:
    case.call_and_validate(base_url=console_api.base_url, headers=TOKENS["officer"], checks=CHECKS)


@schema.parametrize()
@WITHOUT_TOKEN
def test_no_token_is_401_and_never_a_server_error(case: schemathesis.Case, console_api: RunningApi) -> None:
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.call_and_validate(base_url=console_api.base_url, checks=CHECKS)
