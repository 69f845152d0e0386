"""Schemathesis over every operation of the running membership service: no input gives a server
error, every response matches the OpenAPI document, a refusal (4xx) never echoes what was sent,
and without a token an officer's operation answers 401 (`unionfed_devstack.fuzz_checks`).
Examples per operation: `UNIONFED_FUZZ_EXAMPLES` (few in `make test`, many in `make fuzz`)."""

from __future__ import annotations

import schemathesis
from membership.main import build_app
from membership.settings import MembershipSettings
from unionfed_devstack.fuzz_checks import CHECKS
from unionfed_devstack.fuzzing import WITH_TOKEN, WITHOUT_TOKEN, RunningApi, openapi_document

schema = schemathesis.openapi.from_dict(openapi_document(build_app, MembershipSettings))


@schema.parametrize()
@WITH_TOKEN
def test_no_server_error_with_a_federation_admin_token(
    case: schemathesis.Case, membership_api: RunningApi
) -> None:
    case.call_and_validate(base_url=membership_api.base_url, headers=membership_api.admin, checks=CHECKS)


@schema.parametrize()
@WITHOUT_TOKEN
def test_no_token_is_401_and_never_a_server_error(
    case: schemathesis.Case, membership_api: RunningApi
) -> None:
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.call_and_validate(base_url=membership_api.base_url, checks=CHECKS)
