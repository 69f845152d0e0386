"""Consumer throughput: the chassis EventConsumer (inbox + one effect row per event, one
transaction and one offset commit per batch) vs a bare FastStream subscriber committing every
message, and a plain aiokafka getmany loop for reference. Group-join time is excluded: each
rate is measured from the first record handled."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from sqlalchemy.dialects.postgresql import UUID
from unionfed_chassis.consumer import Delivery, EventConsumer
from unionfed_chassis.db import UnitOfWork, make_engine, make_session_factory
from unionfed_chassis.kafka import make_producer
from unionfed_chassis.runtime import tune_gc
from unionfed_chassis.settings import ServiceSettings
from unionfed_events import Envelope
from unionfed_events.membership import MemberJoined

from .common import (
    Result,
    bench_districts,
    create_topics,
    member_joined_events,
    progress,
    rate,
    ratio_note,
    raw_producer,
)
from .servers import Servers, fresh_database, unique_name

EVENTS = 100_000
BARE_EVENTS = 20_000
TARGET = 10.0
TIMEOUT = 90.0

effects = sa.Table(
    "bench_member",
    sa.MetaData(),
    sa.Column("member_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("event_id", UUID(as_uuid=True), nullable=False),
    sa.Column("branch_id", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
)


class Meter:
    """Counts records handled; the clock starts at the first one (after the group joined)."""

    def __init__(self, total: int, label: str) -> None:
        self.total = total
        self.label = label
        self.count = 0
        self.first: float | None = None
        self.last = 0.0
        self.done = asyncio.Event()

    def start(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()

    def add(self, n: int) -> None:
        self.count += n
        self.last = time.perf_counter()
        if self.count >= self.total:
            self.done.set()

    @property
    def seconds(self) -> float:
        return self.last - self.first if self.first is not None else float("nan")

    async def wait(self) -> None:
        with progress() as bar:
            task = bar.add_task(self.label, total=self.total)
            deadline = time.monotonic() + TIMEOUT
            while not self.done.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                bar.update(task, completed=self.count)


async def run(srv: Servers, parts: Sequence[str] = ("chassis", "bare", "plain")) -> Result:
    result = Result(f"consumer: {EVENTS:,} MemberJoined events on one topic (4 partitions)", [])
    district = bench_districts(unique_name("c").split("_")[1])[0]
    topic = f"unionfed.d.{district}.membership.events"
    await create_topics(srv, [topic])
    await _fill(srv, topic, district)
    settings = srv.settings("bench-consumer", await fresh_database(srv, "consumer"))
    # What Runtime.start does in a service; process-wide, so the bare subscriber gets it too.
    tune_gc(settings.gc_gen0_threshold)
    chassis = await _chassis(srv, settings, topic) if "chassis" in parts else Meter(1, "")
    bare = await _bare(srv, topic) if "bare" in parts else Meter(1, "")
    plain = await _plain(srv, topic) if "plain" in parts else Meter(1, "")
    chassis_rate = rate(chassis.count, chassis.seconds)
    bare_rate = rate(bare.count, bare.seconds)
    result.add(
        "chassis EventConsumer",
        chassis_rate,
        "events/s",
        f"{chassis.count:,} events, max_records={settings.consumer_max_records}, inbox + effect row",
    )
    result.add(
        "bare FastStream subscriber", bare_rate, "events/s", f"{bare.count:,} events, commit per message"
    )
    result.add("plain aiokafka getmany", rate(plain.count, plain.seconds), "events/s", "reference, no commit")
    result.add(
        "ratio chassis/bare", chassis_rate / bare_rate, "", ratio_note(chassis_rate / bare_rate, TARGET)
    )
    return result


async def _fill(srv: Servers, topic: str, district: str) -> None:
    producer = raw_producer(srv)
    await producer.start()
    try:
        with progress() as bar:
            task = bar.add_task("publishing the events", total=EVENTS)
            futures = []
            for i, (event, _) in enumerate(member_joined_events(EVENTS, [district] * 6), 1):
                envelope = Envelope.wrap(event, source="/unionfed/bench", district=district)
                futures.append(
                    await producer.send(topic, envelope.data, key=envelope.key, headers=envelope.headers())
                )
                if i % 5000 == 0:
                    bar.update(task, completed=i)
            await producer.flush()
            await asyncio.gather(*futures)
    finally:
        await producer.stop()


_APPLY = sa.text(
    "INSERT INTO bench_member (member_id, event_id, branch_id, name) "
    "SELECT * FROM unnest(CAST(:member_ids AS uuid[]), CAST(:event_ids AS uuid[]), "
    "CAST(:branch_ids AS text[]), CAST(:names AS text[]))"
)


async def apply_members(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    """One effect row per event, all in one INSERT … SELECT unnest(arrays)."""
    events: list[MemberJoined] = [d.event for d in deliveries]
    await uow.session.execute(
        _APPLY,
        {
            "member_ids": [e.member_id for e in events],
            "event_ids": [d.envelope.id for d in deliveries],
            "branch_ids": [e.branch_id for e in events],
            "names": [e.name for e in events],
        },
    )


async def _chassis(srv: Servers, settings: ServiceSettings, topic: str) -> Meter:
    engine = make_engine(settings.database_url)
    async with engine.begin() as conn:
        await conn.run_sync(effects.metadata.create_all)
    meter = Meter(EVENTS, "chassis EventConsumer")
    consumer = EventConsumer(
        unique_name("bench-chassis"),
        {MemberJoined: apply_members},
        topics=[topic],
        domain="membership",
        source=settings.ce_source,
    )
    original = consumer.process

    async def process(records: Sequence[Any], commit: Callable[[], Awaitable[None]], partitions: Any) -> None:
        meter.start()
        await original(records, commit, partitions)
        meter.add(len(records))

    consumer.process = process  # type: ignore[method-assign]
    broker = _broker(srv)
    consumer.subscribe(broker, settings.consumer_max_records)
    producer = make_producer(settings)
    await producer.start()
    consumer.bind(make_session_factory(engine), producer)
    try:
        await broker.start()
        await meter.wait()
    finally:
        await broker.stop()
        await producer.stop()
        await engine.dispose()
    return meter


async def _bare(srv: Servers, topic: str) -> Meter:
    meter = Meter(BARE_EVENTS, "bare FastStream subscriber")
    broker = _broker(srv)

    @broker.subscriber(
        topic, group_id=unique_name("bench-bare"), auto_offset_reset="earliest", ack_policy=AckPolicy.ACK
    )
    async def handle(body: Any) -> None:
        meter.start()
        meter.add(1)

    try:
        await broker.start()
        await meter.wait()
    finally:
        await broker.stop()
    return meter


async def _plain(srv: Servers, topic: str) -> Meter:
    meter = Meter(EVENTS, "plain aiokafka getmany")
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=srv.kafka_bootstrap,
        group_id=unique_name("bench-plain"),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()

    async def loop() -> None:
        while not meter.done.is_set():
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            if batch:
                meter.start()
                meter.add(sum(len(records) for records in batch.values()))

    task = asyncio.create_task(loop())
    try:
        await meter.wait()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await consumer.stop()
    return meter


def _broker(srv: Servers) -> KafkaBroker:
    return KafkaBroker(
        srv.kafka_bootstrap,
        enable_idempotence=srv.idempotence,
        logger=logging.getLogger("bench.broker"),
        log_level=logging.DEBUG,
    )
