"""E-mail throughput of the notifications dispatcher into the local SMTP server, against aiosmtplib
sending the same messages over the same connection settings directly.

2,000 pending e-mail rows (members in the view, sealed contact points, one welcome content) in a
migrated notifications database; the dispatcher runs rounds until none is due: claim under a lease,
open each contact, render, send over a pool of SMTP connections, record the attempt, the row's new
state and a `NotificationDelivered` in the outbox. The baseline sends the same 2,000 rendered
messages (built as the same MIME messages, in the timed part) with the same number of persistent
aiosmtplib connections and nothing else: the floor of this SMTP server on this machine. Both send into one in-process aiosmtpd server (the devstack
mailbox), which is part of both figures. Rate limits are set out of the way; the ratio is what
claiming, contacts, rendering and recording cost. Figures printed, nothing asserted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING

import aiosmtplib
import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine
from unionfed_chassis.contact_seal import (
    DEV_KEY_ID,
    ContactKeyring,
    ContactPoints,
    dev_private_key,
    dev_public_key,
    seal,
)
from unionfed_chassis.db import UnitOfWork, make_session_factory
from unionfed_devstack.mailbox import Mailbox

from .common import Result, rate, step
from .servers import Servers, asyncpg_dsn, fresh_database

if TYPE_CHECKING:
    from notifications.adapters.email import SmtpProvider
    from notifications.adapters.templates import Renderer
    from notifications.domain.model import Outgoing

MESSAGES = 2_000
CONNECTIONS = 8  # SMTP connections, and messages in flight, on both sides
BATCH = 200
PARAMS = {"branch_name": "示例工会", "card_number": "T-000001"}


async def run(srv: Servers) -> Result:
    from notifications.adapters.email import SmtpProvider
    from notifications.adapters.failover import FailoverSender
    from notifications.domain.delivery import RetryPolicy
    from notifications.domain.model import Channel
    from notifications.handlers.dispatch import Dispatcher
    from notifications.settings import MIGRATIONS
    from unionfed_chassis.db import run_migrations

    result = Result(f"notifications_email: {MESSAGES:,} e-mails into the local SMTP server", [])
    url = await fresh_database(srv, "notifications_email", chassis_tables=False)
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    with step(f"writing {MESSAGES:,} members, sealed contact points and pending e-mails"):
        await _fill(asyncpg_dsn(url))
    engine = create_async_engine(url, pool_size=4, max_overflow=0)
    sessions = make_session_factory(engine)

    @contextlib.asynccontextmanager
    async def unit_of_work() -> AsyncIterator[UnitOfWork]:
        async with sessions() as session:
            yield UnitOfWork(session, source="bench", domain="notifications")

    with Mailbox() as box:
        provider = SmtpProvider(box.url, "unionfed <noreply@unionfed.local>", pool_size=CONNECTIONS)
        dispatcher = Dispatcher(
            unit_of_work,
            ContactKeyring({DEV_KEY_ID: dev_private_key()}),
            {Channel.EMAIL: FailoverSender(Channel.EMAIL, [provider], 3, 30)},
            RetryPolicy(),
            {Channel.EMAIL: 1e9},
            batch_size=BATCH,
            concurrency=CONNECTIONS,
            lease=timedelta(minutes=5),
            poll_seconds=1,
        )
        with step("dispatching"):
            started = time.perf_counter()
            delivered = 0
            while (round_ := await dispatcher.run_round()).full or round_.delivered:
                delivered += round_.delivered
            service_s = time.perf_counter() - started
        await dispatcher.close()
        received = len(box.messages())
        box.clear()
        messages = _outgoing(dispatcher.renderer)
        with step("baseline: aiosmtplib directly"):
            started = time.perf_counter()
            await _baseline(provider, messages)
            floor_s = time.perf_counter() - started
        baseline_received = len(box.messages())
    await engine.dispose()

    service_rate, floor_rate = rate(delivered, service_s), rate(len(messages), floor_s)
    result.add("dispatcher", service_rate, "e-mails/s", f"{delivered:,} delivered, {received:,} received")
    result.add("aiosmtplib directly", floor_rate, "e-mails/s", f"{baseline_received:,} received")
    result.add("ratio dispatcher / direct", service_rate / floor_rate, "", f"{CONNECTIONS} connections each")
    return result


def _outgoing(renderer: Renderer) -> list[Outgoing]:
    """The same messages the dispatcher sent, rendered the same way (the baseline's input)."""
    from notifications.domain.model import Channel, Outgoing

    rendered = renderer.render("welcome", "zh", {**PARAMS, "name": "李四"})
    return [Outgoing(uuid.uuid4(), Channel.EMAIL, f"m{i}@example.org", rendered, 1) for i in range(MESSAGES)]


async def _baseline(provider: SmtpProvider, messages: list[Outgoing]) -> None:
    """Each worker builds its message (the same MIME message the provider builds) and sends it."""
    queue: asyncio.Queue[Outgoing] = asyncio.Queue()
    for m in messages:
        queue.put_nowait(m)

    async def worker() -> None:
        client: aiosmtplib.SMTP = provider.client()
        await client.connect()
        try:
            while not queue.empty():
                await client.send_message(provider.message(queue.get_nowait()))
        finally:
            await client.quit()

    await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))


async def _fill(dsn: str) -> None:
    public = dev_public_key()
    members = [(uuid.uuid4(), f"m{i}@example.org") for i in range(MESSAGES)]
    content_id, caused_by = uuid.uuid4(), uuid.uuid4()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "members",
            columns=["member_id", "name", "branch_id", "district", "status", "version"],
            records=[(m, "李四", "xuhui-b1", "xuhui", "active", 1) for m, _ in members],
        )
        await conn.copy_records_to_table(
            "contact_points",
            columns=["member_id", "district", "branch_id", "key_id", "sealed", "has_phone", "has_email"],
            records=[
                (m, "xuhui", "xuhui-b1", DEV_KEY_ID, seal(public, ContactPoints(None, e)), False, True)
                for m, e in members
            ],
        )
        await conn.execute(
            "INSERT INTO contents (content_id, caused_by, caused_type, template, category, critical, district, params)"
            " VALUES ($1, $2, 'MemberJoined', 'welcome', 'account', false, 'xuhui', $3::jsonb)",
            content_id,
            caused_by,
            json.dumps(PARAMS),
        )
        await conn.copy_records_to_table(
            "notifications",
            columns=[
                "notification_id",
                "content_id",
                "caused_by",
                "recipient_kind",
                "recipient_id",
                "channel",
                "status",
                "priority",
            ],
            records=[
                (uuid.uuid4(), content_id, caused_by, "member", str(m), "email", "pending", 1)
                for m, _ in members
            ],
        )
    finally:
        await conn.close()
