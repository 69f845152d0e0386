"""Schemathesis over every operation of the running service: no input gives a server error,
and every response matches the OpenAPI document. Examples per operation: `UNIONFED_FUZZ_EXAMPLES`
(few in `make test`, many in `make fuzz`)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from membership.main import build_app
from membership.settings import MembershipSettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

if TYPE_CHECKING:
    from conftest import RunningApi

# The short run (`make test`) is derandomized, so it fails the same way every time; `make fuzz`
# sets the number of examples and draws new ones each run.
LONG_RUN = "UNIONFED_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("UNIONFED_FUZZ_EXAMPLES", "4"))
CHECKS = [not_a_server_error, response_schema_conformance]
WITH_TOKEN = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG_RUN,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# Without a token every officer operation stops at the 401: the short run spends no boundary
# cases (schemathesis' coverage phase, Hypothesis' explicit phase) on that.
WITHOUT_TOKEN = WITH_TOKEN if LONG_RUN else settings(WITH_TOKEN, phases=[Phase.generate])


# The document is the app's own, built without a database or broker (as `unionfed api-docs` does),
# so the tests are generated at collection, one per operation.
_DOCUMENT_ONLY = MembershipSettings(
    environment="development",
    database_url="postgresql+asyncpg://unused/unused",
    kafka_bootstrap_servers="unused:9092",
)
schema = schemathesis.openapi.from_dict(build_app(_DOCUMENT_ONLY).openapi())


@schema.parametrize()
@WITH_TOKEN
def test_no_server_error_with_a_federation_admin_token(
    case: schemathesis.Case, membership_api: RunningApi
) -> None:
    case.call_and_validate(base_url=membership_api.base_url, headers=membership_api.admin, checks=CHECKS)


@schema.parametrize()
@WITHOUT_TOKEN
def test_no_server_error_without_a_token(case: schemathesis.Case, membership_api: RunningApi) -> None:
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.call_and_validate(base_url=membership_api.base_url, checks=CHECKS)
