"""End-to-end latency at steady rates (a sweep), through a Runtime: outbox row committed ->
relay -> Kafka -> chassis EventConsumer (inbox + one effect row); the handler records
now - ce_time. The floor: a raw producer (the chassis's producer settings) and a raw aiokafka
consumer (the chassis's fetch wait) on the same schedule, recording now - send time.

The load comes from a writer in its own process, so that generating it does not take the CPU
the platform is measured on, and each figure is printed beside the rate actually achieved. The
chassis writer commits precomputed outbox rows (what `UnitOfWork.emit` writes: envelope, headers,
payload; only `ce_time` is stamped at commit) with one prepared INSERT, every row due in one
transaction per pass (one per transaction at low rates, a few dozen at 15,000/s), as concurrent
requests would; a late pass catches up. The floor's writer sends pre-serialised records with
one `send` each on the same schedule."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.synchronize import Event as ProcessEvent
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from unionfed_chassis.consumer import FETCH_MAX_WAIT_MS, Delivery, EventConsumer
from unionfed_chassis.context import child_traceparent
from unionfed_chassis.db import UnitOfWork, outbox_row
from unionfed_chassis.kafka import make_producer
from unionfed_chassis.runtime import Runtime
from unionfed_chassis.settings import ServiceSettings
from unionfed_events import Envelope
from unionfed_events.membership import MemberJoined

from .common import (
    Result,
    bench_districts,
    create_topics,
    district_topics,
    member_joined_events,
    step,
)
from .consumer import apply_members, effects
from .servers import Servers, fresh_database, unique_name

# events/s -> seconds measured
SWEEP = {500: 10.0, 5_000: 6.0, 15_000: 4.0}
WARMUP_SECONDS = 2.0
TARGET_RATE = 5_000
TARGET_P99_MS = 100.0
MAX_PER_TRANSACTION = 500
JOIN_SECONDS = 60.0
_INSERT = (
    "INSERT INTO outbox (event_id, topic, key, header_names, header_values, payload)"
    " VALUES ($1, $2, $3, $4, $5, $6)"
)


@dataclass
class Window:
    sent: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    relayed_ms: list[float] = field(default_factory=list)  # commit -> the relay's append (record timestamp)

    def q(self, quantile: float, relayed: bool = False) -> float:
        values = sorted(self.relayed_ms if relayed else self.latencies_ms)
        return values[min(len(values) - 1, int(quantile * len(values)))] if values else float("nan")


class Recorder:
    """(send time, latency ms, ms until the relay appended it) of every event seen; the windows
    pick theirs by send time."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float, float]] = []
        self.seen = asyncio.Event()

    def record(self, sent_at: float, now: float, relayed_at: float = float("nan")) -> None:
        self.samples.append((sent_at, (now - sent_at) * 1000, (relayed_at - sent_at) * 1000))
        self.seen.set()

    def between(self, start: float, end: float) -> list[tuple[float, float]]:
        return [(ms, relayed) for t, ms, relayed in self.samples if start <= t < end]


@dataclass(frozen=True)
class WriterJob:
    """What the writer process sends: outbox rows into `dsn`, or Kafka records to `topic`."""

    kind: str  # "outbox" | "kafka"
    settings: ServiceSettings
    topic: str
    district: str = ""


async def run(srv: Servers) -> Result:
    result = Result("latency: commit -> handler, sweep of steady rates, chassis vs raw Kafka floor", [])
    chassis = await _chassis(srv)
    floor = await _floor(srv)
    for events_per_s in SWEEP:
        for label, windows in (("chassis", chassis), ("floor", floor)):
            w = windows[events_per_s]
            note = f"{len(w.latencies_ms):,} of {w.sent:,} seen, written at {w.sent / w.seconds:,.0f}/s"
            if label == "chassis":
                note += f"; commit→relay p50 {w.q(0.5, True):.0f}, p99 {w.q(0.99, True):.0f} ms"
            if label == "chassis" and events_per_s == TARGET_RATE:
                met = w.q(0.99) <= TARGET_P99_MS
                note += f"; p99 target ≤ {TARGET_P99_MS:g} ms: {'met' if met else 'NOT met'}"
            result.add(
                f"{events_per_s:,}/s {label}",
                f"p50 {w.q(0.5):.0f} · p95 {w.q(0.95):.0f} · p99 {w.q(0.99):.0f} · max {w.q(1.0):.0f}",
                "ms",
                note,
            )
    return result


async def _chassis(srv: Servers) -> dict[int, Window]:
    district = bench_districts(unique_name("l").split("_")[1])[0]
    (topic,) = district_topics([district])
    await create_topics(srv, [topic])
    settings = srv.settings(unique_name("bench-latency"), await fresh_database(srv, "latency"))
    recorder = Recorder()

    async def handle(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        now = time.time()
        for d in deliveries:
            recorder.record(d.envelope.time.timestamp(), now, d.record.timestamp / 1000)
        await apply_members(uow, deliveries)

    consumer = EventConsumer(
        settings.service_name,
        {MemberJoined: handle},
        topics=[topic],
        domain="membership",
        source=settings.ce_source,
    )
    runtime = Runtime.build(settings, "membership", [consumer])
    async with runtime.engine.begin() as conn:
        await conn.run_sync(effects.metadata.create_all)
    await runtime.start(None)
    try:
        return await _sweep("chassis", WriterJob("outbox", settings, topic, district), recorder)
    finally:
        await runtime.stop()


async def _floor(srv: Servers) -> dict[int, Window]:
    topic = district_topics(bench_districts(unique_name("f").split("_")[1]))[0]
    await create_topics(srv, [topic])
    recorder = Recorder()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=srv.kafka_bootstrap,
        group_id=unique_name("bench-latency-floor"),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
    )

    async def receive() -> None:
        while True:
            batch = await consumer.getmany(timeout_ms=200, max_records=1000)
            now = time.time()
            for records in batch.values():
                for r in records:
                    recorder.record(float(dict(r.headers)["sent"]), now)

    await consumer.start()
    reader = asyncio.create_task(receive())
    try:
        return await _sweep("floor", WriterJob("kafka", srv.settings("bench-raw"), topic), recorder)
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await consumer.stop()


def _total_events() -> int:
    return int(JOIN_SECONDS / 0.2) + sum(int(r * (s + WARMUP_SECONDS)) for r, s in SWEEP.items())


async def _sweep(label: str, job: WriterJob, recorder: Recorder) -> dict[int, Window]:
    """Start the writer process, tell it when the consumer sees events, then wait for its
    schedule and for the last events of each window."""
    spawn = multiprocessing.get_context("spawn")
    consumer_ready, schedule = spawn.Event(), spawn.Queue()
    writer = spawn.Process(target=_writer_process, args=(job, consumer_ready, schedule), daemon=True)
    writer.start()
    try:
        with step(f"{label}: the writer precomputes its events; waiting for the consumer group to join"):
            await asyncio.wait_for(recorder.seen.wait(), JOIN_SECONDS + 60)
        consumer_ready.set()
        seconds = sum(s + WARMUP_SECONDS for s in SWEEP.values())
        with step(f"{label}: sweep {', '.join(f'{r:,}/s' for r in SWEEP)} written by another process"):
            points = await asyncio.to_thread(schedule.get, True, seconds * 3 + 60)
        windows = {}
        for events_per_s, start, end, sent, elapsed in points:
            window = Window(sent, elapsed)
            with step(f"{label} {events_per_s:,}/s: waiting for the last events"):
                for _ in range(150):  # 30 s at most
                    if len(recorder.between(start, end)) >= sent:
                        break
                    await asyncio.sleep(0.2)
            seen = recorder.between(start, end)
            window.latencies_ms = [ms for ms, _ in seen]
            window.relayed_ms = [relayed for _, relayed in seen]
            windows[events_per_s] = window
        return windows
    finally:
        writer.join(timeout=10)
        if writer.is_alive():
            writer.terminate()


# -- the writer process ---------------------------------------------------------------------------

Point = tuple[int, float, float, int, float]  # events/s, window start, end (wall clock), sent, seconds
Send = Callable[[int], Awaitable[None]]  # send this many events now


def _writer_process(job: WriterJob, consumer_ready: ProcessEvent, schedule: Any) -> None:
    schedule.put(asyncio.run(_write(job, consumer_ready)))


async def _write(job: WriterJob, consumer_ready: ProcessEvent) -> list[Point]:
    sender = _OutboxWriter(job) if job.kind == "outbox" else _KafkaWriter(job)
    await sender.start()
    try:
        deadline = time.monotonic() + JOIN_SECONDS
        while not consumer_ready.is_set():  # one event every 0.2 s until the consumer saw one
            if time.monotonic() > deadline:
                raise TimeoutError("the consumer saw no event within 60 s")
            await sender.send(1)
            await asyncio.sleep(0.2)
        points = []
        for events_per_s, seconds in SWEEP.items():
            await _steady(sender.send, events_per_s, WARMUP_SECONDS)
            start = time.time()
            sent, elapsed = await _steady(sender.send, events_per_s, seconds)
            points.append((events_per_s, start, time.time(), sent, elapsed))
        return points
    finally:
        await sender.stop()


class _OutboxWriter:
    """Commits precomputed outbox rows, `ce_time` stamped at commit, with one prepared INSERT."""

    def __init__(self, job: WriterJob) -> None:
        self.job = job
        self.rows = iter(self._precompute())

    def _precompute(self) -> list[tuple[Any, ...]]:
        topic, district = self.job.topic, self.job.district
        rows = []
        for event, _ in member_joined_events(_total_events(), [district] * 6):
            envelope = Envelope.wrap(
                event,
                source=self.job.settings.ce_source,
                district=district,
                branch=event.branch_id,
                traceparent=child_traceparent(None),
            )
            row = outbox_row(envelope, topic)
            rows.append(
                (
                    row["event_id"],
                    topic,
                    row["key"],
                    row["header_names"],
                    row["header_values"],
                    row["payload"],
                )
            )
        self.time_at = rows[0][3].index("ce_time")
        return rows

    async def start(self) -> None:
        self.conn = await asyncpg.connect(self.job.settings.asyncpg_dsn)
        self.insert = await self.conn.prepare(_INSERT)

    async def send(self, n: int) -> None:
        stamp = datetime.now(UTC).isoformat().encode()
        rows = []
        for _ in range(n):
            event_id, topic, key, names, values, payload = next(self.rows)
            values = list(values)
            values[self.time_at] = stamp
            rows.append((event_id, topic, key, names, values, payload))
        async with self.conn.transaction():
            await self.insert.executemany(rows)

    async def stop(self) -> None:
        await self.conn.close()


class _KafkaWriter:
    """Sends pre-serialised records, one `send` each, with the send time in a header."""

    def __init__(self, job: WriterJob) -> None:
        self.job = job
        self.payloads = [e.model_dump_json().encode() for e, _ in member_joined_events(2_000, ["floor"] * 6)]
        self.counter = iter(range(10**9))
        self.producer: AIOKafkaProducer = make_producer(job.settings)

    async def start(self) -> None:
        await self.producer.start()

    async def send(self, n: int) -> None:
        for _ in range(n):
            i = next(self.counter)
            sent = str(time.time()).encode()
            payload = self.payloads[i % len(self.payloads)]
            await self.producer.send(self.job.topic, payload, key=str(i).encode(), headers=[("sent", sent)])

    async def stop(self) -> None:
        await self.producer.stop()


async def _steady(send: Send, events_per_s: int, seconds: float) -> tuple[int, float]:
    """Send `events_per_s` for `seconds` on an absolute schedule; returns how many were sent
    and how long that took (longer than `seconds` when the sender could not keep up)."""
    total = int(events_per_s * seconds)
    sent = 0
    started = time.perf_counter()
    while sent < total:
        due = min(total, int((time.perf_counter() - started) * events_per_s) + 1) - sent
        if due <= 0:
            await asyncio.sleep(started + (sent + 1) / events_per_s - time.perf_counter())
            continue
        n = min(due, MAX_PER_TRANSACTION)
        await send(n)
        sent += n
    return sent, time.perf_counter() - started
