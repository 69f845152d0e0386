"""Outbox relay throughput: drain a committed backlog vs the same records sent by a raw producer
with the chassis's producer settings in per-partition batches (the target's baseline: what the
relay itself does, without the database), and, for reference, one `send` per record."""

from __future__ import annotations

import asyncio
import time

import asyncpg
from unionfed_chassis.db import UnitOfWork, make_engine, make_session_factory
from unionfed_chassis.kafka import make_producer
from unionfed_chassis.relay import OutboxRelay
from unionfed_chassis.settings import ServiceSettings

from .common import (
    Message,
    Result,
    bench_districts,
    count_delivered,
    create_topics,
    district_topics,
    member_joined_events,
    progress,
    rate,
    ratio_note,
    raw_producer,
    send_partition_batches,
    step,
)
from .servers import Servers, fresh_database, unique_name

EVENTS = 50_000
CHUNK = 5_000
TARGET = 0.8
RAW_SUFFIX = ".raw"
BATCHED_SUFFIX = ".batched"


async def run(srv: Servers) -> Result:
    result = Result(f"relay: drain {EVENTS:,} committed outbox rows", [])
    run_id = unique_name("r").split("_")[1]
    districts = bench_districts(run_id)
    names = district_topics(districts)
    await create_topics(srv, names + [n + s for n in names for s in (RAW_SUFFIX, BATCHED_SUFFIX)])
    url = await fresh_database(srv, "relay")
    settings = srv.settings("bench-relay", url)
    insert_seconds = await _commit_backlog(settings, districts)
    result.add("backlog committed (not timed)", insert_seconds, "s", f"{EVENTS:,} rows via UnitOfWork.emit")
    messages = await _load_messages(settings.asyncpg_dsn)

    relay_seconds = await _drain(settings)
    raw_seconds = await _raw_send(srv, messages)
    batched = [(t.removesuffix(RAW_SUFFIX) + BATCHED_SUFFIX, k, h, v) for t, k, h, v in messages]
    batched_seconds = await _batched_send(srv, batched)
    relay_rate, raw_rate = rate(EVENTS, relay_seconds), rate(EVENTS, raw_seconds)
    batched_rate = rate(EVENTS, batched_seconds)
    result.add("relay", relay_rate, "events/s", f"batch_size={settings.outbox_batch_size}")
    result.add(
        "raw producer, per-partition batches",
        batched_rate,
        "events/s",
        "make_producer options, create_batch/send_batch; same keys, headers, values",
    )
    result.add(
        "ratio relay/raw batches",
        relay_rate / batched_rate,
        "",
        ratio_note(relay_rate / batched_rate, TARGET),
    )
    result.add("raw producer, one send per record", raw_rate, "events/s", "make_producer options")
    result.add("ratio relay/raw send", relay_rate / raw_rate, "", "informational")

    with step("counting what the relay delivered"):
        delivered = await count_delivered(srv, names, EVENTS)
    ok = delivered.distinct_ids == EVENTS and delivered.out_of_order_keys == 0
    result.add(
        "delivered (distinct ce_id)",
        f"{delivered.distinct_ids:,}",
        f"of {EVENTS:,}",
        f"{delivered.records:,} records, {delivered.out_of_order_keys} keys out of order"
        + ("" if ok else "  <-- CHECK"),
    )
    return result


async def _commit_backlog(settings: ServiceSettings, districts: list[str]) -> float:
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    events = member_joined_events(EVENTS, districts)
    started = time.perf_counter()
    try:
        with progress() as bar:
            task = bar.add_task("committing the outbox backlog", total=EVENTS)
            for _ in range(EVENTS // CHUNK):
                async with sessions() as session:
                    uow = UnitOfWork(session, source=settings.ce_source, domain="membership")
                    for _, (event, district) in zip(range(CHUNK), events, strict=False):
                        uow.emit(event, district=district, branch=event.branch_id)
                    await uow.commit()
                bar.advance(task, CHUNK)
    finally:
        await engine.dispose()
    return time.perf_counter() - started


async def _load_messages(dsn: str) -> list[Message]:
    """The backlog as pre-serialised Kafka messages (bound for the twin `.raw` topics)."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT topic, key, header_names, header_values, payload FROM outbox ORDER BY id"
        )
    finally:
        await conn.close()
    return [
        (
            r["topic"] + RAW_SUFFIX,
            r["key"],
            list(zip(r["header_names"], r["header_values"], strict=True)),
            r["payload"],
        )
        for r in rows
    ]


async def _drain(settings: ServiceSettings) -> float:
    producer = make_producer(settings)
    await producer.start()
    relay = OutboxRelay(settings.asyncpg_dsn, producer, batch_size=settings.outbox_batch_size)
    try:
        with progress() as bar:
            task = bar.add_task("relay draining the outbox", total=EVENTS)
            started = time.perf_counter()
            runner = asyncio.create_task(relay.run())
            while relay.published < EVENTS:
                if runner.done():
                    runner.result()
                    raise RuntimeError("the relay stopped early")
                await asyncio.sleep(0.005)
                bar.update(task, completed=relay.published)
            elapsed = time.perf_counter() - started
        relay.stop()
        await asyncio.wait_for(runner, 30)
    finally:
        await producer.stop()
    return elapsed


async def _batched_send(srv: Servers, messages: list[Message]) -> float:
    producer = raw_producer(srv)
    await producer.start()
    try:
        with progress() as bar:
            bar.add_task("raw producer sending per-partition batches", total=None)
            started = time.perf_counter()
            await send_partition_batches(producer, messages)
            return time.perf_counter() - started
    finally:
        await producer.stop()


async def _raw_send(srv: Servers, messages: list[Message]) -> float:
    producer = raw_producer(srv)
    await producer.start()
    try:
        with progress() as bar:
            task = bar.add_task("raw producer sending", total=len(messages))
            started = time.perf_counter()
            futures = []
            send = producer.send
            for i, (topic, key, headers, value) in enumerate(messages, 1):
                futures.append(await send(topic, value=value, key=key, headers=headers))
                if i % 5000 == 0:
                    bar.update(task, completed=i)
            await producer.flush()
            await asyncio.gather(*futures)
            elapsed = time.perf_counter() - started
    finally:
        await producer.stop()
    return elapsed
