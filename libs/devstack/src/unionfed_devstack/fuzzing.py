"""What every service's schemathesis suite shares: the service behind a real HTTP server, the
example budgets of the short and long runs, and the OpenAPI document built without servers.

Schemathesis' pytest tests are synchronous and send real HTTP requests (`requests`), so the
service runs in a thread of its own with its own event loop, served by uvicorn on a free port;
the database engine and the broker clients stay on that loop. Calling the app in-process
(ASGI) would run each request on another event loop than the asyncpg pool's. Test-only: it
imports Hypothesis, a development dependency."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from hypothesis import HealthCheck, Phase, settings

from ._util import free_port

# The short run (`make test`) is derandomized, so it fails the same way every time; `make fuzz`
# sets the number of examples and draws new ones each run.
LONG_RUN = "UNIONFED_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("UNIONFED_FUZZ_EXAMPLES", "4"))
WITH_TOKEN = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG_RUN,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# Without a token every officer operation stops at the 401: the short run spends no boundary
# cases (schemathesis' coverage phase, Hypothesis' explicit phase) on that.
WITHOUT_TOKEN = WITH_TOKEN if LONG_RUN else settings(WITH_TOKEN, phases=[Phase.generate])


def openapi_document(build_app: Callable[[Any], Any], settings_class: type[Any]) -> dict[str, Any]:
    """The app's own document, built without a database or broker (as `unionfed api-docs` does),
    so the tests are generated at collection, one per operation."""
    unused = settings_class(
        environment="development",
        database_url="postgresql+asyncpg://unused/unused",
        kafka_bootstrap_servers="unused:9092",
    )
    document: dict[str, Any] = build_app(unused).openapi()
    return document


@dataclass(frozen=True)
class RunningApi:
    base_url: str
    admin: dict[str, str]


@contextlib.contextmanager
def serve_over_http(
    start: Callable[[], contextlib.AbstractAsyncContextManager[Any]],
    name: str,
    prepare: Callable[[Any], Awaitable[None]] | None = None,
) -> Iterator[RunningApi]:
    """The service `start()` yields (its `app` and `admin` token header), `prepare`d, on a free
    port until the block ends."""
    started: list[RunningApi] = []
    ready = threading.Event()
    stop: list[Callable[[], object]] = []
    failure: list[BaseException] = []

    async def serve() -> None:
        async with start() as svc:
            if prepare is not None:
                await prepare(svc)
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

    thread = threading.Thread(target=run, name=f"{name}-fuzz", daemon=True)
    thread.start()
    ready.wait(timeout=120)
    if failure or not started:
        raise RuntimeError(f"the {name} service did not start") from (failure[0] if failure else None)
    try:
        yield started[0]
    finally:
        with contextlib.suppress(IndexError):
            stop[0]()
        thread.join(timeout=60)
