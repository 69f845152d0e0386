"""The live inbox (server-sent events) against a real uvicorn server of the app: the unread
count on connect, then each new in-app message of this reader as another transaction commits it,
woken through the NOTIFY trigger and the replica's LISTEN connection; the `*` path of a large
fan-out; a lost LISTEN connection; heartbeats; the stream ends when the server shuts down."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from inbox_rows import deliver_in_app
from notifications.adapters.inbox_listener import APPLICATION_NAME
from notifications_testkit import Notifications, new_district
from unionfed_devstack._util import free_port
from unionfed_devstack.testing import wait_for

WITHIN = 15.0  # generous for a busy machine; the wake-up itself takes milliseconds


@contextlib.asynccontextmanager
async def served(svc: Notifications) -> AsyncIterator[tuple[str, uvicorn.Server]]:
    """The app over a real socket (the testkit already ran its lifespan)."""
    port = free_port()
    config = uvicorn.Config(svc.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await wait_for(lambda: server.started, timeout=30)
    await wait_for(lambda: svc.app.state.inbox_listener.listening, timeout=30)
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


class Events:
    """Server-sent events read off a streaming response, one at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()
        self.comments: list[str] = []

    async def next(self) -> tuple[str, Any]:
        return await asyncio.wait_for(self._next(), WITHIN)

    async def _next(self) -> tuple[str, Any]:
        event, data = "message", []
        async for line in self._lines:
            if line.startswith(":"):
                self.comments.append(line)
            elif line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                data.append(line.removeprefix("data:").strip())
            elif line == "" and data:
                return event, json.loads("\n".join(data))
        raise EOFError("the stream ended")


async def test_new_messages_arrive_live_and_others_messages_do_not(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc, served(svc) as (url, _server):
        reader, other = str(uuid.uuid4()), str(uuid.uuid4())
        earlier = (await deliver_in_app(svc.engine, [reader]))[0]
        headers = svc.member_token(reader)
        async with (
            httpx.AsyncClient(base_url=url, timeout=None) as client,
            client.stream("GET", "/me/inbox/stream", headers=headers) as response,
        ):
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = Events(response)
            assert await events.next() == ("unread", {"unread": 1})

            await deliver_in_app(svc.engine, [other])  # someone else's: not on this stream
            new = (await deliver_in_app(svc.engine, [reader], category="aid"))[0]
            kind, item = await events.next()
            assert kind == "notification"
            assert item["notification_id"] == str(new) != str(earlier)
            assert item["category"] == "aid" and item["title"]
            assert await events.next() == ("unread", {"unread": 2})

            # A fan-out chunk too large for a NOTIFY payload wakes every stream ('*').
            crowd = [str(uuid.uuid4()) for _ in range(300)] + [reader]
            fanned = await deliver_in_app(svc.engine, crowd, category="campaign")
            kind, item = await events.next()
            assert (kind, item["notification_id"]) == ("notification", str(fanned[-1]))
            assert await events.next() == ("unread", {"unread": 3})

            # The LISTEN connection dies: the listener reconnects and the stream carries on.
            listener = svc.app.state.inbox_listener
            async with svc.engine.connect() as conn:
                killed = await conn.scalar(
                    sa.text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE application_name = :name"
                    ),
                    {"name": APPLICATION_NAME},
                )
            assert killed == 1
            await wait_for(lambda: not listener.listening, timeout=WITHIN)
            await wait_for(lambda: listener.listening, timeout=WITHIN)
            after = (await deliver_in_app(svc.engine, [reader]))[0]
            kind, item = await events.next()
            assert (kind, item["notification_id"]) == ("notification", str(after))


async def test_heartbeats_keep_the_stream_and_shutdown_ends_it(
    notifications_service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("notifications.entrypoints.http.inbox.HEARTBEAT_SECONDS", 0.2)
    district = new_district()
    async with notifications_service([district]) as svc, served(svc) as (url, server):
        headers = svc.district_officer(district)
        async with (
            httpx.AsyncClient(base_url=url, timeout=None) as client,
            client.stream("GET", "/me/inbox/stream", headers=headers) as response,
        ):
            events = Events(response)
            assert await events.next() == ("unread", {"unread": 0})
            reading = asyncio.create_task(events.next())
            await wait_for(lambda: events.comments, timeout=WITHIN)
            assert events.comments[0].startswith(": ping")

            server.should_exit = True
            with pytest.raises(EOFError):
                await reading
        assert svc.app.state.inbox_listener.streams == 0
