"""Schemathesis over the webhook routes of the running notifications service (real database and
broker): no input gives a server error, every response matches the OpenAPI document, a refusal
never echoes what was sent, and without a token every route answers 401
(`unionfed_devstack.fuzz_checks`). Examples per operation: `UNIONFED_FUZZ_EXAMPLES`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from notifications.main import build_app
from notifications.settings import NotificationsSettings
from notifications_testkit import Notifications, new_district
from unionfed_devstack.fuzz_checks import CHECKS
from unionfed_devstack.fuzzing import WITH_TOKEN, WITHOUT_TOKEN, RunningApi, openapi_document, serve_over_http
from unionfed_events import membership as mev

schema = schemathesis.openapi.from_dict(openapi_document(build_app, NotificationsSettings)).include(
    path_regex="^/webhooks"
)


async def _a_subscription(svc: Notifications) -> None:
    """One subscription, so lists answer with an item to check against the document."""
    payload = {
        "district": svc.districts[0],
        "name": "HR system",
        "url": "http://127.0.0.1:8851/hooks",
        "event_types": [mev.MemberJoined.ce_type()],
    }
    response = await svc.client.post("/webhooks", json=payload, headers=svc.admin)
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def notifications_api(notifications_service: Callable[[list[str]], Any]) -> Iterator[RunningApi]:
    with serve_over_http(
        lambda: notifications_service([new_district("fz")]), "notifications", _a_subscription
    ) as api:
        yield api


@schema.parametrize()
@WITH_TOKEN
def test_no_server_error_with_a_federation_admin_token(
    case: schemathesis.Case, notifications_api: RunningApi
) -> None:
    case.call_and_validate(
        base_url=notifications_api.base_url, headers=notifications_api.admin, checks=CHECKS
    )


@schema.parametrize()
@WITHOUT_TOKEN
def test_no_token_is_401_and_never_a_server_error(
    case: schemathesis.Case, notifications_api: RunningApi
) -> None:
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.call_and_validate(base_url=notifications_api.base_url, checks=CHECKS)
