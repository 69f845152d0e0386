"""`skip_other_districts` over the real broker: a new group reads its own districts from their
start and other districts only from where they stood when it was called."""

from __future__ import annotations

import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from unionfed_chassis.consumer import EventConsumer
from unionfed_devstack.broker import ensure_topics
from unionfed_devstack.testing import skip_other_districts, wait_for
from unionfed_events import topics
from unionfed_events.topics import TopicSpec


async def test_a_new_group_reads_its_districts_from_the_start_and_others_from_now(
    kafka_bootstrap: str, kafka_idempotence: bool
) -> None:
    mine, other = f"s{uuid.uuid4().hex[:8]}", f"s{uuid.uuid4().hex[:8]}"
    mine_topic, other_topic = (topics.district_events("membership", d) for d in (mine, other))
    await ensure_topics(kafka_bootstrap, [TopicSpec(mine_topic), TopicSpec(other_topic)])
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=kafka_idempotence)
    await producer.start()
    group = f"skip-{uuid.uuid4().hex[:8]}"
    reader = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group, auto_offset_reset="earliest")
    try:
        # One key, so one partition: "after" is read only after "before-*" unless they were skipped.
        for i in range(5):
            await producer.send_and_wait(other_topic, f"before-{i}".encode(), key=b"k")
        await producer.send_and_wait(mine_topic, b"mine-before", key=b"k")

        consumer = EventConsumer(
            group, {}, pattern=topics.events_pattern("membership"), domain="test", source="/test"
        )
        await skip_other_districts(kafka_bootstrap, [consumer], [mine])

        await producer.send_and_wait(other_topic, b"after", key=b"k")
        await producer.send_and_wait(mine_topic, b"mine-after", key=b"k")
        reader.subscribe(pattern=consumer.pattern)
        await reader.start()
        read: list[bytes] = []

        async def both_after_read() -> bool:
            batches = await reader.getmany(timeout_ms=200)
            read.extend(
                r.value for tp, rs in batches.items() if tp.topic in (mine_topic, other_topic) for r in rs
            )
            return b"after" in read and b"mine-after" in read

        await wait_for(both_after_read, timeout=30)
        assert sorted(read) == [b"after", b"mine-after", b"mine-before"]
    finally:
        await reader.stop()
        await producer.stop()
