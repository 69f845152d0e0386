"""The console's index against the relay, in the same run over the same records: 50,000
MemberJoined committed to an outbox, the outbox relay (in this process) publishing them, and the
operator console (its own process, as `unionfed run` starts it: `uvicorn console.main:app`)
indexing them as they come. Each rate is taken over its own span: the relay's from its first
record's broker timestamp to its last, the console's from its first record indexed to its last;
an index that keeps up spans the same time as the relay (ratio ≈ 1.0), one that falls behind
spans longer. Latency is publish (the record's timestamp) → indexed (the row's `indexed_at`,
taken as the batch is written). Then a second console, with a new group and database, indexes
the same records from the broker as fast as it can: the index's own capacity (informational).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg
import psutil
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from unionfed_devstack._util import free_port

from . import processes
from .common import Result, bench_districts, create_topics, district_topics, progress, rate, ratio_note, step
from .relay import EVENTS, _commit_backlog, _drain
from .servers import Servers, asyncpg_dsn, fresh_database, unique_name

TARGET = 1.0
WAIT_SECONDS = 300.0
READY_PATH = "/health/ready"
WARMUP_MARKER = b'{"bench": "warm-up"}'
Position = tuple[str, int, int]  # topic, partition, offset


async def run(srv: Servers) -> Result:
    result = Result(f"console index: {EVENTS:,} MemberJoined relayed and indexed as they come", [])
    run_id = unique_name("ci").split("_")[1]
    districts = bench_districts(run_id)
    names = district_topics(districts)
    await create_topics(srv, names)
    outbox_url = await fresh_database(srv, "console_outbox")
    settings = srv.settings("bench-console-relay", outbox_url)
    seconds = await _commit_backlog(settings, districts)
    result.add("backlog committed (not timed)", seconds, "s", f"{EVENTS:,} rows via UnitOfWork.emit")
    pattern = rf"^unionfed\.d\.b{run_id}-"  # this run's topics only

    console_url = await fresh_database(srv, "console", chassis_tables=False)
    async with _console(srv, console_url, f"bench-console-{run_id}", pattern) as (dsn, pid):
        markers = await _warm_up(srv, names, dsn)
        console_cpu = _cpu_seconds(pid)
        relay_started, relay_cpu = time.perf_counter(), time.process_time()
        await _drain(settings)
        relay_seconds, relay_cpu = time.perf_counter() - relay_started, time.process_time() - relay_cpu
        behind = EVENTS + markers - await _count(dsn)
        await _wait_indexed(dsn, EVENTS + markers, "console indexing what the relay published")
        console_cpu = _cpu_seconds(pid) - console_cpu
        indexed_at = await _indexed_at(dsn)
    published_at = await _published_at(srv, names)

    publish_span = _span(list(published_at.values()))
    index_span = _span(list(indexed_at.values()))
    relay_rate, index_rate = rate(EVENTS, publish_span), rate(EVENTS, index_span)
    result.add(
        "relay publish rate",
        relay_rate,
        "events/s",
        f"first to last record's timestamp; drain {relay_seconds:.1f} s",
    )
    result.add("console indexing rate", index_rate, "events/s", "first to last record indexed, same records")
    result.add(
        "ratio console/relay", index_rate / relay_rate, "", ratio_note(index_rate / relay_rate, TARGET)
    )
    result.add("not yet indexed when the relay finished", behind, "records")
    latencies = sorted(
        (indexed_at[p] - published_at[p]) * 1000 for p in indexed_at.keys() & published_at.keys()
    )
    result.add("publish → indexed p50", _quantile(latencies, 0.5), "ms", f"{len(latencies):,} records")
    result.add("publish → indexed p99", _quantile(latencies, 0.99), "ms")
    # CPU per record moves less with the machine's load than rates do (PostgreSQL's not counted).
    result.add(
        "CPU per record: relay / console",
        f"{relay_cpu / EVENTS * 1e6:.0f} / {console_cpu / EVENTS * 1e6:.0f}",
        "µs",
        "informational: the relay's process / the console's process",
    )

    catch_up_url = await fresh_database(srv, "console_catch_up", chassis_tables=False)
    async with _console(srv, catch_up_url, f"bench-console-catch-up-{run_id}", pattern) as (dsn, _):
        await _wait_indexed(dsn, EVENTS + markers, "a new console indexing the same records from the broker")
        catch_up = _span(list((await _indexed_at(dsn)).values()))
    result.add(
        "catch-up indexing rate",
        rate(EVENTS, catch_up),
        "events/s",
        "informational: a new group, records already on the broker",
    )
    return result


@asynccontextmanager
async def _console(srv: Servers, url: str, group: str, pattern: str) -> AsyncIterator[tuple[str, int]]:
    """The console as its own process, indexing `pattern` under `group` into `url`: the
    database's DSN and the process id."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "KAFKA_BOOTSTRAP_SERVERS": srv.kafka_bootstrap,
        "KAFKA_ENABLE_IDEMPOTENCE": "true" if srv.idempotence else "false",
        "ENVIRONMENT": "development",
        "JWT_SECRET": secrets.token_hex(32),
        "INDEX_GROUP": group,
        "INDEX_TOPIC_PATTERN": pattern,
    }
    env.pop("LOG_LEVEL", None)
    port = free_port()
    with tempfile.TemporaryFile() as log:
        proc = processes.spawn(processes.uvicorn_command("console.main:app", port), env, log)
        try:
            with step(f"starting the console on :{port}"):
                await asyncio.to_thread(processes.wait_ready, proc, port, READY_PATH)
        except Exception:
            processes.stop(proc)
            raise RuntimeError(processes.log_tail(log)) from None
        try:
            yield asyncpg_dsn(url), proc.pid
        finally:
            processes.stop(proc)


async def _warm_up(srv: Servers, names: list[str], dsn: str) -> int:
    """One record (not a CloudEvent) per partition, waited for in the index: the console's
    group has joined and holds every partition before the relay starts."""
    producer = AIOKafkaProducer(bootstrap_servers=srv.kafka_bootstrap, enable_idempotence=srv.idempotence)
    await producer.start()
    try:
        sent = 0
        for name in names:
            for partition in sorted(await producer.partitions_for(name)):
                await producer.send_and_wait(name, WARMUP_MARKER, partition=partition)
                sent += 1
    finally:
        await producer.stop()
    await _wait_indexed(dsn, sent, "the console subscribing (one record per partition)")
    return sent


async def _count(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        count: int = await conn.fetchval("SELECT count(*) FROM stream_events")
        return count
    finally:
        await conn.close()


async def _wait_indexed(dsn: str, count: int, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    with progress() as bar:
        task = bar.add_task(what, total=count)
        while (done := await _count(dsn)) < count:
            bar.update(task, completed=done)
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: {done:,} of {count:,} after {WAIT_SECONDS:.0f} s")
            await asyncio.sleep(0.05)


async def _indexed_at(dsn: str) -> dict[Position, float]:
    """When each relayed record was indexed (epoch seconds); the warm-up records left out."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            'SELECT topic, partition, "offset", indexed_at FROM stream_events WHERE type IS NOT NULL'
        )
    finally:
        await conn.close()
    return {(r["topic"], r["partition"], r["offset"]): _epoch(r["indexed_at"]) for r in rows}


async def _published_at(srv: Servers, names: list[str]) -> dict[Position, float]:
    """Each relayed record's broker timestamp (the producer's create time, epoch seconds)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=srv.kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()
        parts = [TopicPartition(n, p) for n in names for p in sorted(consumer.partitions_for_topic(n) or ())]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        found: dict[Position, float] = {}
        idle_since = time.monotonic()
        with step("reading the records' timestamps"):
            while len(found) < EVENTS and time.monotonic() - idle_since < 5:
                batch = await consumer.getmany(timeout_ms=200, max_records=20_000)
                for records in batch.values():
                    for r in records:
                        if r.value != WARMUP_MARKER:
                            found[(r.topic, r.partition, r.offset)] = r.timestamp / 1000
                if batch:
                    idle_since = time.monotonic()
        return found
    finally:
        await consumer.stop()


def _cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def _span(moments: list[float]) -> float:
    return max(moments) - min(moments) if moments else float("nan")


def _quantile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")
