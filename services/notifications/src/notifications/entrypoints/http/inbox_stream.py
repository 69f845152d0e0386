"""The live inbox as server-sent events: the unread count on connect, then each new in-app
message as it arrives, woken by the replica's `InboxListener`.

Which messages are new: those in the inbox created within the last `LOOKBACK` that this stream
has not sent (or did not find at connect). A cursor on `created_at` alone would miss a row whose
transaction started before the cursor and committed after it (`created_at` is the transaction's
start); the look-back covers transactions up to that long. The stream holds no database
connection between looks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import anyio
import sqlalchemy as sa
from sse_starlette import ServerSentEvent
from unionfed_chassis.runtime import Runtime

from notifications.adapters import inbox_queries as q
from notifications.adapters.inbox_listener import InboxListener
from notifications.domain.model import RecipientKind
from notifications.entrypoints.http._inbox_view import render_items

HEARTBEAT_SECONDS = 15
# How long a generator may take to return after the server starts shutting down.
SHUTDOWN_GRACE_SECONDS = 2.0
# A notification missed while the listener reconnects is made up for this late at the latest.
RECHECK_SECONDS = 30.0
LOOKBACK = timedelta(minutes=5)
BATCH = 100


async def inbox_events(
    runtime: Runtime,
    listener: InboxListener,
    kind: RecipientKind,
    recipient_id: str,
    shutdown: anyio.Event,
) -> AsyncIterator[ServerSentEvent]:
    """The stream's events until the server shuts down (sse-starlette sets `shutdown`; the
    generator then returns, so the response ends with a proper last chunk) or the client goes
    away (sse-starlette cancels the generator)."""
    with listener.subscribe(recipient_id) as wake:
        async with runtime.unit_of_work(read_only=True) as uow:
            now = await _now(uow.session)
            seen = dict(await q.ids_since(uow.session, kind, recipient_id, now - LOOKBACK))
            unread = await q.unread_count(uow.session, kind, recipient_id)
        yield _unread(unread)
        while not (listener.closed or shutdown.is_set()):
            await _first_of(wake, shutdown, RECHECK_SECONDS)
            wake.clear()
            if listener.closed or shutdown.is_set():
                break
            async with runtime.unit_of_work(read_only=True) as uow:
                now = await _now(uow.session)
                since = now - LOOKBACK
                seen = {i: at for i, at in seen.items() if at >= since}
                rows = await q.created_since(uow.session, kind, recipient_id, since, list(seen), BATCH)
                if not rows:
                    continue
                items = await render_items(uow.session, kind, recipient_id, rows)
                unread = await q.unread_count(uow.session, kind, recipient_id)
            if len(rows) == BATCH:
                wake.set()  # more than a batch arrived: the next look takes the rest
            for row, item in zip(rows, items, strict=True):
                seen[row.notification_id] = row.created_at
                yield ServerSentEvent(
                    data=item.model_dump_json(), event="notification", id=str(item.notification_id)
                )
            yield _unread(unread)


async def _first_of(wake: asyncio.Event, shutdown: anyio.Event, at_most: float) -> None:
    """Wait until `wake` or `shutdown` is set, `at_most` seconds."""
    with anyio.move_on_after(at_most):
        async with anyio.create_task_group() as group:

            async def until(event: asyncio.Event | anyio.Event) -> None:
                await event.wait()
                group.cancel_scope.cancel()

            group.start_soon(until, wake)
            group.start_soon(until, shutdown)


async def _now(session: Any) -> datetime:
    now: datetime = await session.scalar(sa.select(sa.func.now()))
    return now


def _unread(count: int) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps({"unread": count}), event="unread")
