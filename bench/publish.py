"""Publish path vs a raw aiokafka producer sending the same, already serialised, messages in
per-partition batches (what the relay does), and, for reference, with one `send` per record.

Two figures, because the chassis publishes in two steps:
- publish path (the target): outbox rows as the relay reads them → the relay's per-partition
  record batches (`OutboxRelay.send_rows`) → broker acknowledgement, one relay pass of
  `OUTBOX_BATCH_SIZE` rows at a time. Envelope and headers were built earlier, at emit time,
  inside the handler's transaction.
- emit + publish (shown for the envelope's cost): event object → Envelope.wrap → headers →
  send, everything the chassis adds on top of Kafka from the handler's call to the broker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaProducer
from unionfed_chassis.context import child_traceparent
from unionfed_chassis.db import outbox_row
from unionfed_chassis.kafka import make_producer
from unionfed_chassis.relay import OutboxRelay, Row
from unionfed_events import Envelope, topics
from unionfed_events.membership import MemberJoined

from .common import (
    Message,
    Result,
    bench_districts,
    create_topics,
    district_topics,
    member_joined_events,
    progress,
    rate,
    ratio_note,
    raw_producer,
    send_partition_batches,
)
from .servers import Servers, unique_name

EVENTS = 50_000
TARGET = 0.8
SOURCE = "/unionfed/bench-publish"


async def run(srv: Servers) -> Result:
    result = Result(f"publish path: {EVENTS:,} MemberJoined events", [])
    run_id = unique_name("p").split("_")[1]
    districts = bench_districts(run_id)
    chassis_districts = bench_districts(run_id + "c")
    await create_topics(srv, district_topics(districts) + district_topics(chassis_districts))
    events = list(member_joined_events(EVENTS, districts))
    messages = [_serialise(event, district) for event, district in events]
    chassis_events = [(e, chassis_districts[districts.index(d)]) for e, d in events]

    settings = srv.settings("bench-publish")
    rows = [_outbox_row(event, district) for event, district in chassis_events]
    raw_seconds = await _timed(raw_producer(srv), "raw aiokafka send", lambda p: _send_raw(p, messages))
    batched_seconds = await _timed(
        raw_producer(srv), "raw per-partition batches", lambda p: send_partition_batches(p, messages)
    )
    relay_seconds = await _timed(
        make_producer(settings),
        "chassis publish path",
        lambda p: _send_rows(p, rows, settings.outbox_batch_size),
    )
    emit_seconds = await _timed(
        make_producer(settings), "chassis emit + publish", lambda p: _send_chassis(p, chassis_events)
    )
    raw_rate, batched_rate = rate(EVENTS, raw_seconds), rate(EVENTS, batched_seconds)
    relay_rate, emit_rate = rate(EVENTS, relay_seconds), rate(EVENTS, emit_seconds)
    result.add(
        "raw per-partition batches", batched_rate, "events/s", "pre-serialised, create_batch/send_batch"
    )
    result.add(
        "chassis publish path: outbox rows → batches",
        relay_rate,
        "events/s",
        "OutboxRelay.send_rows, one pass at a time",
    )
    ratio = relay_rate / batched_rate
    result.add("ratio publish path/raw batches", ratio, "", ratio_note(ratio, TARGET))
    result.add("raw aiokafka send per record", raw_rate, "events/s", "the chassis's producer settings")
    result.add("ratio publish path/raw send", relay_rate / raw_rate, "", "informational")
    result.add(
        "chassis emit + publish: wrap + headers + send", emit_rate, "events/s", "envelope built per event"
    )
    result.add(
        "ratio emit + publish/raw send", emit_rate / raw_rate, "", "informational: the envelope's cost"
    )
    return result


def _outbox_row(event: MemberJoined, district: str) -> Row:
    return outbox_row(_wrap(event, district), topics.events_topic("membership", district))


async def _send_rows(producer: AIOKafkaProducer, rows: list[Row], batch_size: int) -> None:
    """The relay's passes without the database: send the oldest rows, wait for the broker,
    keep the rows that did not fit their partition's batch for the next pass."""
    relay = OutboxRelay("unused: no database here", producer)
    pending = [{**row, "id": i} for i, row in enumerate(rows)]
    while pending:
        in_flight = await relay.send_rows(pending[:batch_size])
        if in_flight.interrupted or in_flight.refused:
            raise RuntimeError(f"publish path: {len(in_flight.refused)} refused, {in_flight.interrupted!r}")
        await asyncio.gather(*(delivery for _, delivery in in_flight.sent))
        done = set(in_flight.ids)
        pending = [row for row in pending[:batch_size] if row["id"] not in done] + pending[batch_size:]


def _serialise(event: MemberJoined, district: str) -> Message:
    envelope = _wrap(event, district)
    return topics.district_events("membership", district), envelope.key, envelope.headers(), envelope.data


def _wrap(event: MemberJoined, district: str) -> Envelope:
    # What UnitOfWork.emit does outside a request: a new trace, correlation = the event's own id.
    return Envelope.wrap(
        event,
        source=SOURCE,
        district=district,
        branch=event.branch_id,
        traceparent=child_traceparent(None),
    )


async def _timed(
    producer: AIOKafkaProducer, label: str, body: Callable[[AIOKafkaProducer], Awaitable[None]]
) -> float:
    await producer.start()
    try:
        with progress() as bar:
            bar.add_task(label, total=None)
            started = time.perf_counter()
            await body(producer)
            return time.perf_counter() - started
    finally:
        await producer.stop()


async def _send_raw(producer: AIOKafkaProducer, messages: list[Message]) -> None:
    send = producer.send
    futures = [await send(t, value=v, key=k, headers=h) for t, k, h, v in messages]
    await producer.flush()
    await asyncio.gather(*futures)


async def _send_chassis(producer: AIOKafkaProducer, events: list[tuple[MemberJoined, str]]) -> None:
    send = producer.send
    futures = []
    for event, district in events:
        envelope = _wrap(event, district)
        topic = topics.events_topic("membership", district)
        futures.append(await send(topic, value=envelope.data, key=envelope.key, headers=envelope.headers()))
    await producer.flush()
    await asyncio.gather(*futures)
