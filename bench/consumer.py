"""Consumer throughput on the same records, each contender doing the same work per batch (an inbox
row and one effect row per event, one transaction, then one offset commit):

- the chassis EventConsumer;
- FastStream's own batch subscriber (`batch=True`, a typed `list[MemberJoined]` body), with the
  chassis's `max_records` and fetch wait and FastStream acknowledging once per batch;
- a minimal loop: aiokafka `getmany`; per record the three headers the guarantees need (type
  to dispatch, source and id for the inbox key) and the payload through the same tolerant reader;
  the same two INSERTs on a plain asyncpg connection; `commit()`. It has no dead letters, no
  retries and no held partitions: every record of the bench is valid.

Each run writes into its own database. Group-join time is excluded: each rate is measured from
the first record handled. The contenders run in interleaved rounds (order rotated) and each is
also charged the CPU time of this process while it ran (the database and broker are other
processes): CPU per event is the contender's own cost and moves much less with the machine's
load than events/s. A plain `getmany` loop that does nothing is printed for reference, and the
minimal loop's ratio to FastStream: the most a consumer doing the same work could reach."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from sqlalchemy.dialects.postgresql import UUID
from unionfed_chassis.consumer import FETCH_MAX_WAIT_MS, INBOX_CLAIM, Delivery, EventConsumer
from unionfed_chassis.db import UnitOfWork, make_engine, make_session_factory
from unionfed_chassis.kafka import make_producer
from unionfed_chassis.runtime import tune_gc
from unionfed_chassis.settings import ServiceSettings
from unionfed_events import Envelope
from unionfed_events.membership import MemberJoined
from unionfed_events.reader import reader_class

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

EVENTS = 50_000
ROUNDS = 3
TARGET_VS_FASTSTREAM = 3.0
TARGET_VS_MINIMAL = 0.8
TIMEOUT = 120.0

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
        self.cpu_first = 0.0
        self.cpu_last = 0.0
        self.done = asyncio.Event()

    def start(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()
            self.cpu_first = time.process_time()

    def add(self, n: int) -> None:
        self.count += n
        self.last = time.perf_counter()
        self.cpu_last = time.process_time()
        if self.count >= self.total:
            self.done.set()

    @property
    def seconds(self) -> float:
        return self.last - self.first if self.first is not None else float("nan")

    @property
    def cpu_seconds(self) -> float:
        return self.cpu_last - self.cpu_first

    async def wait(self) -> None:
        with progress() as bar:
            task = bar.add_task(self.label, total=self.total)
            deadline = time.monotonic() + TIMEOUT
            while not self.done.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                bar.update(task, completed=self.count)


Contender = Callable[[Servers, ServiceSettings, str], Awaitable["Meter"]]


async def run(srv: Servers) -> Result:
    result = Result(f"consumer: {EVENTS:,} MemberJoined events on one topic (4 partitions)", [])
    district = bench_districts(unique_name("c").split("_")[1])[0]
    topic = f"unionfed.d.{district}.membership.events"
    await create_topics(srv, [topic])
    await _fill(srv, topic, district)
    settings = srv.settings("bench-consumer", await fresh_database(srv, "consumer"))
    # What Runtime.start does in a service; process-wide, so every contender gets it.
    tune_gc(settings.gc_gen0_threshold)
    contenders: dict[str, Contender] = {
        "chassis EventConsumer": _chassis,
        "FastStream batch subscriber": _faststream_batch,
        "minimal getmany loop": _minimal,
    }
    # Interleaved rounds, the order rotated each round: a burst of other load on the machine
    # falls on every contender rather than on whichever ran at that moment.
    meters: dict[str, list[Meter]] = {name: [] for name in contenders}
    names = list(contenders)
    for round_ in range(ROUNDS):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            fresh = settings.model_copy(update={"database_url": await fresh_database(srv, "consumer")})
            meters[name].append(await contenders[name](srv, fresh, topic))
    plain = await _plain(srv, topic)
    rates = {name: _rate(ms) for name, ms in meters.items()}
    cpu = {name: _cpu_per_event(ms) for name, ms in meters.items()}
    same = f"max_records={settings.consumer_max_records}, fetch wait {FETCH_MAX_WAIT_MS} ms"
    for name in contenders:
        note = f"{ROUNDS} × {EVENTS:,} events, CPU {cpu[name]:.1f} µs/event" + (
            f", {same}" if name != "minimal getmany loop" else ", asyncpg"
        )
        result.add(name, rates[name], "events/s", note)
    result.add(
        "plain getmany, no work",
        rate(plain.count, plain.seconds),
        "events/s",
        "reference: no decode, no commit",
    )
    chassis, faststream, minimal = names
    for label, other, target in (
        ("FastStream batch", faststream, TARGET_VS_FASTSTREAM),
        ("minimal loop", minimal, TARGET_VS_MINIMAL),
    ):
        ratio = rates[chassis] / rates[other]
        cpu_ratio = cpu[other] / cpu[chassis]
        result.add(f"ratio chassis/{label}", ratio, "", f"{ratio_note(ratio, target)} (CPU {cpu_ratio:.2f})")
    result.add(
        "ratio minimal loop/FastStream batch",
        rates[minimal] / rates[faststream],
        "",
        f"reference: the least code doing the same work (CPU {cpu[faststream] / cpu[minimal]:.2f})",
    )
    return result


def _rate(meters: list[Meter]) -> float:
    """Events per second over all rounds of one contender (each round timed on its own)."""
    return rate(sum(m.count for m in meters), sum(m.seconds for m in meters))


def _cpu_per_event(meters: list[Meter]) -> float:
    """This process's CPU time per event (µs) while the contender ran: the database and the
    broker are other processes, so this is the contender's own cost, which load moves less."""
    return sum(m.cpu_seconds for m in meters) / sum(m.count for m in meters) * 1e6


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


# The chassis's inbox statement, for the contenders without a chassis: claims the ids, returns
# those already claimed (duplicates).
_INBOX = INBOX_CLAIM
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
    await _create_effects(settings.database_url)
    engine = make_engine(settings.database_url)
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

    consumer.process = process  # type: ignore[method-assign,unused-ignore]
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


async def _create_effects(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(effects.metadata.create_all)
    finally:
        await engine.dispose()


async def _faststream_batch(srv: Servers, settings: ServiceSettings, topic: str) -> Meter:
    """FastStream's batch subscriber used the way its documentation shows: a typed list body,
    acknowledged after the handler returns (one offset commit per batch)."""
    await _create_effects(settings.database_url)
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    meter = Meter(EVENTS, "FastStream batch subscriber")
    broker = _broker(srv)
    group = unique_name("bench-fs")

    @broker.subscriber(
        topic,
        group_id=group,
        auto_offset_reset="earliest",
        batch=True,
        max_records=settings.consumer_max_records,
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        ack_policy=AckPolicy.ACK,
    )
    async def handle(events: list[MemberJoined], msg: KafkaMessage) -> None:
        meter.start()
        ids = [_ce_id(record.headers) for record in msg.raw_message]
        async with sessions() as session, session.begin():
            dups = set((await session.execute(_INBOX, {"consumer": group, "ids": ids})).scalars())
            rows = [(e, i) for e, i in zip(events, ids, strict=True) if i not in dups]
            await session.execute(_APPLY, _effect_params([e for e, _ in rows], [i for _, i in rows]))
        meter.add(len(events))

    try:
        await broker.start()
        await meter.wait()
    finally:
        await broker.stop()
        await engine.dispose()
    return meter


async def _minimal(srv: Servers, settings: ServiceSettings, topic: str) -> Meter:
    """The least code that does the same work: getmany, dispatch on the type, the tolerant
    reader, inbox (keyed by source and id as the chassis's) + effect, commit."""
    await _create_effects(settings.database_url)
    meter = Meter(EVENTS, "minimal getmany loop")
    group = unique_name("bench-min")
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=srv.kafka_bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
    )
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    await consumer.start()
    inbox = _INBOX.text.replace(":consumer", "$1").replace(":ids", "$2")
    apply = (
        _APPLY.text.replace(":member_ids", "$1")
        .replace(":event_ids", "$2")
        .replace(":branch_ids", "$3")
        .replace(":names", "$4")
    )

    joined, reader = MemberJoined.ce_type(), reader_class(MemberJoined)

    async def loop() -> None:
        while not meter.done.is_set():
            batch = await consumer.getmany(timeout_ms=200, max_records=settings.consumer_max_records)
            records = [r for part in batch.values() for r in part]
            if not records:
                continue
            meter.start()
            ids, events = [], []
            for r in records:
                ce_id, ce_source, ce_type = _id_source_type(r.headers)
                if ce_type == joined:  # dispatch by type: a record of another type is skipped
                    ids.append(ce_id if ce_source.startswith("/unionfed/") else f"{ce_source} {ce_id}")
                    events.append(reader.model_validate_json(r.value))
            async with conn.transaction():
                dups = {row[0] for row in await conn.fetch(inbox, group, ids)}
                rows = [(e, i) for e, i in zip(events, ids, strict=True) if i not in dups]
                params = _effect_params([e for e, _ in rows], [i for _, i in rows])
                await conn.execute(apply, *params.values())
            await consumer.commit()
            meter.add(len(records))

    task = asyncio.create_task(loop())
    try:
        await meter.wait()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await consumer.stop()
        await conn.close()
    return meter


def _ce_id(headers: Sequence[tuple[str, bytes]]) -> str:
    return next(v for k, v in headers if k == "ce_id").decode()


def _id_source_type(headers: Sequence[tuple[str, bytes]]) -> tuple[str, str, str]:
    """The three headers the minimal loop needs (inbox key, dispatch), in one pass."""
    ce_id = ce_source = ce_type = ""
    for k, v in headers:
        if k == "ce_id":
            ce_id = v.decode()
        elif k == "ce_source":
            ce_source = v.decode()
        elif k == "ce_type":
            ce_type = v.decode()
    return ce_id, ce_source, ce_type


def _effect_params(events: list[MemberJoined], event_ids: list[str]) -> dict[str, list[Any]]:
    return {
        "member_ids": [e.member_id for e in events],
        "event_ids": event_ids,  # text, as the chassis's handler passes them
        "branch_ids": [e.branch_id for e in events],
        "names": [e.name for e in events],
    }


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
