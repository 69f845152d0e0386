"""Helpers of the console tests: the console over the real database and broker, tokens, the app
over a real socket (for a browser), and a producer to publish other services' events with."""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from aiokafka import AIOKafkaProducer
from console.main import build_app
from console.settings import ConsoleSettings
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from unionfed_chassis.consumer import EventConsumer
from unionfed_devstack._util import free_port
from unionfed_devstack.feeds import MembershipFeed
from unionfed_devstack.testing import OfficerTokens, skip_other_districts, wait_for


def new_district(prefix: str = "c") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@dataclass
class Console(OfficerTokens):
    app: FastAPI
    client: httpx.AsyncClient
    settings: ConsoleSettings
    producer: AIOKafkaProducer
    feed: MembershipFeed

    @property
    def operator(self) -> dict[str, str]:
        return self.token("operator", subject="op-1")

    @property
    def engine(self) -> AsyncEngine:
        engine: AsyncEngine = self.app.state.runtime.engine
        return engine

    def served(self) -> contextlib.AbstractAsyncContextManager[str]:
        """The app over a real socket (its lifespan already runs), for a browser: the base URL."""
        return serve_app(self.app)


@contextlib.asynccontextmanager
async def serve_app(app: FastAPI) -> AsyncIterator[str]:
    """A running app (its lifespan already runs) over a real socket: its base URL. The console's
    for a browser, another service's for the console to call."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await wait_for(lambda: server.started, timeout=30)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


@contextlib.asynccontextmanager
async def start_console(
    make_database: Callable[[str], str],
    kafka_bootstrap: str,
    kafka_idempotence: bool,
    *,
    database_url: str | None = None,
    districts: list[str] | None = None,
    **settings_overrides: Any,
) -> AsyncIterator[Console]:
    """A running console with an index group of its own (a stopped app's member stays in its
    group on Tansu until its session times out; the next app would wait for it).

    `districts`: the index reads those districts' topics from their start and every other
    existing unionfed topic (earlier tests' districts, dead letters, federation topics) from its
    current end, so a test waits for its own records only; without it, the index reads everything
    the shared broker holds. Topics created later are read from their start."""
    settings_overrides.setdefault("index_group", f"console-index-{uuid.uuid4().hex[:8]}")
    if districts:
        # Only the test's districts (and the topics of no district: federation events, dead
        # letters, retries, replays). The rest of the shared broker is other tests' records: its
        # end offsets under-report after multi-record batches, so "from the end" re-reads the last
        # batch of every such topic, hundreds of topics late in a run, and a test's own record
        # then waits behind tens of thousands of others.
        own = "|".join(re.escape(d) for d in districts)
        settings_overrides.setdefault(
            "index_topic_pattern", rf"^unionfed\.(d\.({own})\.|fed\.|dlq\.|retry\.|dlq-replays$)"
        )
    # A test's topics are new: the index subscribes to them at the next metadata refresh.
    settings_overrides.setdefault("kafka_metadata_max_age_ms", 500)
    # The shared broker lists every earlier test's groups: the lag sampler asks only the
    # configured ones unless a test wants discovery.
    settings_overrides.setdefault("discover_groups", False)
    settings = ConsoleSettings(
        environment="development",
        database_url=database_url or make_database("console"),
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_enable_idempotence=kafka_idempotence,
        log_level="WARNING",
        **settings_overrides,
    )
    if districts is not None:
        await skip_other_districts(kafka_bootstrap, [index_consumer(settings)], districts)
    app = build_app(settings)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=kafka_idempotence)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console", timeout=60) as client:
            await producer.start()
            try:
                yield Console(app, client, settings, producer, MembershipFeed(producer))
            finally:
                await producer.stop()


def index_consumer(settings: ConsoleSettings) -> EventConsumer:
    """The index's group and pattern as `skip_other_districts` takes them (it handles nothing)."""
    return EventConsumer(
        settings.index_group,
        {},
        pattern=settings.index_topic_pattern,
        domain="console",
        source=settings.ce_source,
    )
