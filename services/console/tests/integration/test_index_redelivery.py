"""The index reads every record once however often the broker delivers it: a batch written twice,
or read again by a new consumer of the same group after one was killed between its write and its
offset commit, adds no row, and each partition's end is the offset after its last record."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from console.adapters.event_store import write_batch
from console.adapters.indexer import StreamIndexer, write_events
from console.domain.indexed import IndexedEvent
from console.settings import MIGRATIONS, ConsoleSettings
from console_testkit import new_district
from unionfed_chassis.db import run_migrations
from unionfed_devstack.testing import wait_for

RECORDS = 60


@pytest.fixture
async def index_db(make_database: Callable[[str], str]) -> str:
    url = make_database("console_index")
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    return url


def settings_for(url: str, kafka_bootstrap: str, district: str, group: str) -> ConsoleSettings:
    return ConsoleSettings(
        environment="development",
        database_url=url,
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_enable_idempotence=False,
        kafka_metadata_max_age_ms=500,
        index_group=group,
        index_topic_pattern=rf"^unionfed\.d\.{district}\.",  # this test's topic alone
    )


def event(offset: int, topic: str = "unionfed.d.x.membership.events") -> IndexedEvent:
    return IndexedEvent(
        topic, 0, offset, f"e{offset}", "t", None, "x", None, None, f"m{offset}", None, None, None,
        card_no=f"card-{offset}",
    )  # fmt: skip


async def test_a_batch_written_twice_adds_nothing_and_an_end_never_moves_back(index_db: str) -> None:
    conn = await asyncpg.connect(index_db.replace("+asyncpg", ""))
    try:
        first = await write_events(conn, [event(o) for o in range(5, 10)])
        again = await write_events(conn, [event(o) for o in range(5, 10)])
        older = await write_batch(conn, [event(o) for o in range(0, 3)])
        assert first is not None and again is None and older is not None and older > first
        assert await conn.fetchval("SELECT count(*) FROM stream_events") == 8
        assert await conn.fetchval("SELECT count(*) FROM member_cards") == 8
        assert await conn.fetchval("SELECT next_offset FROM partition_ends") == 10
    finally:
        await conn.close()


async def test_a_batch_that_cannot_be_stored_whole_is_stored_row_by_row(index_db: str) -> None:
    conn = await asyncpg.connect(index_db.replace("+asyncpg", ""))
    try:
        bad = IndexedEvent(
            **{**event(1).__dict__, "subject": "lone \ud800 surrogate", "payload": {"a": "\ud800"}}
        )
        await write_events(conn, [event(0), bad, event(2)])
        rows = await conn.fetch(
            'SELECT "offset", subject, payload, headers FROM stream_events ORDER BY "offset"'
        )
        assert [r["offset"] for r in rows] == [0, 1, 2]
        assert rows[1]["payload"] is None
        assert "console_index_error" in rows[1]["headers"]
        assert rows[1]["subject"] == "lone ? surrogate"
    finally:
        await conn.close()


class KilledBeforeCommit(StreamIndexer):
    """Writes its first batch, then hangs where it would commit (the test kills it there)."""

    def __init__(self, settings: ConsoleSettings) -> None:
        super().__init__(settings)
        self.written = asyncio.Event()

    async def commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        self.written.set()
        await asyncio.Event().wait()


async def test_a_new_consumer_after_a_kill_before_the_commit_adds_no_duplicate(
    index_db: str, kafka_bootstrap: str, kafka_idempotence: bool
) -> None:
    district = new_district()
    topic = f"unionfed.d.{district}.campaigns.events"
    ends = await publish_in_batches(kafka_bootstrap, kafka_idempotence, topic)
    settings = settings_for(index_db, kafka_bootstrap, district, f"console-index-{uuid.uuid4().hex[:8]}")

    killed = KilledBeforeCommit(settings)
    task = asyncio.create_task(killed.run())
    await asyncio.wait_for(killed.written.wait(), 60)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM stream_events") > 0

        successor = StreamIndexer(settings)
        task = asyncio.create_task(successor.run())
        try:
            await wait_for(lambda: successor.indexed >= RECORDS, timeout=60)
        finally:
            successor.stop()
            await asyncio.wait_for(task, 30)
        assert successor.indexed == RECORDS  # read again from the start: nothing was committed
        assert await conn.fetchval("SELECT count(*) FROM stream_events") == RECORDS
        assert await conn.fetchval("SELECT count(DISTINCT event_id) FROM stream_events") == RECORDS
        found = await conn.fetch("SELECT partition, next_offset FROM partition_ends WHERE topic = $1", topic)
        assert {r["partition"]: r["next_offset"] for r in found} == ends
    finally:
        await conn.close()


async def publish_in_batches(bootstrap: str, idempotence: bool, topic: str) -> dict[int, int]:
    """RECORDS records sent at once (the producer batches them per partition); each partition's
    offset after its last record."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=idempotence, linger_ms=50)
    await producer.start()
    try:
        futures = [
            await producer.send(
                topic,
                b'{"n": %d}' % n,
                key=f"k{n % 7}".encode(),
                headers=[
                    ("ce_id", f"{topic}-{n}".encode()),
                    ("ce_source", b"/unionfed/campaigns"),
                    ("ce_type", b"org.unionfed.campaigns.Test.v1"),
                    ("ce_specversion", b"1.0"),
                    ("ce_time", b"2026-11-28T08:00:00+00:00"),
                ],
            )
            for n in range(RECORDS)
        ]
        sent = [await f for f in futures]
    finally:
        await producer.stop()
    ends: dict[int, int] = {}
    for meta in sent:
        ends[meta.partition] = max(ends.get(meta.partition, 0), meta.offset + 1)
    assert len(ends) > 1 and any(
        sum(1 for m in sent if m.partition == p) > 1 for p in ends
    )  # several partitions, multi-record batches
    return ends


async def test_the_index_goes_on_after_its_database_connection_is_cut(
    index_db: str, kafka_bootstrap: str, kafka_idempotence: bool
) -> None:
    district = new_district()
    topic = f"unionfed.d.{district}.assistance.events"
    settings = settings_for(index_db, kafka_bootstrap, district, f"console-index-{uuid.uuid4().hex[:8]}")
    indexer = StreamIndexer(settings)
    task = asyncio.create_task(indexer.run())
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        await publish_in_batches(kafka_bootstrap, kafka_idempotence, topic)
        await wait_for(lambda: indexed_at_least(conn, RECORDS), timeout=60)
        cut = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cut == 1  # the indexer's connection
        await publish_in_batches(kafka_bootstrap, kafka_idempotence, topic)
        await wait_for(lambda: indexed_at_least(conn, 2 * RECORDS), timeout=60)
        assert await conn.fetchval("SELECT count(DISTINCT event_id) FROM stream_events") == RECORDS
        assert await conn.fetchval("SELECT count(*) FROM stream_events") == 2 * RECORDS
    finally:
        indexer.stop()
        await asyncio.wait_for(task, 30)
        await conn.close()


async def indexed_at_least(conn: asyncpg.Connection, count: int) -> bool:
    return bool(await conn.fetchval("SELECT count(*) >= $1 FROM stream_events", count))


async def test_a_batch_whose_partition_a_rebalance_took_away_commits_the_rest(
    index_db: str, kafka_bootstrap: str, kafka_idempotence: bool
) -> None:
    district = new_district()
    topic = f"unionfed.d.{district}.membership.events"
    await publish_in_batches(kafka_bootstrap, kafka_idempotence, topic)
    settings = settings_for(index_db, kafka_bootstrap, district, f"console-index-{uuid.uuid4().hex[:8]}")
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka_bootstrap, group_id=settings.index_group, enable_auto_commit=False
    )
    await consumer.start()
    try:

        async def assigned() -> bool:
            await consumer.getmany(timeout_ms=200)
            return bool(consumer.assignment())

        await wait_for(assigned, timeout=60)
        owned = sorted(consumer.assignment())[0]
        revoked = TopicPartition(f"unionfed.d.{new_district()}.membership.events", 0)
        await StreamIndexer(settings).commit(consumer, {owned: 3, revoked: 7})  # no IllegalStateError
        assert await consumer.committed(owned) == 3
    finally:
        await consumer.stop()
