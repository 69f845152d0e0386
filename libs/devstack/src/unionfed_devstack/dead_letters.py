"""`unionfed dlq …`: count, show and replay the dead letters on `unionfed.dlq.<consumer-group>` topics.

A dead letter (unionfed_chassis.dead_letter) is the original record — key, value and headers as they
came — plus headers saying why and where from: dlq_reason, dlq_consumer, dlq_topic, dlq_partition,
dlq_offset, dlq_attempts, dlq_time.

Reading "to the end": the embedded Tansu under-reports end offsets when the last batch held several
records, so positions are never compared with end offsets here. A fresh consumer (no group, never
commits, so no service's offsets move) reads every partition from the beginning and stops once
`idle` seconds pass without a record. Nothing is produced to find the end.

Replay republishes each dead letter to its original topic and partition with the original key,
value and headers (dlq_* dropped), so the consumer group processes it again after a fix. Every
consumer of that topic receives it again; chassis consumers keep an inbox of applied event ids,
so for an event already applied the replay is a no-op and replaying twice is safe. A replayed event
lands after any newer events of the same subject.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from unionfed_events import topics
from unionfed_events.envelope import Envelope

from .broker import describe_partitions, list_topics
from .tail import decode, key_fields, mask, matches, short_type

DLQ_PREFIX = topics.dead_letter("")  # "unionfed.dlq."
DLQ_HEADER_PREFIX = "dlq_"
DEFAULT_IDLE = 1.0
MIN_REASON_WIDTH = 30

# Personal identifiers inside free text (a handler error may quote a row): 18-character national
# ids and 11-digit mainland mobile numbers, masked the way `events tail` masks fields.
_NATIONAL_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<!\d)1\d{10}(?!\d)")


def mask_text(text: str) -> str:
    text = _NATIONAL_ID_RE.sub(lambda m: mask("national_id", m.group()), text)
    return _PHONE_RE.sub(lambda m: mask("phone", m.group()), text)


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class StoredDeadLetter:
    """One record read from a DLQ topic; topic/partition/offset are its place on the DLQ topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()

    @classmethod
    def from_record(cls, record: Any) -> StoredDeadLetter:
        """From an aiokafka ConsumerRecord (or anything with the same attributes)."""
        headers = tuple((str(k), bytes(v) if v is not None else b"") for k, v in (record.headers or ()))
        return cls(record.topic, record.partition, record.offset, record.key, record.value, headers)

    def header(self, name: str) -> str | None:
        for k, v in reversed(self.headers):  # the last one wins, as the chassis appends dlq_*
            if k == name:
                return v.decode("utf-8", errors="replace")
        return None

    @property
    def original_topic(self) -> str | None:
        return self.header("dlq_topic") or None

    @property
    def original_partition(self) -> int | None:
        return _int(self.header("dlq_partition"))

    @property
    def original_offset(self) -> int | None:
        return _int(self.header("dlq_offset"))

    @property
    def reason(self) -> str:
        return self.header("dlq_reason") or ""

    @property
    def consumer(self) -> str | None:
        return self.header("dlq_consumer")

    @property
    def attempts(self) -> int | None:
        return _int(self.header("dlq_attempts"))

    @property
    def time(self) -> datetime | None:
        text = self.header("dlq_time")
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
        except ValueError:
            return None

    @property
    def original_headers(self) -> list[tuple[str, bytes]]:
        """The headers the record had before it was dead-lettered (every dlq_* dropped)."""
        return [(k, v) for k, v in self.headers if not k.startswith(DLQ_HEADER_PREFIX)]

    @property
    def envelope(self) -> Envelope | None:
        return decode(self.original_headers, self.value)

    def identity(self) -> tuple[str, ...]:
        """What makes two dead letters "the same": the event id, else the original coordinates."""
        envelope = self.envelope
        if envelope is not None:
            return ("event", str(envelope.id))
        if self.original_topic is not None:
            return ("record", self.original_topic, str(self.original_partition), str(self.original_offset))
        return ("dlq", self.topic, str(self.partition), str(self.offset))


def group_of(dlq_topic: str) -> str:
    return dlq_topic.removeprefix(DLQ_PREFIX)


def _truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def format_dead_letter_line(letter: StoredDeadLetter, width: int | None = None) -> str:
    """dlq_time, original topic partition/offset, type, event id, attempts, key fields (masked),
    then the reason — masked, on one line, and cut so the line fits `width` (None: no cut)."""
    when = letter.time.strftime("%Y-%m-%d %H:%M:%S") if letter.time else "-"
    partition = "?" if letter.original_partition is None else letter.original_partition
    offset = "?" if letter.original_offset is None else letter.original_offset
    where = f"{letter.original_topic or '?'} {partition}/{offset}"
    envelope = letter.envelope
    if envelope is None:
        kind, event_id, fields = "(not a CloudEvent)", "-", []
    else:
        kind, event_id = short_type(envelope.type), str(envelope.id)
        try:
            fields = key_fields(json.loads(envelope.data or b"{}"), skip=("district",))
        except ValueError:
            fields = ["(data is not JSON)"]
    attempts = "-" if letter.attempts is None else letter.attempts
    head = f"{when}  {where}  {kind}  {event_id}  attempts={attempts}"
    if fields:
        head += "  " + " ".join(fields)
    head += "  reason: "
    reason = mask_text(" ".join(letter.reason.split()) or "-")  # mask before cutting: no half ids
    if width is not None:
        reason = _truncate(reason, max(width - len(head), MIN_REASON_WIDTH))
    return head + reason


# --- reading ---------------------------------------------------------------------------------


async def dead_letter_topics(bootstrap: str) -> list[str]:
    """Every unionfed.dlq.* topic (a metadata request for all topics, which creates none)."""
    return [name for name in await list_topics(bootstrap) if name.startswith(DLQ_PREFIX)]


async def read_all(
    bootstrap: str, topic_names: Sequence[str], idle: float = DEFAULT_IDLE
) -> list[StoredDeadLetter]:
    """Every record of `topic_names`, read from the beginning until `idle` seconds pass without one.

    Deliberately not "until the end offsets": Tansu's are not trustworthy (see the module doc)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    partitions = await describe_partitions(bootstrap, list(topic_names))
    assigned = [TopicPartition(t, p) for t, count in sorted(partitions.items()) for p in range(count)]
    if not assigned:
        return []
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,  # no group: nothing is committed, no service's offsets move
        client_id=f"unionfed-dlq-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    letters: list[StoredDeadLetter] = []
    try:
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        for tp in assigned:  # a round trip to the partition leaders before the idle clock starts
            await consumer.position(tp)
        last = time.monotonic()
        poll_ms = max(int(min(idle, 0.25) * 1000), 10)
        while time.monotonic() - last < idle:
            batches = await consumer.getmany(*assigned, timeout_ms=poll_ms)
            for records in batches.values():
                if records:
                    letters.extend(StoredDeadLetter.from_record(r) for r in records)
                    last = time.monotonic()
    finally:
        await consumer.stop()
    letters.sort(key=lambda d: (d.topic, d.partition, d.offset))
    return letters


async def count_dead_letters(bootstrap: str, idle: float = DEFAULT_IDLE) -> dict[str, int]:
    """Record count per unionfed.dlq.* topic (0 for an empty one)."""
    names = await dead_letter_topics(bootstrap)
    counts = dict.fromkeys(names, 0)
    for letter in await read_all(bootstrap, names, idle):
        counts[letter.topic] += 1
    return counts


async def read_dead_letters(bootstrap: str, group: str, idle: float = DEFAULT_IDLE) -> list[StoredDeadLetter]:
    """The dead letters of one consumer group, oldest first; [] when its DLQ topic does not exist
    (checked first: asking for an unknown topic's partitions would make Tansu create it)."""
    topic = topics.dead_letter(group)
    if topic not in await list_topics(bootstrap):
        return []
    letters = await read_all(bootstrap, [topic], idle)
    return sorted(letters, key=lambda d: (d.time is None, d.time or datetime.min, d.partition, d.offset))


# --- replay ----------------------------------------------------------------------------------


@dataclass
class ReplayPlan:
    """What a replay will publish (in order) and what it leaves alone, and why."""

    replay: list[StoredDeadLetter] = field(default_factory=list)
    filtered_out: int = 0
    duplicates: int = 0
    unreplayable: list[tuple[StoredDeadLetter, str]] = field(default_factory=list)


def plan_replay(
    letters: Iterable[StoredDeadLetter], *, existing_topics: Iterable[str], types: Sequence[str] = ()
) -> ReplayPlan:
    """Filter by type (short name, case-insensitive, like `events tail --type`), keep the first of
    several dead letters of one event (an event is never replayed twice in one run), and set aside
    the ones without a usable original topic."""
    existing = set(existing_topics)
    plan = ReplayPlan()
    seen: set[tuple[str, ...]] = set()
    for letter in letters:
        if types and not matches(letter.envelope, letter.original_topic or "", types):
            plan.filtered_out += 1
            continue
        identity = letter.identity()
        if identity in seen:
            plan.duplicates += 1
            continue
        seen.add(identity)
        target = letter.original_topic
        if target is None:
            plan.unreplayable.append((letter, "no dlq_topic header"))
        elif target.startswith(DLQ_PREFIX):
            plan.unreplayable.append((letter, f"original topic {target} is a dead-letter topic"))
        elif target not in existing:
            plan.unreplayable.append((letter, f"original topic {target} does not exist"))
        else:
            plan.replay.append(letter)
    return plan


@dataclass(frozen=True)
class ReplaySummary:
    group: str
    read: int
    planned: int
    replayed: int
    filtered_out: int
    duplicates: int
    unreplayable: int
    dry_run: bool
    cancelled: bool = False


def format_summary(s: ReplaySummary) -> str:
    if s.dry_run:
        head = f"dry run: {s.planned} dead letter(s) of {s.group} would be replayed"
    elif s.cancelled:
        head = f"cancelled: nothing replayed ({s.planned} dead letter(s) of {s.group} were ready)"
    else:
        head = f"replayed {s.replayed} dead letter(s) of {s.group}"
    details = [f"{s.read} read"]
    if s.filtered_out:
        details.append(f"{s.filtered_out} filtered out by --type")
    if s.duplicates:
        details.append(f"{s.duplicates} duplicate(s) of an event already in this run")
    if s.unreplayable:
        details.append(f"{s.unreplayable} not replayable")
    return f"{head} ({', '.join(details)})"


def producer_idempotence(env: Mapping[str, str] | None = None) -> bool:
    """KAFKA_ENABLE_IDEMPOTENCE if set; otherwise on for an external broker (KAFKA_BOOTSTRAP_SERVERS)
    and off for the embedded Tansu, which rejects idempotent producers (as `unionfed run` does)."""
    env = os.environ if env is None else env
    value = (env.get("KAFKA_ENABLE_IDEMPOTENCE") or "").strip().lower()
    if value:
        return value not in ("0", "false", "no", "off")
    return bool(env.get("KAFKA_BOOTSTRAP_SERVERS"))


async def publish(bootstrap: str, letters: Sequence[StoredDeadLetter], *, enable_idempotence: bool) -> int:
    """Send each letter to its original topic and partition (key-partitioned when that partition is
    gone) with the original key, value and headers; acks=all, and wait for every acknowledgement."""
    from aiokafka import AIOKafkaProducer

    if not letters:
        return 0
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=f"unionfed-dlq-replay-{uuid.uuid4().hex[:8]}",
        acks="all",
        enable_idempotence=enable_idempotence,
    )
    await producer.start()
    try:
        partitions: dict[str, set[int]] = {}
        futures = []
        for letter in letters:
            target = letter.original_topic
            assert target is not None  # plan_replay set the others aside
            if target not in partitions:
                partitions[target] = set(await producer.partitions_for(target))
            partition = letter.original_partition if letter.original_partition in partitions[target] else None
            futures.append(
                await producer.send(
                    target,
                    value=letter.value,
                    key=letter.key,
                    headers=letter.original_headers,
                    partition=partition,
                )
            )
        for future in futures:
            await future
    finally:
        await producer.stop()
    return len(futures)


async def replay_dead_letters(
    bootstrap: str,
    group: str,
    *,
    types: Sequence[str] = (),
    dry_run: bool = False,
    enable_idempotence: bool = False,
    idle: float = DEFAULT_IDLE,
    emit: Callable[[str], None] = lambda _line: None,
    confirm: Callable[[int], bool] | None = None,
    width: int | None = None,
) -> ReplaySummary:
    """Read the group's dead letters, print what would be replayed, ask `confirm(count)` (when given)
    and republish. The read ends before anything is published, so a letter dead-lettered again
    during the replay is not picked up by this run."""
    letters = await read_dead_letters(bootstrap, group, idle)
    plan = plan_replay(letters, existing_topics=await list_topics(bootstrap), types=types)
    for letter, why in plan.unreplayable:
        emit(f"skip    {why}: {format_dead_letter_line(letter, width)}")
    for letter in plan.replay:
        emit(f"{'would' if dry_run else 'replay':<6}  {format_dead_letter_line(letter, width)}")
    summary = ReplaySummary(
        group=group,
        read=len(letters),
        planned=len(plan.replay),
        replayed=0,
        filtered_out=plan.filtered_out,
        duplicates=plan.duplicates,
        unreplayable=len(plan.unreplayable),
        dry_run=dry_run,
    )
    if dry_run or not plan.replay:
        return summary
    if confirm is not None and not confirm(len(plan.replay)):
        return replace(summary, cancelled=True)
    replayed = await publish(bootstrap, plan.replay, enable_idempotence=enable_idempotence)
    return replace(summary, replayed=replayed)
