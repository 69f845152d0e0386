"""Schemathesis over every operation of the running assistance service: no input gives a server
error, every response matches the OpenAPI document, a refusal (4xx) never echoes what was sent,
and without a token an officer's operation answers 401 (`unionfed_devstack.fuzz_checks`).
Examples per operation: `UNIONFED_FUZZ_EXAMPLES` (few in `make test`, many in `make fuzz`)."""

from __future__ import annotations

import schemathesis
from assistance.main import build_app
from assistance.settings import AssistanceSettings
from unionfed_devstack.fuzz_checks import CHECKS
from unionfed_devstack.fuzzing import WITH_TOKEN, WITHOUT_TOKEN, RunningApi, openapi_document

schema = schemathesis.openapi.from_dict(openapi_document(build_app, AssistanceSettings))


@schema.parametrize()
@WITH_TOKEN
def test_no_server_error_with_a_federation_admin_token(
    case: schemathesis.Case, assistance_api: RunningApi
) -> None:
    case.call_and_validate(base_url=assistance_api.base_url, headers=assistance_api.admin, checks=CHECKS)


@schema.parametrize()
@WITHOUT_TOKEN
def test_no_token_is_401_and_never_a_server_error(
    case: schemathesis.Case, assistance_api: RunningApi
) -> None:
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.call_and_validate(base_url=assistance_api.base_url, checks=CHECKS)
