"""The plugin fixtures give a working Postgres and Kafka, whatever backend they resolved to."""

from __future__ import annotations

import uuid

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from unionfed_devstack.broker import list_topics


async def test_make_database_gives_a_fresh_database(make_database) -> None:
    url = make_database("fixture check")
    assert url.startswith("postgresql+asyncpg://")
    assert url.rsplit("/", 1)[1].startswith("fixture_check_")
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        assert await conn.fetchval("SELECT 1") == 1
        assert await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
    finally:
        await conn.close()
    assert make_database("fixture check") != url


async def _create_topic(bootstrap: str, name: str, partitions: int = 1) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


async def test_kafka_round_trip_with_headers(kafka_bootstrap: str, kafka_idempotence: bool) -> None:
    topic = f"unionfed.test.{uuid.uuid4().hex[:8]}"
    await _create_topic(kafka_bootstrap, topic)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=kafka_idempotence)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b'{"x": 1}', key=b"k1", headers=[("ce_type", b"t.v1")])
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka_bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        record = await consumer.getone()
    finally:
        await consumer.stop()
    assert (record.key, record.value) == (b"k1", b'{"x": 1}')
    assert list(record.headers) == [("ce_type", b"t.v1")]


async def test_broker_restart_keeps_address_and_topics(broker_control, kafka_bootstrap: str) -> None:
    topic = f"unionfed.restart.{uuid.uuid4().hex[:8]}"
    await _create_topic(kafka_bootstrap, topic, partitions=2)
    with broker_control.stopped():
        assert broker_control.bootstrap == kafka_bootstrap
    assert topic in await list_topics(kafka_bootstrap)
    # Records are another matter on Tansu (memory only); producing works again at once.
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        metadata = await producer.send_and_wait(topic, b"after restart", partition=1)
    finally:
        await producer.stop()
    assert metadata.partition == 1
