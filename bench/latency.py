"""End-to-end latency through a Runtime: emit + commit (outbox) -> relay -> Kafka -> chassis
EventConsumer (inbox + one effect row). The handler records now - ce_time at a steady rate."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from unionfed_chassis.consumer import Delivery, EventConsumer
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
    step,
)
from .consumer import apply_members, effects
from .servers import Servers, fresh_database, unique_name

RATE = 500  # events/s
WARMUP_SECONDS = 3.0
MEASURE_SECONDS = 20.0
TARGET_P99_MS = 100.0


class Recorder:
    def __init__(self) -> None:
        self.samples: list[tuple[datetime, float]] = []  # (ce_time, latency ms)
        self.seen = asyncio.Event()

    async def handle(self, uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        now = datetime.now(UTC)
        for d in deliveries:
            self.samples.append((d.envelope.time, (now - d.envelope.time).total_seconds() * 1000))
        self.seen.set()
        await apply_members(uow, deliveries)


async def run(srv: Servers) -> Result:
    result = Result(f"latency: emit -> handler at {RATE} events/s for {MEASURE_SECONDS:.0f}s", [])
    district = bench_districts(unique_name("l").split("_")[1])[0]
    await create_topics(srv, district_topics([district]))
    settings = srv.settings(unique_name("bench-latency"), await fresh_database(srv, "latency"))
    recorder = Recorder()
    consumer = EventConsumer(
        settings.service_name,
        {MemberJoined: recorder.handle},
        topics=district_topics([district]),
        domain="membership",
        source=settings.ce_source,
    )
    runtime = Runtime.build(settings, "membership", [consumer])
    async with runtime.engine.begin() as conn:
        await conn.run_sync(effects.metadata.create_all)
    events = member_joined_events(RATE * int(MEASURE_SECONDS + WARMUP_SECONDS + 60), [district] * 6)
    await runtime.start(None)
    try:
        with step("waiting for the consumer group to join"):
            await _until_seen(runtime, recorder, events)
        await _produce(runtime, events, WARMUP_SECONDS, "warm-up")
        measure_from = datetime.now(UTC)
        sent = await _produce(runtime, events, MEASURE_SECONDS, "steady load")
        with step("waiting for the last events"):
            await _drain(recorder, measure_from, sent)
    finally:
        await runtime.stop()
    measured = sorted(ms for t, ms in recorder.samples if t >= measure_from)
    result.add(
        "events measured", f"{len(measured):,}", "", f"of {sent:,} sent at {sent / MEASURE_SECONDS:.0f}/s"
    )
    for label, q in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99)):
        note = f"target ≤ {TARGET_P99_MS:g} ms: {'met' if _q(measured, q) <= TARGET_P99_MS else 'NOT met'}"
        result.add(label, _q(measured, q), "ms", note if label == "p99" else "")
    result.add("max", measured[-1] if measured else float("nan"), "ms")
    return result


def _q(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


async def _emit(runtime: Runtime, event: MemberJoined) -> None:
    async with runtime.unit_of_work() as uow:
        uow.emit(event, district=event.district, branch=event.branch_id)
        await uow.commit()


async def _until_seen(runtime: Runtime, recorder: Recorder, events: object) -> None:
    deadline = time.monotonic() + 60
    while not recorder.seen.is_set():
        if time.monotonic() > deadline:
            raise TimeoutError("the consumer saw no event within 60 s")
        event, _ = next(events)  # type: ignore[call-overload]
        await _emit(runtime, event)
        await asyncio.sleep(0.2)


async def _produce(runtime: Runtime, events: object, seconds: float, label: str) -> int:
    """One transaction per event, on an absolute schedule (a late tick catches up)."""
    total = int(RATE * seconds)
    with progress() as bar:
        task = bar.add_task(label, total=total)
        started = time.perf_counter()
        for i in range(total):
            delay = started + i / RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            event, _ = next(events)  # type: ignore[call-overload]
            await _emit(runtime, event)
            if i % 100 == 0:
                bar.update(task, completed=i)
    return total


async def _drain(recorder: Recorder, since: datetime, expected: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if sum(1 for t, _ in recorder.samples if t >= since) >= expected:
            return
        await asyncio.sleep(0.2)
