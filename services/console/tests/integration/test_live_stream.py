"""The live stream over a real socket: a new indexed event arrives as a server-sent event (woken
by the indexer's NOTIFY), filtered, with its row id as the SSE id; a client that reconnects with
`Last-Event-ID` gets what it missed and nothing twice."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
from console.adapters.event_bell import POLL_SECONDS
from console_testkit import Console, new_district
from indexed_rows import indexed, write
from unionfed_devstack.testing import wait_for


async def sse_events(response: httpx.Response) -> AsyncIterator[dict[str, str]]:
    """Each server-sent event as {field: value} (data lines joined)."""
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if not line:
            if "data" in fields:
                yield fields
            fields = {}
            continue
        name, _, value = line.partition(":")
        if name:
            value = value.removeprefix(" ")
            fields[name] = f"{fields[name]}\n{value}" if name in fields else value


async def next_events(response: httpx.Response, count: int, within: float = 10) -> list[dict[str, str]]:
    got: list[dict[str, str]] = []

    async def read() -> None:
        async for event in sse_events(response):
            got.append(event)
            if len(got) == count:
                return

    await asyncio.wait_for(read(), within)
    return got


async def test_a_new_indexed_event_arrives_filtered_and_resumable(console_service: Any) -> None:
    async with console_service() as console, console.served() as base_url:
        await live_stream_checks(console, base_url)


async def live_stream_checks(console: Console, base_url: str) -> None:
    d = new_district()
    await write(console.engine, indexed(d, "MemberJoined", member_id="before-the-stream"))
    params = {"district": d, "type": "MemberJoined"}
    async with (
        httpx.AsyncClient(base_url=base_url, headers=console.operator, timeout=30) as client,
        client.stream("GET", "/api/events/stream", params=params) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        await asyncio.sleep(0.3)  # the stream has read the index once and waits for the bell
        started = time.perf_counter()
        await write(console.engine, indexed(d, "MemberLeft"), indexed(d, "MemberJoined", member_id="m-new"))
        [event] = await next_events(response, 1)
        print(f"\nlive stream: indexed row delivered after {time.perf_counter() - started:.3f} s")
        data = json.loads(event["data"])
        assert data["member_id"] == "m-new"
        assert data["short_type"] == "MemberJoined.v1"
        assert event["id"] == str(data["id"])
        last_id = event["id"]

    # Missed while disconnected: delivered on reconnect, in order, the one already seen not again.
    await write(console.engine, *[indexed(d, "MemberJoined", member_id=f"m-missed-{n}") for n in range(3)])
    async with (
        httpx.AsyncClient(base_url=base_url, headers=console.operator, timeout=30) as client,
        client.stream(
            "GET", "/api/events/stream", params={**params, "view": "html"}, headers={"Last-Event-ID": last_id}
        ) as response,
    ):
        missed = await next_events(response, 3)
        assert [int(e["id"]) for e in missed] == sorted(int(e["id"]) for e in missed)
        assert int(missed[0]["id"]) > int(last_id)
        assert all('class="event-row"' in e["data"] and "m-missed-" in e["data"] for e in missed)


async def test_without_a_notification_the_stream_still_delivers_by_polling(console_service: Any) -> None:
    d = new_district()
    # The index reads no topic of `d` and none of the earlier ones: nothing rings the bell.
    async with (
        console_service(districts=[d]) as console,
        console.served() as base_url,
        httpx.AsyncClient(base_url=base_url, headers=console.operator, timeout=30) as client,
        client.stream("GET", "/api/events/stream", params={"district": d}) as response,
    ):
        await asyncio.sleep(0.3)
        await write(console.engine, indexed(d, "MemberJoined", member_id="m-quiet"), notify=False)
        [event] = await next_events(response, 1, within=POLL_SECONDS + 5)
        assert json.loads(event["data"])["member_id"] == "m-quiet"


async def test_a_join_published_by_membership_reaches_the_stream_through_the_indexer(
    console_service: Any,
) -> None:
    d = new_district()
    async with console_service(districts=[d]) as console, console.served() as base_url:
        branch = await console.feed.branch(d)

        async def branch_indexed() -> bool:  # the index has subscribed to the district's new topic
            response = await console.client.get(
                "/api/events", params={"district": d}, headers=console.operator
            )
            return bool(response.json()["items"])

        await wait_for(branch_indexed, timeout=30)
        async with (
            httpx.AsyncClient(base_url=base_url, headers=console.operator, timeout=30) as client,
            client.stream(
                "GET", "/api/events/stream", params={"district": d, "type": "MemberJoined"}
            ) as response,
        ):
            started = time.perf_counter()
            member_id = await console.feed.join(d, branch)
            [event] = await next_events(response, 1)
            print(f"\nlive stream: published join delivered after {time.perf_counter() - started:.3f} s")
            data = json.loads(event["data"])
            assert data["member_id"] == str(member_id)
            assert data["payload"]["national_id_masked"] == "1101**********1234"
