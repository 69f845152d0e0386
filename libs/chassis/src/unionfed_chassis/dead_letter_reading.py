"""Reading dead letters and their replay records back from the broker, moving no group's offsets.

Reading "to the end": the embedded Tansu under-reports end offsets when the last batch held several
records, so positions are never compared with end offsets here. A fresh consumer (no group, never
commits) reads from the beginning, or from the wanted offsets, and stops once `idle` seconds pass
without a record, or once it has read past every wanted offset. Nothing is produced to find the end.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from unionfed_events import topics

from .stored_dead_letter import DLQ_PREFIX, DeadLetterPosition, StoredDeadLetter
from .topic_admin import describe_partitions, list_topics

DEFAULT_IDLE = 1.0


@dataclass(frozen=True)
class ReplayRecord:
    """What `unionfed.dlq-replays` says of one replayed dead letter. `reason` is None in records
    written before replays carried one (they stay readable)."""

    key: str
    by: str
    at: str
    reason: str | None
    event_id: str | None
    same_event_as: str | None
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, key: str, value: dict[str, Any]) -> ReplayRecord:
        return cls(
            key=key,
            by=str(value.get("by") or "unknown"),
            at=str(value.get("at") or ""),
            reason=value.get("reason"),
            event_id=value.get("event_id"),
            same_event_as=value.get("same_event_as"),
            raw=value,
        )


def _consumer(bootstrap: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,  # no group: nothing is committed, no service's offsets move
        client_id=f"unionfed-dlq-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )


async def dead_letter_topics(bootstrap: str) -> list[str]:
    """Every unionfed.dlq.* topic (a metadata request for all topics, which creates none)."""
    return [name for name in await list_topics(bootstrap) if name.startswith(DLQ_PREFIX)]


async def read_all(
    bootstrap: str, topic_names: Sequence[str], idle: float = DEFAULT_IDLE
) -> list[StoredDeadLetter]:
    """Every record of `topic_names`, read from the beginning until `idle` seconds pass without one.

    Deliberately not "until the end offsets": Tansu's are not trustworthy (see the module doc)."""
    partitions = await describe_partitions(bootstrap, list(topic_names))
    assigned = [TopicPartition(t, p) for t, count in sorted(partitions.items()) for p in range(count)]
    return await _read(bootstrap, dict.fromkeys(assigned), {}, idle)


async def read_positions(
    bootstrap: str, positions: Iterable[DeadLetterPosition], idle: float = DEFAULT_IDLE
) -> dict[DeadLetterPosition, StoredDeadLetter]:
    """The dead letters at `positions`, read from the lowest wanted offset of each partition up to
    the highest; a position with no record there (a wrong offset, a topic that does not exist, or
    one past retention) is missing from the answer. Unknown topics are left out before anything is
    asked about them (asking for an unknown topic's partitions would make Tansu create it)."""
    wanted = sorted(set(positions))
    existing = set(await list_topics(bootstrap))
    counts = await describe_partitions(bootstrap, sorted({p.topic for p in wanted if p.topic in existing}))
    start: dict[TopicPartition, int | None] = {}
    last: dict[TopicPartition, int] = {}
    for p in wanted:
        if p.partition < counts.get(p.topic, 0) and p.offset >= 0:
            tp = TopicPartition(p.topic, p.partition)
            start.setdefault(tp, p.offset)  # `wanted` is sorted: the lowest comes first
            last[tp] = p.offset
    letters = await _read(bootstrap, start, last, idle)
    found = {letter.position: letter for letter in letters}
    return {p: found[p] for p in wanted if p in found}


async def _read(
    bootstrap: str,
    start: dict[TopicPartition, int | None],
    last: dict[TopicPartition, int],
    idle: float,
) -> list[StoredDeadLetter]:
    """Records of each partition from `start[tp]` (None: its beginning); a partition in `last` is done once a record at
    or past `last[tp]` is read, the rest when `idle` seconds pass without a record."""
    if not start:
        return []
    consumer = _consumer(bootstrap)
    await consumer.start()
    letters: list[StoredDeadLetter] = []
    try:
        assigned = list(start)
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*(tp for tp, offset in start.items() if offset is None))
        for tp, offset in start.items():
            if offset is not None:
                consumer.seek(tp, offset)
        for tp in assigned:  # a round trip to the partition leaders before the idle clock starts
            await consumer.position(tp)
        pending = set(assigned) if last else set()
        seen = time.monotonic()
        poll_ms = max(int(min(idle, 0.25) * 1000), 10)
        while time.monotonic() - seen < idle:
            batches = await consumer.getmany(*assigned, timeout_ms=poll_ms)
            for tp, records in batches.items():
                wanted = [r for r in records if tp not in last or r.offset <= last[tp]]
                letters.extend(StoredDeadLetter.from_record(r) for r in wanted)
                if records:
                    seen = time.monotonic()
                    if tp in last and records[-1].offset >= last[tp]:
                        pending.discard(tp)
            if last and not pending:
                break
    finally:
        await consumer.stop()
    letters.sort(key=lambda d: (d.topic, d.partition, d.offset))
    return letters


async def read_dead_letters(bootstrap: str, group: str, idle: float = DEFAULT_IDLE) -> list[StoredDeadLetter]:
    """The dead letters of one consumer group, oldest first; [] when its DLQ topic does not exist
    (checked first: asking for an unknown topic's partitions would make Tansu create it)."""
    topic = topics.dead_letter(group)
    if topic not in await list_topics(bootstrap):
        return []
    letters = await read_all(bootstrap, [topic], idle)
    return sorted(letters, key=lambda d: (d.time is None, d.time or datetime.min, d.partition, d.offset))


async def read_replays(bootstrap: str, idle: float = DEFAULT_IDLE) -> dict[str, dict[str, Any]]:
    """Every replay record, latest per key ({letter key: record}); {} before the first replay.
    `ReplayRecord.from_json(key, value)` reads one, old or new."""
    if topics.DLQ_REPLAYS not in await list_topics(bootstrap):
        return {}
    replays: dict[str, dict[str, Any]] = {}
    for stored in await read_all(bootstrap, [topics.DLQ_REPLAYS], idle):
        if stored.key is None or not stored.value:
            continue
        with contextlib.suppress(ValueError):
            replays[stored.key.decode()] = json.loads(stored.value)
    return replays
