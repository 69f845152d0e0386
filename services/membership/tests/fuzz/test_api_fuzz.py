"""Schemathesis over every operation of the running service: no input gives a server error,
and every response matches the OpenAPI document. Examples per operation: `UNIONFED_FUZZ_EXAMPLES`
(few in `make test`, many in `make fuzz`)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import schemathesis
from hypothesis import HealthCheck, settings
from membership.main import build_app
from membership.settings import MembershipSettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

if TYPE_CHECKING:
    from conftest import RunningApi

EXAMPLES = int(os.environ.get("UNIONFED_FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, response_schema_conformance]
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


# The document is the app's own, built without a database or broker (as `unionfed api-docs` does),
# so the tests are generated at collection, one per operation.
_DOCUMENT_ONLY = MembershipSettings(
    environment="test",
    database_url="postgresql+asyncpg://unused/unused",
    kafka_bootstrap_servers="unused:9092",
)
schema = schemathesis.openapi.from_dict(build_app(_DOCUMENT_ONLY).openapi())


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_server_error_with_a_federation_admin_token(
    case: schemathesis.Case, membership_api: RunningApi
) -> None:
    case.call_and_validate(base_url=membership_api.base_url, headers=membership_api.admin, checks=CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_server_error_without_a_token(case: schemathesis.Case, membership_api: RunningApi) -> None:
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.call_and_validate(base_url=membership_api.base_url, checks=CHECKS)
