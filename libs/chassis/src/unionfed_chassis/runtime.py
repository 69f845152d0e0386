"""What a running service holds: engine, sessions, Kafka producer, FastStream broker, relay."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .consumer import EventConsumer
from .db import UnitOfWork, make_engine, make_session_factory, run_migrations
from .housekeeping import run_housekeeping
from .kafka import make_producer
from .relay import OutboxRelay
from .settings import ServiceSettings

log = logging.getLogger("unionfed.runtime")

READINESS_TIMEOUT = 3.0


_gc_tuned = False


def tune_gc(gen0_threshold: int) -> None:
    """Fewer, cheaper garbage collections for a process that allocates per event.

    Python's default collects the young generation every 700 allocations, and every collection
    walks the long-lived objects of the app (modules, models, pools) again: about a quarter of a
    busy consumer's CPU. Freezing what exists at start-up takes those out of every collection;
    a larger young generation collects less often. Each service is its own process, so this
    process-wide setting is the service's alone."""
    global _gc_tuned
    if gen0_threshold <= 0 or _gc_tuned:
        return
    _gc_tuned = True  # once: a test process starting many apps must not freeze their garbage
    gc.freeze()
    gc.set_threshold(gen0_threshold, 20, 20)


@dataclass
class Runtime:
    settings: ServiceSettings
    domain: str
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    broker: KafkaBroker
    # Sessions for requests that only read: autocommit, so no BEGIN/ROLLBACK round trips.
    read_session_factory: async_sessionmaker[AsyncSession] | None = None
    consumers: list[EventConsumer] = field(default_factory=list)
    relay: OutboxRelay | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _producer: AIOKafkaProducer | None = None

    @property
    def producer(self) -> AIOKafkaProducer:
        # Made on first use, not in build(): aiokafka needs a running event loop, and uvicorn
        # imports `service.main:app` (so runs create_app) before its loop exists.
        if self._producer is None:
            self._producer = make_producer(self.settings)
        return self._producer

    @classmethod
    def build(cls, settings: ServiceSettings, domain: str, consumers: list[EventConsumer]) -> Runtime:
        engine = make_engine(settings.database_url, settings.database_pool_size)
        broker = KafkaBroker(
            settings.kafka_bootstrap_servers,
            client_id=settings.kafka_client_id or settings.service_name,
            enable_idempotence=settings.kafka_enable_idempotence,
            # Pattern subscriptions see a new district's topics only at the next metadata refresh.
            metadata_max_age_ms=settings.kafka_metadata_max_age_ms,
            logger=logging.getLogger(f"unionfed.{settings.service_name}.broker"),
        )
        runtime = cls(
            settings=settings,
            domain=domain,
            engine=engine,
            session_factory=make_session_factory(engine),
            broker=broker,
            read_session_factory=make_session_factory(engine.execution_options(isolation_level="AUTOCOMMIT")),
            consumers=consumers,
        )
        if settings.consumers_enabled:
            for consumer in consumers:
                consumer.configure(settings)
                consumer.subscribe(broker, settings.consumer_max_records)
        return runtime

    @contextlib.asynccontextmanager
    async def unit_of_work(self, *, read_only: bool = False) -> AsyncIterator[UnitOfWork]:
        """A fresh session and unit of work; rolls back unless the caller committed.
        `read_only`: each statement commits on its own (for safe HTTP methods, which write nothing)."""
        factory = (
            self.read_session_factory if read_only and self.read_session_factory else self.session_factory
        )
        async with factory() as session:
            uow = UnitOfWork(session, source=self.settings.ce_source, domain=self.domain)
            try:
                yield uow
            finally:
                if session.in_transaction():
                    await uow.rollback()

    async def start(self, migrations: Path | None) -> None:
        tune_gc(self.settings.gc_gen0_threshold)
        if migrations is not None and self.settings.run_migrations:
            sync_url = self.settings.database_url
            await asyncio.to_thread(run_migrations, migrations, sync_url)
        await self.producer.start()
        for consumer in self.consumers:
            consumer.bind(self.session_factory, self.producer)
        if self.settings.outbox_enabled:
            self.relay = OutboxRelay(
                self.settings.asyncpg_dsn,
                self.producer,
                batch_size=self.settings.outbox_batch_size,
                poll_seconds=self.settings.outbox_poll_seconds,
                max_backoff=self.settings.outbox_max_backoff_seconds,
            )
            self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        self._tasks.append(
            asyncio.create_task(
                run_housekeeping(
                    self.engine, self.settings.idempotency_ttl_hours, self.settings.inbox_retention_days
                ),
                name="housekeeping",
            )
        )
        await self.broker.start()

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run a service's own background work (a periodic check, say) for the runtime's
        lifetime: `stop()` cancels it with the relay and housekeeping."""
        self._tasks.append(asyncio.create_task(work, name=name))

    async def stop(self) -> None:
        await self.broker.stop()
        if self.relay:
            self.relay.stop()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._producer is not None:
            await self._producer.stop()
        await self.engine.dispose()

    async def readiness(self) -> dict[str, Any]:
        """'ok' or what is wrong, per dependency and per consumer. Never the exception's text (it
        may carry a URL, a host or a query): that goes to the log."""
        checks: dict[str, Any] = {
            "database": await _check("database", self._ping_database),
            "broker": await _check("broker", self._ping_broker),
        }
        if self.consumers and self.settings.consumers_enabled:
            checks["consumers"] = {c.name: c.health() for c in self.consumers}
        return checks

    async def _ping_database(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def _ping_broker(self) -> None:
        await self.producer.client.fetch_all_metadata()


async def _check(name: str, ping: Callable[[], Awaitable[None]]) -> str:
    try:
        await asyncio.wait_for(ping(), READINESS_TIMEOUT)
        return "ok"
    except Exception:
        log.warning("readiness: %s unreachable", name, exc_info=True)
        return "unreachable"


def is_ready(checks: dict[str, Any]) -> bool:
    """Every check 'ok', nested ones (per consumer) included."""
    return all(is_ready(v) if isinstance(v, dict) else v == "ok" for v in checks.values())
