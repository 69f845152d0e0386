"""Schemathesis over every operation of the running service: no input gives a server error,
and every response matches the OpenAPI document. Examples per operation: `UNIONFED_FUZZ_EXAMPLES`
(few in `make test`, many in `make fuzz`)."""

from __future__ import annotations

import schemathesis
from membership.main import build_app
from membership.settings import MembershipSettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from unionfed_devstack.fuzzing import WITH_TOKEN, WITHOUT_TOKEN, RunningApi, openapi_document

CHECKS = [not_a_server_error, response_schema_conformance]
schema = schemathesis.openapi.from_dict(openapi_document(build_app, MembershipSettings))


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
