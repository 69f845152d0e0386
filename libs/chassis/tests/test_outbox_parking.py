"""What the relay does with records the broker refuses for good, and with topics that are missing,
over real PostgreSQL and a real broker.

Tansu auto-creates any topic a client asks metadata for, so "a topic the broker does not have"
is made real the way the relay itself asks: a metadata request with auto-creation off, which
Tansu honours (UNKNOWN_TOPIC_OR_PARTITION). A topic the relay created from the registry has the
registry's 3 partitions and configs; one Tansu auto-created would have 4 and none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaClient
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from prometheus_client import REGISTRY
from unionfed_chassis.db import UnitOfWork, make_session_factory
from unionfed_chassis.kafka import make_producer
from unionfed_chassis.relay import OutboxRelay, record_size_bound
from unionfed_chassis.topic_admin import TOPIC_EXISTS, UNKNOWN_TOPIC, TopicAdminError, topic_errors
from unionfed_devstack.outbox import list_parked, retry_parked
from unionfed_devstack.testing import wait_for
from unionfed_events import topics

MAX_REQUEST_SIZE = 4096  # the producer refuses a record above this, as a broker would above its limit


@pytest.fixture
async def relay(db, make_settings) -> AsyncIterator[OutboxRelay]:  # type: ignore[no-untyped-def]
    producer = make_producer(make_settings(db.url), max_request_size=MAX_REQUEST_SIZE, linger_ms=0)
    await producer.start()
    outbox_relay = OutboxRelay(db.dsn, producer, batch_size=8, poll_seconds=30, max_backoff=1)
    task = asyncio.create_task(outbox_relay.run())
    try:
        yield outbox_relay
    finally:
        outbox_relay.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await producer.stop()


@pytest.fixture
def new_uow(db) -> Callable[[], Any]:  # type: ignore[no-untyped-def]
    sessions = make_session_factory(db.engine)

    @contextlib.asynccontextmanager
    async def uow() -> AsyncIterator[UnitOfWork]:
        async with sessions() as session:
            yield UnitOfWork(session, source="/unionfed/chassis-test", domain="membership")

    return uow


async def _outbox_empty(db) -> bool:  # type: ignore[no-untyped-def]
    return await db.outbox_count() == 0


async def _topic_state(bootstrap: str, name: str) -> int:
    client = AIOKafkaClient(bootstrap_servers=bootstrap)
    await client.bootstrap()
    try:
        return (await topic_errors(client, [name]))[name]
    finally:
        await client.close()


async def _topic_config(bootstrap: str, name: str) -> tuple[int, dict[str, str]]:
    """(partitions, configs set on the topic) as the broker describes them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([name])
        (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
        entries = response.resources[0][4]
        return len(described["partitions"]), {entry[0]: entry[1] for entry in entries}
    finally:
        await admin.close()


async def test_oversize_record_is_parked_and_the_others_go_out_once_in_order(
    db, kafka, relay, new_uow, make_event, district, per_key, caplog
) -> None:
    topic = topics.district_events("membership", district)
    await kafka.create_topics(topic)
    caplog.set_level(logging.INFO, logger="unionfed.relay")
    keys = ["k0", "k1", "k2"]
    expected: dict[str, list[int]] = {k: [] for k in keys}
    async with new_uow() as uow:
        for seq in range(10):
            for key in keys:
                oversize = key == "k1" and seq == 4
                name = "x" * (2 * MAX_REQUEST_SIZE) if oversize else f"ok-{seq}"
                envelope = uow.emit(make_event(key, district, name=name), district=district, sequence=seq)
                if oversize:
                    big_id = str(envelope.id)
                else:
                    expected[key].append(seq)
        await uow.commit()

    async with kafka.tap(topic) as tap:
        await wait_for(lambda: _outbox_empty(db), timeout=30)
        records = await kafka.drain(tap)

    ids = tap.ids()
    assert len(ids) == 29 and len(set(ids)) == 29, "every good event once, no duplicates"
    assert big_id not in ids
    for key, recs in per_key(records).items():
        assert [int(dict(r.headers)["ce_sequence"]) for r in recs] == expected[key], key
    parked = await db.rows("SELECT event_id, topic, reason FROM outbox_parked")
    assert [(str(p.event_id), p.topic) for p in parked] == [(big_id, topic)]
    assert "MessageSizeTooLargeError" in parked[0].reason
    assert (relay.published, relay.parked) == (29, 1)

    lines = [r for r in caplog.records if r.getMessage().startswith("outbox row parked")]
    assert len(lines) == 1, "logged once"
    assert (lines[0].event_id, lines[0].topic) == (big_id, topic)  # type: ignore[attr-defined]
    assert all("xxxxxxxx" not in str(r.__dict__) for r in caplog.records), "never the payload"
    relay._wake.set()  # an idle pass refreshes the gauges
    await wait_for(lambda: REGISTRY.get_sample_value("unionfed_outbox_parked") == 1, timeout=10)


async def test_missing_registry_topic_is_created_from_its_spec_and_an_unknown_one_parks(
    db, kafka, relay, new_uow, make_event, district
) -> None:
    events = topics.district_events("membership", district)  # a new district: nothing created yet
    inbound = topics.system_inbound("membership", district, "hr-1")
    stray = f"unionfed.x.{district}.unknown"
    for name in (events, inbound, stray):
        assert await _topic_state(kafka.bootstrap, name) == UNKNOWN_TOPIC
    async with new_uow() as uow:
        first = uow.emit(make_event("b-1", district), district=district)
        lost = uow.send_to(stray, make_event("b-2", district), district=district)
        invalid = uow.send_to("unionfed.bad topic!", make_event("b-3", district), district=district)
        to_inbound = uow.send_to(inbound, make_event("b-4", district), district=district)
        last = uow.emit(make_event("b-1", district), district=district)
        await uow.commit()

    await wait_for(lambda: _outbox_empty(db), timeout=30)
    # Only now read the topic: a consumer asking for it first would make Tansu auto-create it.
    async with kafka.tap(events, partitions=topics.DEFAULT_PARTITIONS) as tap:
        await kafka.drain(tap)
    assert tap.ids() == [str(first.id), str(last.id)]
    assert await _topic_config(kafka.bootstrap, events) == (topics.DEFAULT_PARTITIONS, {})
    assert await _topic_config(kafka.bootstrap, inbound) == (
        topics.DEFAULT_PARTITIONS,
        {"retention.ms": str(topics.PERSONAL_DATA_RETENTION_MS)},
    )
    parked = {str(r.event_id): r.reason for r in await db.rows("SELECT event_id, reason FROM outbox_parked")}
    assert set(parked) == {str(lost.id), str(invalid.id)}
    assert parked[str(lost.id)] == f"topic {stray} does not exist and the topic registry does not describe it"
    assert parked[str(invalid.id)] == "invalid topic name 'unionfed.bad topic!'"
    assert await _topic_state(kafka.bootstrap, stray) == UNKNOWN_TOPIC, "the relay created no stray topic"
    assert str(to_inbound.id) not in parked
    assert relay.parked == 2


async def test_retry_sends_a_parked_row_once_its_topic_exists(
    db, kafka, relay, new_uow, make_event, district
) -> None:
    stray = f"unionfed.x.{district}.later"
    async with new_uow() as uow:
        envelope = uow.send_to(stray, make_event("b-late", district), district=district)
        await uow.commit()
    await wait_for(lambda: relay.parked == 1, timeout=30)
    (parked,) = await list_parked(db.dsn)
    assert (str(parked.event_id), parked.topic) == (str(envelope.id), stray)

    await kafka.create_topics(stray)  # the operator fixes the cause
    assert await _topic_state(kafka.bootstrap, stray) == TOPIC_EXISTS
    assert await retry_parked(db.dsn, ids=[parked.id], dry_run=True) == [parked.id]
    assert len(await list_parked(db.dsn)) == 1, "a dry run moves nothing"
    async with kafka.tap(stray) as tap:
        assert await retry_parked(db.dsn, ids=[parked.id]) == [parked.id]
        await wait_for(lambda: str(envelope.id) in tap.arrived, timeout=30)
        await wait_for(lambda: _outbox_empty(db), timeout=30)
        await kafka.drain(tap)
    assert tap.ids() == [str(envelope.id)]
    assert await list_parked(db.dsn) == []
    assert relay.parked == 1 and relay.published == 1


def test_a_topic_creation_refusal_that_may_pass_is_retried_not_parked() -> None:
    request_timed_out, not_controller, bad_replication = 7, 41, 38
    assert TopicAdminError("busy", [request_timed_out, not_controller]).retriable
    assert not TopicAdminError("refused", [bad_replication]).retriable
    assert not TopicAdminError("mixed", [request_timed_out, bad_replication]).retriable
    assert not TopicAdminError("no codes").retriable


def test_therecord_size_bound_never_undercounts_a_record() -> None:
    """The relay skips aiokafka's exact size estimate below the bound: the bound must never be
    below the estimate, or an oversize record would reach the broker instead of parking."""
    rng = random.Random(7)
    for _ in range(5000):
        key = None if rng.random() < 0.1 else rng.randbytes(rng.randrange(0, 300))
        value = rng.randbytes(rng.randrange(0, 20000))
        names = [
            "".join(chr(rng.choice((rng.randrange(32, 127), rng.randrange(0x80, 0xD800)))) for _ in range(n))
            for n in (rng.randrange(0, 40) for _ in range(rng.randrange(0, 20)))
        ]
        values = [rng.randbytes(rng.randrange(0, 300)) for _ in names]
        exact = DefaultRecordBatchBuilder.estimate_size_in_bytes(
            key, value, list(zip(names, values, strict=True))
        )
        assert record_size_bound(key, value, names, values) >= exact
