"""The assistance service behind a real HTTP server, for schemathesis.

Schemathesis' pytest tests are synchronous and send real HTTP requests (`requests`), so the
service runs in a thread of its own with its own event loop, served by uvicorn on a free port;
the database engine and the broker clients stay on that loop. Calling the app in-process
(ASGI) would run each request on another event loop than the asyncpg pool's."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from assistance_testkit import Assistance, new_district
from unionfed_devstack._util import free_port


@dataclass(frozen=True)
class RunningApi:
    base_url: str
    admin: dict[str, str]


async def _some_records(svc: Assistance) -> None:
    """A member, a fund and a case, so lists and balances answer with items to check against
    the document, not only empty pages."""
    district = svc.districts[0]
    branch = await svc.feed.branch(district)
    member = await svc.member(district, branch)
    await svc.allocate(district, "medical", "5000.00")
    r = await svc.apply(member, "medical", "300.00", svc.admin)
    assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
def assistance_api(assistance_service: Callable[[list[str]], Any]) -> Iterator[RunningApi]:
    """The service on `base_url`, and a federation-admin token."""
    started: list[RunningApi] = []
    ready = threading.Event()
    stop: list[Callable[[], None]] = []
    failure: list[BaseException] = []

    async def serve() -> None:
        async with assistance_service([new_district("fz")]) as svc:
            await _some_records(svc)
            port = free_port()
            config = uvicorn.Config(svc.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
            server = uvicorn.Server(config)
            loop = asyncio.get_running_loop()
            stop.append(lambda: loop.call_soon_threadsafe(setattr, server, "should_exit", True))
            task = asyncio.create_task(server.serve())
            while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, no event
                await asyncio.sleep(0.05)
            started.append(RunningApi(f"http://127.0.0.1:{port}", svc.admin))
            ready.set()
            await task

    def run() -> None:
        try:
            asyncio.run(serve())
        except BaseException as exc:  # reported to the test thread, which would otherwise wait forever
            failure.append(exc)
        finally:
            ready.set()

    thread = threading.Thread(target=run, name="assistance-fuzz", daemon=True)
    thread.start()
    ready.wait(timeout=120)
    if failure or not started:
        raise RuntimeError("the assistance service did not start") from (failure[0] if failure else None)
    try:
        yield started[0]
    finally:
        with contextlib.suppress(IndexError):
            stop[0]()
        thread.join(timeout=60)
