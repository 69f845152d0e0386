"""Outbox → relay → Kafka over real PostgreSQL and a real broker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from datetime import datetime

import pytest
import sqlalchemy as sa
from unionfed_chassis import context
from unionfed_chassis.db import UnitOfWork, make_engine, make_session_factory
from unionfed_chassis.kafka import make_producer
from unionfed_chassis.relay import OutboxRelay
from unionfed_devstack.testing import wait_for
from unionfed_events import topics
from unionfed_events.membership import BranchEstablished


def events_topic(district: str) -> str:
    return topics.district_events("membership", district)


async def test_event_arrives_once_with_key_and_cloudevents_headers(
    db, kafka, runtimes, make_event, district
) -> None:
    topic = events_topic(district)
    await kafka.create_topics(topic)
    runtime = await runtimes(db)
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    token = context.current.set(
        context.MessageContext(correlation_id="corr-42", traceparent=f"00-{trace_id}-00f067aa0ba902b7-01")
    )
    try:
        event = make_event("b-headers", district)
        async with runtime.unit_of_work() as uow:
            envelope = uow.emit(event, district=district, sequence=7)
            await uow.commit()
    finally:
        context.current.reset(token)

    async with kafka.tap(topic) as tap:
        await wait_for(lambda: str(envelope.id) in tap.arrived, timeout=20)
        await wait_for(lambda: _is_zero(db.outbox_count), timeout=20)
        records = await kafka.drain(tap)

    assert len(records) == 1, "published exactly once"
    record = records[0]
    assert record.key == b"b-headers"
    assert json.loads(record.value) == event.model_dump(mode="json")
    headers = dict(record.headers)
    assert len(headers) == len(record.headers), "no header twice"
    h = {k: v.decode() for k, v in headers.items()}
    assert h["ce_id"] == str(envelope.id)
    assert h["ce_source"] == "/unionfed/chassis-test"
    assert h["ce_type"] == BranchEstablished.ce_type() == "org.unionfed.membership.BranchEstablished.v1"
    assert h["ce_specversion"] == "1.0"
    assert datetime.fromisoformat(h["ce_time"]).tzinfo is not None
    assert h["ce_subject"] == "b-headers"
    assert h["content-type"] == "application/json"
    assert h["ce_district"] == district
    assert h["ce_correlationid"] == "corr-42"
    parts = h["ce_traceparent"].split("-")
    assert parts[0] == "00" and parts[1] == trace_id and parts[2] != "00f067aa0ba902b7", "child span"
    assert h["ce_sequence"] == "7"
    assert "ce_branch" not in h and "ce_causationid" not in h, "unset attributes are left out"


async def _is_zero(count) -> bool:  # type: ignore[no-untyped-def]
    return await count() == 0


async def test_also_to_districts_publishes_same_event_to_both_topics(
    db, kafka, runtimes, make_event, district
) -> None:
    other = district + "-b"
    first, second = events_topic(district), events_topic(other)
    await kafka.create_topics(first, second)
    runtime = await runtimes(db)
    async with runtime.unit_of_work() as uow:
        envelope = uow.emit(make_event("b-moved", district), district=district, also_to_districts=[other])
        await uow.commit()

    async with kafka.tap(first) as tap1, kafka.tap(second) as tap2:
        await wait_for(lambda: _is_zero(db.outbox_count), timeout=20)
        on_first, on_second = await kafka.drain(tap1), await kafka.drain(tap2)
    assert [r.key for r in on_first] == [r.key for r in on_second] == [b"b-moved"]
    assert tap1.ids() == tap2.ids() == [str(envelope.id)]


async def test_per_key_order_of_1000_events_over_10_keys(
    db, kafka, runtimes, make_event, district, per_key
) -> None:
    topic = events_topic(district)
    await kafka.create_topics(topic)
    # Small batches so the relay pipelines many batches while we are still committing.
    runtime = await runtimes(db, outbox_batch_size=64)
    keys = [f"k{i}" for i in range(10)]
    sequence = 0
    for _ in range(20):  # 20 transactions of 50 events, interleaving the keys
        async with runtime.unit_of_work() as uow:
            for _ in range(50):
                key = keys[sequence % 10]
                uow.emit(make_event(key, district), district=district, sequence=sequence // 10)
                sequence += 1
            await uow.commit()

    async with kafka.tap(topic) as tap:
        await wait_for(lambda: _is_zero(db.outbox_count), timeout=60)
        records = await kafka.drain(tap)
    assert len(records) == 1000
    assert len(set(tap.ids())) == 1000
    by_key = per_key(records)
    assert sorted(by_key) == keys
    for key, recs in by_key.items():
        seqs = [int(dict(r.headers)["ce_sequence"]) for r in recs]
        assert seqs == list(range(100)), f"{key} out of order: {seqs[:20]}..."
        assert len({r.partition for r in recs}) == 1, f"{key} spread over partitions"


async def test_rolled_back_unit_of_work_publishes_nothing(db, kafka, runtimes, make_event, district) -> None:
    topic = events_topic(district)
    await kafka.create_topics(topic)
    runtime = await runtimes(db)
    insert = sa.text("INSERT INTO things (district, name) VALUES (:d, :n)")

    # 1. Outbox rows written (flushed) in the transaction, then rolled back explicitly.
    async with runtime.unit_of_work() as uow:
        await uow.session.execute(insert, {"d": district, "n": "explicit"})
        uow.emit(make_event("b-rollback-1", district), district=district)
        await uow.flush_events()
        assert await uow.session.scalar(sa.text("SELECT count(*) FROM outbox")) == 1
        await uow.rollback()
    # 2. A handler that fails: the unit of work is abandoned without commit.
    with pytest.raises(RuntimeError, match="boom"):
        async with runtime.unit_of_work() as uow:
            await uow.session.execute(insert, {"d": district, "n": "raised"})
            uow.emit(make_event("b-rollback-2", district), district=district)
            await uow.flush_events()
            raise RuntimeError("boom")
    # 3. A committed marker, published after the rolled-back ones would have been.
    async with runtime.unit_of_work() as uow:
        marker = uow.emit(make_event("b-marker", district), district=district)
        await uow.commit()

    async with kafka.tap(topic) as tap:
        await wait_for(lambda: str(marker.id) in tap.arrived, timeout=20)
        await wait_for(lambda: _is_zero(db.outbox_count), timeout=20)
        await kafka.drain(tap)
    assert tap.ids() == [str(marker.id)]
    assert await db.scalar("SELECT count(*) FROM things") == 0


async def test_relay_wakes_on_notify_well_before_the_poll_interval(
    db, kafka, runtimes, make_event, district
) -> None:
    topic = events_topic(district)
    await kafka.create_topics(topic)
    runtime = await runtimes(db, outbox_poll_seconds=30)
    relay = runtime.relay
    assert relay is not None and relay.poll_seconds == 30
    async with kafka.tap(topic) as tap:
        await wait_for(lambda: relay.is_leader, timeout=10)
        latencies = []
        for i in range(3):
            await asyncio.sleep(0.3)  # let the relay park in its 30 s wait (setup, not an assertion)
            async with runtime.unit_of_work() as uow:
                envelope = uow.emit(make_event(f"b-wake-{i}", district), district=district)
                await uow.commit()
            committed = time.monotonic()
            event_id = str(envelope.id)
            await wait_for(lambda: event_id in tap.arrived, timeout=20)  # noqa: B023
            latencies.append(tap.arrived[event_id] - committed)
    assert max(latencies) < 5, f"relay did not wake on NOTIFY: {latencies}"


async def test_broker_outage_loses_nothing(
    db, kafka, make_settings, make_event, district, broker_control, caplog
) -> None:
    topic = events_topic(district)
    await kafka.create_topics(topic)
    settings = make_settings(db.url)
    # Short request timeout so sends fail during the outage and the relay's retry path runs.
    producer = make_producer(settings, request_timeout_ms=1500)
    await producer.start()
    relay = OutboxRelay(db.dsn, producer, batch_size=16, poll_seconds=30, max_backoff=2)
    task = asyncio.create_task(relay.run())
    runtime_engine_uow = _uow_factory(db)
    caplog.set_level(logging.WARNING, logger="unionfed.relay")
    try:
        # Warm up: the producer knows the topic and is connected.
        async with runtime_engine_uow() as uow:
            uow.emit(make_event("b-warm", district), district=district)
            await uow.commit()
        await wait_for(lambda: _is_zero(db.outbox_count), timeout=20)

        await asyncio.to_thread(broker_control.stop)
        try:
            expected = set()
            for batch in range(5):
                async with runtime_engine_uow() as uow:
                    for i in range(10):
                        env = uow.emit(make_event(f"b-out-{batch}-{i}", district), district=district)
                        expected.add(str(env.id))
                    await uow.commit()
            await wait_for(
                lambda: any(r.name == "unionfed.relay" for r in caplog.records), timeout=20
            )  # the relay tried, failed and keeps retrying
            assert await db.outbox_count() == 50, "rows stay while the broker is down"
            assert relay.published == 1
        finally:
            await asyncio.to_thread(broker_control.start)
        # The restarted broker is empty. Create the topic as it was before anything else asks for
        # it: the tap's metadata request would otherwise auto-create it with the broker's default
        # partition count, and the markers of `drain` would name partitions the producer never saw.
        await kafka.create_topics(topic)

        async with kafka.tap(topic) as tap:
            await wait_for(lambda: _is_zero(db.outbox_count), timeout=60)
            await kafka.drain(tap)
        ids = tap.ids()
        delivered = set(ids) & expected
        assert delivered == expected, f"{len(expected - delivered)} events lost"
        assert len(delivered) == 50
    finally:
        relay.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await producer.stop()


def _uow_factory(db):  # type: ignore[no-untyped-def]
    sessions = make_session_factory(db.engine)

    @contextlib.asynccontextmanager
    async def uow():  # type: ignore[no-untyped-def]
        async with sessions() as session:
            yield UnitOfWork(session, source="/unionfed/chassis-test", domain="membership")

    return uow


async def test_two_relays_one_leader_and_failover(db, kafka, make_settings, make_event, district) -> None:
    topic = events_topic(district)
    await kafka.create_topics(topic)
    settings = make_settings(db.url)
    producers = [make_producer(settings), make_producer(settings)]
    for p in producers:
        await p.start()
    first = OutboxRelay(db.dsn, producers[0], poll_seconds=30)
    second = OutboxRelay(db.dsn, producers[1], poll_seconds=30)
    tasks = {first: asyncio.create_task(first.run())}
    new_uow = _uow_factory(db)

    async def emit(prefix: str, n: int) -> set[str]:
        ids = set()
        async with new_uow() as uow:
            for i in range(n):
                ids.add(str(uow.emit(make_event(f"{prefix}-{i % 7}", district), district=district).id))
            await uow.commit()
        return ids

    try:
        await wait_for(lambda: first.is_leader, timeout=10)
        tasks[second] = asyncio.create_task(second.run())
        # The standby has connected (LISTEN + deleter) and competes for the lock.
        await wait_for(lambda: _backends_at_least(db, 4), timeout=10)
        async with kafka.tap(topic) as tap:
            before = await emit("b-one", 100)
            await wait_for(lambda: _is_zero(db.outbox_count), timeout=30)
            assert (first.is_leader, second.is_leader) == (True, False)
            assert (first.published, second.published) == (100, 0)

            first.stop()
            await tasks.pop(first)
            await wait_for(lambda: second.is_leader, timeout=10)
            after = await emit("b-two", 100)
            await wait_for(lambda: _is_zero(db.outbox_count), timeout=30)
            assert second.published == 100
            await kafka.drain(tap)
        ids = tap.ids()
        assert len(ids) == 200, "every event delivered once"
        assert set(ids) == before | after
    finally:
        for relay, task in tasks.items():
            relay.stop()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for p in producers:
            await p.stop()


async def _backends_at_least(db, n: int) -> bool:  # type: ignore[no-untyped-def]
    count = await db.scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return int(count) >= n


async def test_concurrent_writers_keep_per_key_order_and_late_rows_go_out_under_load(
    db, kafka, make_settings, make_event, district, per_key
) -> None:
    """20 writers over 10 keys, each locking its key's counter row before it writes the event
    carrying the new count (the handlers' discipline). Some hold their transaction open for a
    while after their outbox row got its id, so rows with later ids commit and are sent first:
    those late rows must still go out while the load runs, and every key's sequence must arrive
    complete and in order."""
    topic = events_topic(district)
    await kafka.create_topics(topic)
    keys = [f"k{i}" for i in range(10)]
    async with db.engine.begin() as conn:
        await conn.execute(sa.text("CREATE TABLE key_counters (key text PRIMARY KEY, value int NOT NULL)"))
        await conn.execute(sa.text("INSERT INTO key_counters VALUES (:k, 0)"), [{"k": k} for k in keys])
    engine = make_engine(db.url, pool_size=20)
    sessions = make_session_factory(engine)
    producer = make_producer(make_settings(db.url))
    await producer.start()
    relay = OutboxRelay(db.dsn, producer, batch_size=64, poll_seconds=30)
    relay_task = asyncio.create_task(relay.run())
    committed: dict[str, float] = {}
    late: set[str] = set()
    started = time.monotonic()
    holds_end, load_end = started + 3.0, started + 8.0

    async def write(key: str, hold: float, first: bool) -> None:
        async with sessions() as session:
            uow = UnitOfWork(session, source="/unionfed/chassis-test", domain="membership")
            lock = sa.text("SELECT value FROM key_counters WHERE key = :k FOR UPDATE")
            value = (await session.execute(lock, {"k": key})).scalar_one() + 1
            await session.execute(
                sa.text("UPDATE key_counters SET value = :v WHERE key = :k"), {"v": value, "k": key}
            )
            envelope = uow.emit(make_event(key, district), district=district, sequence=value)
            # Every hold ends well before the load; a slow writer's first hold always happens (on a
            # busy machine the first writes may start after `holds_end`, and the test needs its late rows).
            hold = hold if first or time.monotonic() < holds_end else 0
            if hold:
                await uow.flush_events()  # the row has its id; later ids commit while we wait
                await asyncio.sleep(hold)
            await uow.commit()
        committed[str(envelope.id)] = time.monotonic()
        if hold:
            late.add(str(envelope.id))

    async def writer(n: int) -> None:
        rng = random.Random(n)
        first = True
        while time.monotonic() < load_end:
            slow = n % 4 == 0 and (first or (time.monotonic() < holds_end and rng.random() < 0.2))
            await write(rng.choice(keys), rng.uniform(1.0, 1.5) if slow else 0, first)
            first = False

    try:
        async with kafka.tap(topic) as tap:
            await wait_for(lambda: relay.is_leader, timeout=10)
            await asyncio.gather(*(writer(n) for n in range(20)))
            await wait_for(lambda: _is_zero(db.outbox_count), timeout=60)
            records = await kafka.drain(tap)
    finally:
        relay.stop()
        relay_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay_task
        await producer.stop()
        await engine.dispose()

    ids = tap.ids()
    assert len(ids) == len(set(ids)) == len(committed), "every event once"
    assert set(ids) == set(committed)
    counts = dict(await db.rows("SELECT key, value FROM key_counters"))
    for key, recs in per_key(records).items():
        seqs = [int(dict(r.headers)["ce_sequence"]) for r in recs]
        assert seqs == list(range(1, counts[key] + 1)), f"{key}: gap, duplicate or out of order"
    waits = {event_id: tap.arrived[event_id] - at for event_id, at in committed.items()}
    late_waits = sorted(waits[event_id] for event_id in late)
    print(
        f"\n{len(committed)} events from 20 writers; longest wait commit→read {max(waits.values()):.3f}s;"
        f" {len(late)} late rows, longest wait {late_waits[-1]:.3f}s"
    )
    assert len(late) >= 5, "every fourth writer held its first transaction open"
    assert all(tap.arrived[event_id] < load_end for event_id in late), "a late row waited for the load to end"


async def test_rows_beyond_a_full_partition_batch_wait_for_the_next_pass_in_order(
    db, kafka, make_settings, make_event, district, per_key
) -> None:
    """A record batch of 2 KB holds a few events: each pass sends the first rows of every
    partition and leaves the rest for later passes, which must still go out once and in order."""
    topic = events_topic(district)
    await kafka.create_topics(topic)
    keys = [f"k{i}" for i in range(3)]
    async with make_session_factory(db.engine)() as session:
        uow = UnitOfWork(session, source="/unionfed/chassis-test", domain="membership")
        for seq in range(60):
            for key in keys:
                uow.emit(make_event(key, district), district=district, sequence=seq)
        await uow.commit()
    producer = make_producer(make_settings(db.url), max_batch_size=2048)
    await producer.start()
    relay = OutboxRelay(db.dsn, producer, batch_size=500, poll_seconds=30)
    task = asyncio.create_task(relay.run())
    try:
        async with kafka.tap(topic) as tap:
            await wait_for(lambda: _is_zero(db.outbox_count), timeout=60)
            records = await kafka.drain(tap)
    finally:
        relay.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await producer.stop()
    assert len(records) == len(set(tap.ids())) == 180, "every event once"
    for key, recs in per_key(records).items():
        assert [int(dict(r.headers)["ce_sequence"]) for r in recs] == list(range(60)), key
    assert relay.published == 180
