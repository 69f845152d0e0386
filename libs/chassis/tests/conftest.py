"""Shared fixtures of the chassis integration tests: a fresh database with the chassis schema,
settings pointing at the session's broker, a Kafka tap that can tell "read everything", and a
test consumer whose handler writes one `effects` row per applied event.

Helpers are handed out through fixtures (tests run with --import-mode=importlib, so they cannot
import this module)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from unionfed_chassis.consumer import Delivery, EventConsumer
from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.runtime import Runtime
from unionfed_chassis.settings import ServiceSettings
from unionfed_chassis.tables import install_chassis_schema
from unionfed_devstack.broker import ensure_topics
from unionfed_devstack.testing import wait_for
from unionfed_events import Envelope
from unionfed_events.membership import BranchEstablished, BranchKind
from unionfed_events.topics import TopicSpec

PARTITIONS = 4
GROUP_TIMINGS = {"rebalance_timeout_ms": 1500, "session_timeout_ms": 3000, "heartbeat_interval_ms": 300}
SENTINEL = "test_sentinel"

# Tables of the tests themselves (the "state" a handler or a route changes).
test_metadata = sa.MetaData()
effects = sa.Table(
    "effects",
    test_metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("consumer", sa.Text, nullable=False),
    sa.Column("instance", sa.Text, nullable=False),
    sa.Column("event_id", sa.Text, nullable=False),  # deliberately not unique; any ce_id
    sa.Column("subject", sa.Text),
    sa.Column("note", sa.Text),
)
things = sa.Table(
    "things",
    test_metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("district", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
)


# ---------------------------------------------------------------- database


@dataclass
class Db:
    url: str
    engine: AsyncEngine

    @property
    def dsn(self) -> str:
        return self.url.replace("postgresql+asyncpg://", "postgresql://", 1)

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(sa.text(sql), params)).scalar()

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(sa.text(sql), params)).all())

    async def outbox_count(self) -> int:
        return int(await self.scalar("SELECT count(*) FROM outbox"))


@pytest.fixture
async def db(make_database: Callable[[str], str]) -> AsyncIterator[Db]:
    """A fresh database with the chassis schema (outbox, inbox, idempotency keys, NOTIFY trigger)
    and the test tables."""
    url = make_database("chassis")
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.begin() as conn:
        await conn.run_sync(install_chassis_schema)
        await conn.run_sync(test_metadata.create_all)
    try:
        yield Db(url, engine)
    finally:
        await engine.dispose()


@pytest.fixture
def make_settings(kafka_bootstrap: str, kafka_idempotence: bool) -> Callable[..., ServiceSettings]:
    def make(database_url: str, **overrides: Any) -> ServiceSettings:
        values: dict[str, Any] = {
            "service_name": "chassis-test",
            "environment": "development",
            "database_url": database_url,
            "run_migrations": False,
            "kafka_bootstrap_servers": kafka_bootstrap,
            "kafka_enable_idempotence": kafka_idempotence,
            "outbox_poll_seconds": 30.0,
            "database_pool_size": 5,
        }
        values.update(overrides)
        return ServiceSettings(**values)

    return make


@pytest.fixture
def district() -> str:
    """A district nobody else uses, so each test has topics of its own."""
    return f"t{uuid.uuid4().hex[:10]}"


def branch_event(branch_id: str, district: str, name: str = "ok") -> BranchEstablished:
    return BranchEstablished(
        branch_id=branch_id,
        name=name,
        kind=BranchKind.ENTERPRISE,
        industry="testing",
        district=district,
        established_on=date(2025, 1, 1),
    )


@pytest.fixture
def make_event() -> Callable[..., BranchEstablished]:
    return branch_event


# ---------------------------------------------------------------- kafka


@dataclass
class Tap:
    """Reads every partition of a topic from the beginning in the background (no group)."""

    topic: str
    partitions: int
    records: list[Any] = field(default_factory=list)
    arrived: dict[str, float] = field(default_factory=dict)  # ce_id -> monotonic arrival time
    sentinels: set[tuple[int, str]] = field(default_factory=set)

    def events(self) -> list[Any]:
        return [r for r in self.records if headers_of(r).get(SENTINEL) is None]

    def ids(self) -> list[str]:
        return [headers_of(r)["ce_id"] for r in self.events()]


def headers_of(record: Any) -> dict[str, str]:
    return {k: (v or b"").decode(errors="replace") for k, v in record.headers or ()}


class Kafka:
    def __init__(self, bootstrap: str, idempotence: bool) -> None:
        self.bootstrap = bootstrap
        self.idempotence = idempotence
        self._producer: AIOKafkaProducer | None = None

    async def create_topics(self, *names: str, partitions: int = PARTITIONS) -> None:
        await ensure_topics(self.bootstrap, [TopicSpec(n, partitions) for n in names])

    async def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            self._producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap, enable_idempotence=self.idempotence, linger_ms=0
            )
            await self._producer.start()
        return self._producer

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def produce(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
        partition: int | None = None,
    ) -> Any:
        producer = await self.producer()
        return await producer.send_and_wait(topic, value, key=key, headers=headers or [], partition=partition)

    async def produce_envelope(self, topic: str, envelope: Envelope, partition: int | None = None) -> Any:
        return await self.produce(
            topic, envelope.data, key=envelope.key, headers=envelope.headers(), partition=partition
        )

    @asynccontextmanager
    async def tap(self, topic: str, partitions: int = PARTITIONS) -> AsyncIterator[Tap]:
        tap = Tap(topic, partitions)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=100,
        )
        await consumer.start()
        consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
        await consumer.seek_to_beginning()

        async def pump() -> None:
            while True:
                batches = await consumer.getmany(timeout_ms=100)
                now = time.monotonic()
                for records in batches.values():
                    for record in records:
                        tap.records.append(record)
                        h = headers_of(record)
                        if SENTINEL in h:
                            tap.sentinels.add((record.partition, h[SENTINEL]))
                        elif "ce_id" in h:
                            tap.arrived.setdefault(h["ce_id"], now)

        task = asyncio.create_task(pump())
        try:
            yield tap
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await consumer.stop()

    async def drain(self, tap: Tap, within: float = 20) -> list[Any]:
        """Everything on the tap's topic up to now: put a marker at the end of every partition
        and wait until the tap has read all markers (end offsets cannot be trusted on Tansu)."""
        marker = uuid.uuid4().hex
        for p in range(tap.partitions):
            await self.produce(tap.topic, b"", headers=[(SENTINEL, marker.encode())], partition=p)
        await wait_for(lambda: all((p, marker) in tap.sentinels for p in range(tap.partitions)), within)
        return tap.events()


@pytest.fixture(scope="session")
async def kafka(kafka_bootstrap: str, kafka_idempotence: bool) -> AsyncIterator[Kafka]:
    k = Kafka(kafka_bootstrap, kafka_idempotence)
    try:
        yield k
    finally:
        await k.close()


# ---------------------------------------------------------------- consumer under test


class RecordingConsumer(EventConsumer):
    """An EventConsumer of BranchEstablished whose handler records one `effects` row per event.

    The event's `name` steers the handler: "bug" always raises, "flaky-N" raises a transient
    OperationalError the first N times it sees that event, "stuck" raises one every time;
    anything else just applies. `seen` keeps every event the handler was given."""

    def __init__(self, name: str, topic_names: list[str], *, instance: str = "a", **kwargs: Any) -> None:
        kwargs.setdefault("retry_backoff", 0.05)
        super().__init__(
            name,
            {BranchEstablished: self._handle},
            topics=topic_names,
            domain="membership",
            source="/unionfed/chassis-test",
            **kwargs,
        )
        self.instance = instance
        self.calls: Counter[str] = Counter()  # ce_id -> handler invocations
        self.call_times: dict[str, list[float]] = defaultdict(list)
        self.assigned: list[set[TopicPartition]] = []
        self.seen: list[Delivery] = []

    async def _handle(self, uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            event_id = str(d.envelope.id)
            self.calls[event_id] += 1
            self.call_times[event_id].append(time.monotonic())
            self.seen.append(d)
            note = d.event.name
            if note == "bug":
                raise RuntimeError(f"handler bug on {event_id}")
            stuck = note == "stuck"
            if stuck or (note.startswith("flaky-") and self.calls[event_id] <= int(note.split("-")[1])):
                raise OperationalError("SELECT 1", {}, ConnectionResetError("connection reset by peer"))
        await uow.session.execute(
            effects.insert(),
            [
                {
                    "consumer": self.name,
                    "instance": self.instance,
                    "event_id": d.envelope.id,
                    "subject": d.envelope.subject,
                    "note": d.event.name,
                }
                for d in deliveries
            ],
        )

    def subscribe(self, broker: Any, max_records: int = 1000) -> None:
        """Subscribe as the chassis does, with shorter group timings: Tansu holds a join for the
        rebalance timeout (5 s by default), and answers generation 0 to a group's first join, so
        aiokafka skips LeaveGroup on stop and the next member waits out the session timeout."""

        class FastGroups:
            def subscriber(self, *args: Any, **options: Any) -> Any:
                options.update(GROUP_TIMINGS)
                return broker.subscriber(*args, **options)

        super().subscribe(FastGroups(), max_records)

    def rebalance_listener(self) -> Any:
        inner = super().rebalance_listener()
        outer = self

        class Recording(type(inner)):  # type: ignore[misc]
            async def on_partitions_assigned(self, assigned: Any) -> None:
                outer.assigned.append(set(assigned))
                await super().on_partitions_assigned(assigned)

        return Recording(self)


@pytest.fixture
def make_consumer() -> type[RecordingConsumer]:
    return RecordingConsumer


@pytest.fixture
def group() -> str:
    return f"chassis-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def start_runtime(make_settings: Callable[..., ServiceSettings]) -> Any:
    """`await start_runtime(db, consumers, **settings)` -> a started Runtime, stopped at teardown."""
    started: list[Runtime] = []

    async def start(db: Db, consumers: list[EventConsumer] = (), **overrides: Any) -> Runtime:  # type: ignore[assignment]
        settings = make_settings(db.url, **overrides)
        runtime = Runtime.build(settings, "membership", list(consumers))
        await runtime.start(None)
        started.append(runtime)
        return runtime

    start.started = started  # type: ignore[attr-defined]
    return start


@pytest.fixture
async def runtimes(start_runtime: Any) -> AsyncIterator[Any]:
    """Same as start_runtime, and stops whatever is still running at the end of the test."""
    try:
        yield start_runtime
    finally:
        for runtime in reversed(start_runtime.started):
            await stop_quietly(runtime)


async def stop_quietly(runtime: Runtime) -> None:
    if getattr(runtime, "_stopped_by_test", False):
        return
    runtime._stopped_by_test = True  # type: ignore[attr-defined]
    with contextlib.suppress(Exception):  # teardown of an already half-stopped runtime
        await runtime.stop()


@pytest.fixture
def stop_runtime() -> Callable[[Runtime], Any]:
    return stop_quietly


async def effect_counts(db: Db, consumer: str) -> tuple[int, int]:
    """(rows, distinct event ids) of `effects` for one consumer group."""
    row = (
        await db.rows(
            "SELECT count(*), count(DISTINCT event_id) FROM effects WHERE consumer = :c", c=consumer
        )
    )[0]
    return int(row[0]), int(row[1])


@pytest.fixture
def counts() -> Callable[[Db, str], Any]:
    return effect_counts


@pytest.fixture
def per_key() -> Callable[[list[Any]], dict[str, list[Any]]]:
    def split(records: list[Any]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = defaultdict(list)
        for r in records:
            out[r.key.decode()].append(r)
        return out

    return split
