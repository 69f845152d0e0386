"""The webhook sender over a real socket to a real HTTP receiver (a Starlette app under uvicorn,
started here). The service's dispatcher is off (`dispatch_enabled=False`): `deliver_due` below
sends the pending webhook rows once with `WebhookSender` and records each attempt as the delivery
log expects, so each test sees exactly the attempts it makes (the dispatcher's own tests and the
end-to-end ones run the real loop)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import uvicorn
from notifications.adapters.orm import contents, delivery_attempts, notifications, webhook_subscriptions
from notifications.adapters.webhooks import WebhookSender
from notifications.domain.model import Channel, Outgoing, Rendered, SendResult
from notifications.domain.webhooks import TEST_EVENT_TYPE
from notifications_testkit import Notifications, new_district
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from unionfed_devstack.testing import wait_for
from unionfed_events import membership as mev

JOINED = mev.MemberJoined.ce_type()


@dataclass
class Receiver:
    base: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # status codes to answer in turn, then 200


@contextlib.asynccontextmanager
async def http_receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver("")

    async def hooks(request: Request) -> Response:
        receiver.received.append((dict(request.headers), await request.body()))
        return Response(status_code=receiver.answers.pop(0) if receiver.answers else 200)

    app = Starlette(routes=[Route("/hooks", hooks, methods=["POST"])])
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await wait_for(lambda: server.started, timeout=10)
    port = server.servers[0].sockets[0].getsockname()[1]
    receiver.base = f"http://127.0.0.1:{port}"
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def webhook_sender(svc: Notifications, **settings: Any) -> AsyncIterator[WebhookSender]:
    runtime = svc.app.state.runtime
    sender = WebhookSender(
        runtime.session_factory, svc.app.state.contact_keyring, svc.settings.model_copy(update=settings)
    )
    try:
        yield sender
    finally:
        await sender.aclose()


async def deliver_due(svc: Notifications, sender: WebhookSender) -> list[SendResult]:
    """Send every pending webhook row once and log the attempt (what the dispatcher does)."""
    async with svc.engine.connect() as conn:
        query = (
            sa.select(notifications, contents.c.caused_type, contents.c.params)
            .join(contents, contents.c.content_id == notifications.c.content_id)
            .where(notifications.c.channel == "webhook", notifications.c.status == "pending")
        )
        rows = list((await conn.execute(query)).all())
    results = []
    for row in rows:
        attempt = row.attempts + 1
        rendered = Rendered(subject=row.caused_type, text=row.params["body"], html="")
        started = time.monotonic()
        result = await sender.send(
            Outgoing(row.notification_id, Channel.WEBHOOK, row.recipient_id, rendered, attempt)
        )
        status = "delivered" if result.delivered else "pending" if result.retryable else "failed"
        async with svc.engine.begin() as conn:
            await conn.execute(
                delivery_attempts.insert().values(
                    notification_id=row.notification_id,
                    attempt=attempt,
                    channel="webhook",
                    provider=result.provider,
                    subscription_id=uuid.UUID(row.recipient_id),
                    outcome="delivered" if result.delivered else "failed",
                    status_code=result.status_code,
                    error=result.error,
                    duration_ms=int((time.monotonic() - started) * 1000),
                )
            )
            await conn.execute(
                notifications.update()
                .where(notifications.c.notification_id == row.notification_id)
                .values(attempts=attempt, status=status, last_error=result.error)
            )
        results.append(result)
    return results


async def register(svc: Notifications, district: str, url: str, types: list[str]) -> dict[str, Any]:
    payload = {"district": district, "name": "HR system", "url": url, "event_types": types}
    response = await svc.client.post("/webhooks", json=payload, headers=svc.district_officer(district))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def pending_for(svc: Notifications, subscription_id: str) -> int:
    async with svc.engine.connect() as conn:
        query = sa.select(sa.func.count()).where(
            notifications.c.recipient_id == subscription_id, notifications.c.status == "pending"
        )
        return int((await conn.execute(query)).scalar_one())


async def test_an_endpoint_failing_twice_gets_the_event_once_signed(notifications_service) -> None:
    district = new_district()
    async with (
        notifications_service([district], dispatch_enabled=False) as svc,
        http_receiver() as receiver,
        webhook_sender(svc) as sender,
    ):
        hook = await register(svc, district, f"{receiver.base}/hooks?token=abc", [JOINED])
        sid = hook["subscription_id"]
        receiver.answers += [503, 503]
        branch = await svc.feed.branch(district)
        member_id = await svc.member(district, branch)
        await wait_for(lambda: pending_for(svc, sid), timeout=30)

        outcomes = [await deliver_due(svc, sender) for _ in range(4)]
        assert [[r.status_code for r in o] for o in outcomes] == [[503], [503], [200], []]
        assert [o[0].retryable for o in outcomes[:2]] == [True, True]

        assert len(receiver.received) == 3
        ids = {headers["webhook-id"] for headers, _ in receiver.received}
        assert len(ids) == 1  # the same message id on every retry: the receiver can drop repeats
        for headers, body in receiver.received:
            assert headers["content-type"] == "application/json"
            event = Webhook(hook["secret"]).verify(body, headers)
            assert event["type"] == JOINED and event["data"]["member_id"] == str(member_id)
        with pytest.raises(WebhookVerificationError):
            Webhook(hook["secret"]).verify(receiver.received[0][1] + b" ", receiver.received[0][0])

        log = await svc.client.get(f"/webhooks/{sid}/deliveries", headers=svc.district_officer(district))
        assert log.status_code == 200
        attempts = log.json()
        assert [(a["attempt"], a["status_code"], a["outcome"]) for a in attempts] == [
            (3, 200, "delivered"),
            (2, 503, "failed"),
            (1, 503, "failed"),
        ]
        assert {a["event_type"] for a in attempts} == {JOINED}
        assert {a["notification_id"] for a in attempts} == ids
        assert attempts[1]["error"] == "HTTP 503"


async def test_after_a_rotation_both_secrets_verify_until_the_overlap_ends(notifications_service) -> None:
    district = new_district()
    async with (
        notifications_service([district], dispatch_enabled=False) as svc,
        http_receiver() as receiver,
        webhook_sender(svc) as sender,
    ):
        officer = svc.district_officer(district)
        hook = await register(svc, district, f"{receiver.base}/hooks", [JOINED])
        sid, old = hook["subscription_id"], hook["secret"]
        new = (await svc.client.post(f"/webhooks/{sid}/rotate-secret", headers=officer)).json()["secret"]

        sent = await svc.client.post(f"/webhooks/{sid}/test", headers=officer)
        assert sent.status_code == 202
        [result] = await deliver_due(svc, sender)
        assert result.delivered
        headers, body = receiver.received[-1]
        assert headers["webhook-id"] == sent.json()["notification_id"]
        assert len(headers["webhook-signature"].split(" ")) == 2
        assert Webhook(new).verify(body, headers)["type"] == TEST_EVENT_TYPE
        assert Webhook(old).verify(body, headers)["id"] == sent.json()["event_id"]

        async with svc.engine.begin() as conn:
            await conn.execute(
                webhook_subscriptions.update()
                .where(webhook_subscriptions.c.subscription_id == uuid.UUID(sid))
                .values(previous_valid_until=datetime.now(UTC) - timedelta(seconds=1))
            )
        assert (await svc.client.post(f"/webhooks/{sid}/test", headers=officer)).status_code == 202
        [result] = await deliver_due(svc, sender)
        headers, body = receiver.received[-1]
        assert Webhook(new).verify(body, headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(old).verify(body, headers)


async def test_410_gone_deactivates_the_subscription(notifications_service) -> None:
    district = new_district()
    async with (
        notifications_service([district], dispatch_enabled=False) as svc,
        http_receiver() as receiver,
        webhook_sender(svc) as sender,
    ):
        officer = svc.district_officer(district)
        hook = await register(svc, district, f"{receiver.base}/hooks", [JOINED])
        sid = hook["subscription_id"]
        receiver.answers.append(410)
        assert (await svc.client.post(f"/webhooks/{sid}/test", headers=officer)).status_code == 202
        [result] = await deliver_due(svc, sender)
        assert (result.delivered, result.retryable, result.status_code) == (False, False, 410)
        assert (await svc.client.get(f"/webhooks/{sid}", headers=officer)).json()["active"] is False
        assert await deliver_due(svc, sender) == []
        assert (await svc.client.post(f"/webhooks/{sid}/test", headers=officer)).status_code == 422

        # Reactivated, it is planned and delivered to again.
        assert (
            await svc.client.patch(f"/webhooks/{sid}", json={"active": True}, headers=officer)
        ).status_code == 200
        assert (await svc.client.post(f"/webhooks/{sid}/test", headers=officer)).status_code == 202
        [result] = await deliver_due(svc, sender)
        assert result.delivered and len(receiver.received) == 2


async def test_refused_addresses_and_network_errors(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district], dispatch_enabled=False) as svc, http_receiver() as receiver:
        officer = svc.district_officer(district)
        hook = await register(svc, district, f"{receiver.base}/hooks", [JOINED])
        sid = hook["subscription_id"]
        assert (await svc.client.post(f"/webhooks/{sid}/test", headers=officer)).status_code == 202

        async with webhook_sender(svc, webhook_allow_private=False) as strict:
            [result] = await deliver_due(svc, strict)
        assert not result.delivered and not result.retryable and "refused" in (result.error or "")
        assert receiver.received == []

        async def point_at(url: str) -> None:
            async with svc.engine.begin() as conn:  # the API would refuse these URLs: set them directly
                await conn.execute(
                    webhook_subscriptions.update()
                    .where(webhook_subscriptions.c.subscription_id == uuid.UUID(sid))
                    .values(url=url)
                )
            await svc.client.post(f"/webhooks/{sid}/test", headers=officer)

        await point_at("http://169.254.169.254/latest/meta-data?token=abc")
        async with webhook_sender(svc) as sender:
            [result] = await deliver_due(svc, sender)
        assert not result.delivered and not result.retryable and "token" not in (result.error or "")

        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            closed_port = unused.getsockname()[1]
        await point_at(f"http://127.0.0.1:{closed_port}/hooks?token=abc")
        async with webhook_sender(svc) as sender:
            [result] = await deliver_due(svc, sender)
        assert not result.delivered and result.retryable and result.status_code is None
        assert result.error and "token" not in result.error and "abc" not in result.error

        rendered = Rendered(subject="x", text="{}", html="")
        async with webhook_sender(svc) as sender:
            for address in ("not-a-subscription", str(uuid.uuid4())):
                result = await sender.send(Outgoing(uuid.uuid4(), Channel.WEBHOOK, address, rendered, 1))
                assert (result.delivered, result.retryable) == (False, False)


async def test_secrets_never_reach_the_logs(notifications_service, caplog: pytest.LogCaptureFixture) -> None:
    district = new_district()
    caplog.set_level(logging.DEBUG)
    async with (
        notifications_service([district], dispatch_enabled=False) as svc,
        http_receiver() as receiver,
        webhook_sender(svc) as sender,
    ):
        officer = svc.district_officer(district)
        hook = await register(svc, district, f"{receiver.base}/hooks", [JOINED])
        sid = hook["subscription_id"]
        rotated = (await svc.client.post(f"/webhooks/{sid}/rotate-secret", headers=officer)).json()["secret"]
        await svc.client.post(f"/webhooks/{sid}/test", headers=officer)
        receiver.answers.append(500)
        await deliver_due(svc, sender)
        await deliver_due(svc, sender)
        await svc.client.get(f"/webhooks/{sid}/deliveries", headers=officer)
        assert len(receiver.received) == 2
    assert caplog.records  # the capture saw the service's logging at all
    for secret in (hook["secret"], rotated):
        assert secret.removeprefix("whsec_") not in caplog.text
