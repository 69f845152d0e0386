"""Helpers of the consumer-group tests: records produced one by one, the index's own end of a
partition, and a real consumer of a group that reads some records and commits them."""

from __future__ import annotations

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition
from console.adapters.orm import partition_ends
from console_testkit import Console
from unionfed_devstack.testing import wait_for


async def produce(console: Console, topic: str, partition: int, count: int) -> None:
    for n in range(count):  # one by one: each its own batch, so the broker's ends stay exact
        await console.producer.send_and_wait(topic, f"record {n}".encode(), partition=partition)


async def indexed_to(console: Console, topic: str, partition: int, next_offset: int) -> None:
    """Until the index has read the partition up to `next_offset`."""

    async def indexed() -> bool:
        query = sa.select(partition_ends.c.next_offset).where(
            partition_ends.c.topic == topic, partition_ends.c.partition == partition
        )
        async with console.engine.connect() as conn:
            return ((await conn.execute(query)).scalar_one_or_none() or 0) >= next_offset

    await wait_for(indexed, timeout=30)


async def read_and_commit(bootstrap: str, group: str, wanted: dict[TopicPartition, int]) -> None:
    """A real consumer of `group` reads `wanted[tp]` records of each partition and commits them."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(wanted))
        await consumer.seek_to_beginning(*wanted)
        read = dict.fromkeys(wanted, 0)
        while any(read[tp] < n for tp, n in wanted.items()):
            batches = await consumer.getmany(timeout_ms=1000)
            for tp, records in batches.items():
                read[tp] += len(records)
        await consumer.commit({tp: n for tp, n in wanted.items()})
    finally:
        await consumer.stop()
