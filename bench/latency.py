"""End-to-end latency at steady rates (a sweep), through a Runtime: emit + commit (outbox) ->
relay -> Kafka -> chassis EventConsumer (inbox + one effect row); the handler records
now - ce_time. The floor: a raw producer (the chassis's producer settings) and a raw aiokafka
consumer (the chassis's fetch wait) on the same schedule, recording now - send time.

Events are emitted on an absolute schedule: each pass commits, in one transaction, every event
due by then (one per transaction at low rates, a few dozen at 15,000/s), as concurrent requests
would; a late pass catches up."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer
from unionfed_chassis.consumer import FETCH_MAX_WAIT_MS, Delivery, EventConsumer
from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.runtime import Runtime
from unionfed_events.membership import MemberJoined

from .common import (
    Result,
    bench_districts,
    create_topics,
    district_topics,
    member_joined_events,
    progress,
    raw_producer,
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
Send = Callable[[int], Awaitable[None]]  # send this many events now


@dataclass
class Window:
    sent: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)

    def q(self, quantile: float) -> float:
        values = sorted(self.latencies_ms)
        return values[min(len(values) - 1, int(quantile * len(values)))] if values else float("nan")


class Recorder:
    """(send time, latency ms) of every event seen; the windows pick theirs by send time."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self.seen = asyncio.Event()

    def record(self, sent_at: float, now: float) -> None:
        self.samples.append((sent_at, (now - sent_at) * 1000))
        self.seen.set()

    def between(self, start: float, end: float) -> list[float]:
        return [ms for t, ms in self.samples if start <= t < end]


async def run(srv: Servers) -> Result:
    result = Result("latency: emit -> handler, sweep of steady rates, chassis vs raw Kafka floor", [])
    chassis = await _chassis(srv)
    floor = await _floor(srv)
    for events_per_s in SWEEP:
        for label, windows in (("chassis", chassis), ("floor", floor)):
            w = windows[events_per_s]
            note = f"{len(w.latencies_ms):,} of {w.sent:,} seen, sent at {w.sent / w.seconds:,.0f}/s"
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
    await create_topics(srv, district_topics([district]))
    settings = srv.settings(unique_name("bench-latency"), await fresh_database(srv, "latency"))
    recorder = Recorder()

    async def handle(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        now = time.time()
        for d in deliveries:
            recorder.record(d.envelope.time.timestamp(), now)
        await apply_members(uow, deliveries)

    consumer = EventConsumer(
        settings.service_name,
        {MemberJoined: handle},
        topics=district_topics([district]),
        domain="membership",
        source=settings.ce_source,
    )
    runtime = Runtime.build(settings, "membership", [consumer])
    async with runtime.engine.begin() as conn:
        await conn.run_sync(effects.metadata.create_all)
    events = member_joined_events(_total_events(), [district] * 6)

    async def send(n: int) -> None:
        async with runtime.unit_of_work() as uow:
            for _ in range(n):
                event, _ = next(events)
                uow.emit(event, district=event.district, branch=event.branch_id)
            await uow.commit()

    await runtime.start(None)
    try:
        return await _sweep("chassis", send, recorder)
    finally:
        await runtime.stop()


async def _floor(srv: Servers) -> dict[int, Window]:
    topic = district_topics(bench_districts(unique_name("f").split("_")[1]))[0]
    await create_topics(srv, [topic])
    recorder = Recorder()
    payloads = [e.model_dump_json().encode() for e, _ in member_joined_events(2_000, ["floor"] * 6)]
    producer = raw_producer(srv)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=srv.kafka_bootstrap,
        group_id=unique_name("bench-latency-floor"),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
    )
    counter = iter(range(10**9))

    async def send(n: int) -> None:
        for _ in range(n):
            i = next(counter)
            sent = str(time.time()).encode()
            await producer.send(
                topic, payloads[i % len(payloads)], key=str(i).encode(), headers=[("sent", sent)]
            )

    async def receive() -> None:
        while True:
            batch = await consumer.getmany(timeout_ms=200, max_records=1000)
            now = time.time()
            for records in batch.values():
                for r in records:
                    recorder.record(float(dict(r.headers)["sent"]), now)

    await producer.start()
    await consumer.start()
    reader = asyncio.create_task(receive())
    try:
        return await _sweep("floor", send, recorder)
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await consumer.stop()
        await producer.stop()


def _total_events() -> int:
    return 200 + sum(int(r * (s + WARMUP_SECONDS)) for r, s in SWEEP.items())


async def _sweep(label: str, send: Send, recorder: Recorder) -> dict[int, Window]:
    with step(f"{label}: waiting for the consumer group to join"):
        deadline = time.monotonic() + 60
        while not recorder.seen.is_set():
            if time.monotonic() > deadline:
                raise TimeoutError("the consumer saw no event within 60 s")
            await send(1)
            await asyncio.sleep(0.2)
    windows = {}
    for events_per_s, seconds in SWEEP.items():
        await _steady(send, events_per_s, WARMUP_SECONDS, f"{label} {events_per_s:,}/s warm-up")
        start = time.time()
        sent, elapsed = await _steady(send, events_per_s, seconds, f"{label} {events_per_s:,}/s")
        end = time.time()
        window = Window(sent, elapsed)
        with step(f"{label} {events_per_s:,}/s: waiting for the last events"):
            for _ in range(150):  # 30 s at most
                if len(recorder.between(start, end)) >= sent:
                    break
                await asyncio.sleep(0.2)
        window.latencies_ms = recorder.between(start, end)
        windows[events_per_s] = window
    return windows


async def _steady(send: Send, events_per_s: int, seconds: float, label: str) -> tuple[int, float]:
    """Send `events_per_s` for `seconds` on an absolute schedule; returns how many were sent
    and how long that took (longer than `seconds` when the sender could not keep up)."""
    total = int(events_per_s * seconds)
    sent = 0
    with progress() as bar:
        task = bar.add_task(label, total=total)
        started = time.perf_counter()
        while sent < total:
            due = min(total, int((time.perf_counter() - started) * events_per_s) + 1) - sent
            if due <= 0:
                await asyncio.sleep(started + (sent + 1) / events_per_s - time.perf_counter())
                continue
            n = min(due, MAX_PER_TRANSACTION)
            await send(n)
            sent += n
            bar.update(task, completed=sent)
    return sent, time.perf_counter() - started
