"""Shared pieces: output, progress, realistic events, topics, counting what was delivered."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import cycle, islice

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from unionfed_chassis.kafka import make_producer, partition_for_key
from unionfed_devstack.broker import ensure_topics
from unionfed_events import topics
from unionfed_events.fields import mask_national_id
from unionfed_events.membership import EmploymentType, JoinChannel, MemberJoined
from unionfed_events.topics import TopicSpec

from .servers import Servers

console = Console(highlight=False, width=None if sys.stdout.isatty() else 110)
PARTITIONS = 4

# A pre-serialised Kafka record: topic, key, headers, value.
Message = tuple[str, bytes | None, list[tuple[str, bytes]], bytes]


@dataclass
class Result:
    """One benchmark's figures: rows of (label, value, unit, note)."""

    title: str
    rows: list[tuple[str, str, str, str]]

    def add(self, label: str, value: float | str, unit: str = "", note: str = "") -> None:
        text = f"{value:,.0f}" if isinstance(value, float | int) and abs(value) >= 100 else str(value)
        if isinstance(value, float) and abs(value) < 100:
            text = f"{value:.2f}"
        self.rows.append((label, text, unit, note))

    def show(self) -> None:
        table = Table(title=self.title, title_justify="left", show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column(justify="right")
        table.add_column()
        table.add_column(style="dim")
        for row in self.rows:
            table.add_row(*row)
        console.print(table)


def progress() -> Progress:
    return Progress(
        TextColumn("  {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


@contextmanager
def step(text: str) -> Iterator[None]:
    with console.status(f"  {text}…"):
        yield


def rate(count: int, seconds: float) -> float:
    return count / seconds if count and seconds > 0 else float("nan")


def ratio_note(value: float, target: float) -> str:
    return f"target ≥ {target:g}: {'met' if value >= target else 'NOT met'}"


# -- events -----------------------------------------------------------------------------------

_DISTRICTS = ("huangpu", "xuhui", "pudong", "minhang", "jiading", "songjiang")


def bench_districts(run_id: str) -> list[str]:
    """District codes unique to this run, so every run publishes to fresh topics."""
    return [f"b{run_id}-{d}" for d in _DISTRICTS]


def district_topics(districts: list[str]) -> list[str]:
    return [topics.district_events("membership", d) for d in districts]


def member_joined_events(n: int, districts: list[str]) -> Iterator[tuple[MemberJoined, str]]:
    """`n` realistic MemberJoined events (demo members, fresh ids) with the district each goes to."""
    from membership.demo import demo_branches, demo_members

    branches = demo_branches()
    pool = list(demo_members(branches, min(n, 2000)))
    by_demo_district = dict(zip(_DISTRICTS, districts, strict=True))
    for i, m in enumerate(islice(cycle(pool), n)):
        district = by_demo_district.get(m.district, districts[0])
        event = MemberJoined(
            member_id=uuid.uuid4(),
            card_number=f"31{i:014d}",
            name=m.name,
            branch_id=m.branch_id,
            district=district,
            industry=m.industry,
            employment_type=EmploymentType(m.employment_type.value),
            joined_on=m.joined_on if isinstance(m.joined_on, date) else date(2024, 1, 1),
            channel=JoinChannel.BULK_IMPORT,
            national_id_masked=mask_national_id(m.national_id),
        )
        yield event, district


def raw_producer(srv: Servers) -> AIOKafkaProducer:
    """A plain aiokafka producer with the chassis's own producer settings
    (`unionfed_chassis.kafka.make_producer`: acks, linger, batch size, partitioner), so a
    comparison measures what the chassis does per record, not a difference of configuration."""
    return make_producer(srv.settings("bench-raw"))


async def send_partition_batches(producer: AIOKafkaProducer, messages: list[Message]) -> None:
    """The ceiling for a producer: records grouped by partition into full batches
    (`create_batch` / `send_batch`), same partitions as the key partitioner would choose, each
    batch closed before it is handed over (as the relay does: no linger)."""
    grouped: dict[tuple[str, int], list[Message]] = {}
    partitions: dict[str, list[int]] = {}
    for message in messages:
        topic, key = message[0], message[1]
        if topic not in partitions:
            partitions[topic] = sorted(await producer.partitions_for(topic))
        partition = partition_for_key(key, partitions[topic], partitions[topic])
        grouped.setdefault((topic, partition), []).append(message)
    futures = []
    for (topic, partition), records in grouped.items():
        batch = producer.create_batch()
        for _, key, headers, value in records:
            if batch.append(key=key, value=value, timestamp=None, headers=headers) is None:
                futures.append(await producer.send_batch(batch, topic, partition=partition))
                batch = producer.create_batch()
                batch.append(key=key, value=value, timestamp=None, headers=headers)
        batch.close()
        futures.append(await producer.send_batch(batch, topic, partition=partition))
    await asyncio.gather(*futures)


async def create_topics(srv: Servers, names: list[str], partitions: int = PARTITIONS) -> None:
    await ensure_topics(srv.kafka_bootstrap, [TopicSpec(n, partitions) for n in names])


# -- counting ---------------------------------------------------------------------------------


@dataclass
class Delivered:
    records: int
    distinct_ids: int
    out_of_order_keys: int  # keys whose ce_ids (time-ordered UUIDv7) did not arrive ascending


async def count_delivered(
    srv: Servers, topic_names: list[str], expected: int, idle_seconds: float = 5.0
) -> Delivered:
    """Read the topics from the beginning (no group) and count records and distinct ce_ids.

    Stops once `expected` distinct ids were seen and a second passed without more, or after
    `idle_seconds` without any record (end offsets are not trusted: Tansu under-reports them)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=srv.kafka_bootstrap, enable_auto_commit=False, fetch_max_wait_ms=100
    )
    await consumer.start()
    try:
        parts = [TopicPartition(t, p) for t in topic_names for p in sorted(await _partitions(consumer, t))]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ids: set[bytes] = set()
        last_by_key: dict[tuple[str, bytes | None], bytes] = {}
        records = disorder = 0
        last_new = time.monotonic()
        while True:
            batch = await consumer.getmany(timeout_ms=200, max_records=20000)
            for tp_records in batch.values():
                for r in tp_records:
                    records += 1
                    ce_id = next((v for k, v in r.headers if k == "ce_id"), b"")
                    ids.add(ce_id)
                    key = (r.topic, r.key)
                    previous = last_by_key.get(key)
                    if previous is not None and uuid.UUID(ce_id.decode()) < uuid.UUID(previous.decode()):
                        disorder += 1
                    last_by_key[key] = ce_id
            if batch:
                last_new = time.monotonic()
            idle = time.monotonic() - last_new
            if (len(ids) >= expected and idle >= 1.0) or idle >= idle_seconds:
                return Delivered(records, len(ids), disorder)
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    for _ in range(50):
        await consumer.topics()  # refreshes the metadata of every topic
        parts = consumer.partitions_for_topic(topic)
        if parts:
            return set(parts)
        await asyncio.sleep(0.1)
    raise RuntimeError(f"topic {topic} has no partitions")
