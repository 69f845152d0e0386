"""Schemathesis over every operation of the running notifications service (real database and
broker): no input gives a server error, every response matches the OpenAPI document, a refusal
never echoes what was sent, and without a token every guarded route answers 401
(`unionfed_devstack.fuzz_checks`). Three callers: a federation admin, a member (their own inbox
and preferences, and every officer route refused), nobody. The live inbox stream never ends by
design and is left out. Examples per operation: `UNIONFED_FUZZ_EXAMPLES`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from inbox_rows import deliver_in_app
from notifications.main import build_app
from notifications.settings import NotificationsSettings
from notifications_testkit import Notifications, new_district
from unionfed_devstack.fuzz_checks import CHECKS
from unionfed_devstack.fuzzing import WITH_TOKEN, WITHOUT_TOKEN, RunningApi, openapi_document, serve_over_http
from unionfed_events import membership as mev

schema = schemathesis.openapi.from_dict(openapi_document(build_app, NotificationsSettings)).exclude(
    path="/me/inbox/stream"
)
MEMBER_TOKEN: dict[str, str] = {}


async def _some_records(svc: Notifications) -> None:
    """A member with a message in their inbox and preferences, an officer's registration and a
    subscription, so lists answer with items to check against the document."""
    district = svc.districts[0]
    branch = await svc.feed.branch(district)
    member = await svc.member(district, branch)
    await deliver_in_app(svc.engine, [str(member)])
    MEMBER_TOKEN.update(svc.member_token(member))
    prefs = {"language": "en", "channels": {"campaign": ["in_app"]}, "campaign_opt_out": False}
    assert (await svc.client.put("/me/preferences", json=prefs, headers=MEMBER_TOKEN)).status_code == 200
    officer = {"email": "officer@example.org", "digest": "daily"}
    assert (await svc.client.put("/officers/me", json=officer, headers=svc.admin)).status_code == 200
    subscription = {
        "district": district,
        "name": "HR system",
        "url": "http://127.0.0.1:8851/hooks",
        "event_types": [mev.MemberJoined.ce_type()],
    }
    assert (await svc.client.post("/webhooks", json=subscription, headers=svc.admin)).status_code == 201


@pytest.fixture(scope="module")
def notifications_api(notifications_service: Callable[[list[str]], Any]) -> Iterator[RunningApi]:
    with serve_over_http(
        lambda: notifications_service([new_district("fz")]), "notifications", _some_records
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
@WITH_TOKEN
def test_no_server_error_with_a_member_token(case: schemathesis.Case, notifications_api: RunningApi) -> None:
    case.call_and_validate(base_url=notifications_api.base_url, headers=MEMBER_TOKEN, checks=CHECKS)


@schema.parametrize()
@WITHOUT_TOKEN
def test_no_token_is_401_and_never_a_server_error(
    case: schemathesis.Case, notifications_api: RunningApi
) -> None:
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.call_and_validate(base_url=notifications_api.base_url, checks=CHECKS)
