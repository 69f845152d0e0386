"""`unionfed dlq …`: count, show and replay the dead letters on `unionfed.dlq.<consumer-group>` topics.

A dead letter (unionfed_chassis.dead_letter) is the original record — key, value and headers as they
came — plus headers saying why and where from: dlq_reason, dlq_consumer, dlq_topic, dlq_partition,
dlq_offset, dlq_attempts, dlq_time.

Reading "to the end": the embedded Tansu under-reports end offsets when the last batch held several
records, so positions are never compared with end offsets here. A fresh consumer (no group, never
commits, so no service's offsets move) reads every partition from the beginning and stops once
`idle` seconds pass without a record. Nothing is produced to find the end.

Replay republishes each dead letter, with its original key, value and headers (dlq_* dropped), to
the group's retry topic `unionfed.retry.<group>`, which only that group's EventConsumer reads: the
other groups of the original topic never see it again. Each replayed letter is then recorded on
`unionfed.dlq-replays` (compacted, keyed `<group>/<dlq partition>/<dlq offset>`: who, when, where it
went), so a second replay of the same letters does nothing and `dlq list` can say what is still
unreplayed. Why a topic and not a table: the dead letters live on the broker, the CLI needs no
service's database to read them, and compaction keeps one record per letter. A replayed event lands
after any newer events of the same subject; the group's inbox makes it a no-op if it was applied.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from unionfed_events import topics
from unionfed_events.display import decode, key_fields, mask_text, matches, short_type
from unionfed_events.envelope import Envelope

from .broker import describe_partitions, ensure_topics, list_topics

DLQ_PREFIX = topics.dead_letter("")  # "unionfed.dlq."
DLQ_HEADER_PREFIX = "dlq_"
DEFAULT_IDLE = 1.0
MIN_REASON_WIDTH = 30


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


async def read_dead_letters(bootstrap: str, group: str, idle: float = DEFAULT_IDLE) -> list[StoredDeadLetter]:
    """The dead letters of one consumer group, oldest first; [] when its DLQ topic does not exist
    (checked first: asking for an unknown topic's partitions would make Tansu create it)."""
    topic = topics.dead_letter(group)
    if topic not in await list_topics(bootstrap):
        return []
    letters = await read_all(bootstrap, [topic], idle)
    return sorted(letters, key=lambda d: (d.time is None, d.time or datetime.min, d.partition, d.offset))


# --- replay ----------------------------------------------------------------------------------


def letter_key(letter: StoredDeadLetter) -> str:
    """A dead letter's identity in the replay records: its group and place on the DLQ topic."""
    return f"{group_of(letter.topic)}/{letter.partition}/{letter.offset}"


async def read_replays(bootstrap: str, idle: float = DEFAULT_IDLE) -> dict[str, dict[str, Any]]:
    """Every replay record, latest per key ({letter_key: record}); {} before the first replay."""
    if topics.DLQ_REPLAYS not in await list_topics(bootstrap):
        return {}
    replays: dict[str, dict[str, Any]] = {}
    for stored in await read_all(bootstrap, [topics.DLQ_REPLAYS], idle):
        if stored.key is None or not stored.value:
            continue
        with contextlib.suppress(ValueError):
            replays[stored.key.decode()] = json.loads(stored.value)
    return replays


@dataclass
class ReplayPlan:
    """What a replay will publish (in order) and what it leaves alone, and why."""

    replay: list[StoredDeadLetter] = field(default_factory=list)
    # Later dead letters of an event this run replays: recorded as replayed with it.
    same_event: list[tuple[StoredDeadLetter, StoredDeadLetter]] = field(default_factory=list)
    filtered_out: int = 0
    already_replayed: int = 0


def plan_replay(
    letters: Iterable[StoredDeadLetter], *, replayed: Iterable[str] = (), types: Sequence[str] = ()
) -> ReplayPlan:
    """Leave out the letters already replayed (their `letter_key` in `replayed`), filter by type
    (short name, case-insensitive, like `events tail --type`), and replay each event once."""
    done = set(replayed)
    plan = ReplayPlan()
    first_of: dict[tuple[str, ...], StoredDeadLetter] = {}
    for letter in letters:
        if letter_key(letter) in done:
            plan.already_replayed += 1
            continue
        if types and not matches(letter.envelope, letter.original_topic or "", types):
            plan.filtered_out += 1
            continue
        identity = letter.identity()
        if identity in first_of:
            plan.same_event.append((letter, first_of[identity]))
            continue
        first_of[identity] = letter
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
    already_replayed: int
    dry_run: bool
    cancelled: bool = False


def format_summary(s: ReplaySummary) -> str:
    target = topics.retry(s.group)
    if s.dry_run:
        head = f"dry run: {s.planned} dead letter(s) of {s.group} would be replayed to {target}"
    elif s.cancelled:
        head = f"cancelled: nothing replayed ({s.planned} dead letter(s) of {s.group} were ready)"
    else:
        head = f"replayed {s.replayed} dead letter(s) of {s.group} to {target}"
    details = [f"{s.read} read"]
    if s.already_replayed:
        details.append(f"{s.already_replayed} replayed before")
    if s.filtered_out:
        details.append(f"{s.filtered_out} filtered out by --type")
    if s.duplicates:
        details.append(f"{s.duplicates} duplicate(s) of an event already in this run")
    return f"{head} ({', '.join(details)})"


def producer_idempotence(env: Mapping[str, str] | None = None) -> bool:
    """KAFKA_ENABLE_IDEMPOTENCE if set; otherwise on for an external broker (KAFKA_BOOTSTRAP_SERVERS)
    and off for the embedded Tansu, which rejects idempotent producers (as `unionfed run` does)."""
    env = os.environ if env is None else env
    value = (env.get("KAFKA_ENABLE_IDEMPOTENCE") or "").strip().lower()
    if value:
        return value not in ("0", "false", "no", "off")
    return bool(env.get("KAFKA_BOOTSTRAP_SERVERS"))


def operator(env: Mapping[str, str] | None = None) -> str:
    """Who replays when `--by` is not given: $USER (or $USERNAME), else "unknown"."""
    env = os.environ if env is None else env
    return env.get("USER") or env.get("USERNAME") or "unknown"


async def publish(
    bootstrap: str,
    group: str,
    plan: ReplayPlan,
    *,
    by: str,
    enable_idempotence: bool,
) -> int:
    """Send each planned letter to the group's retry topic (original key, value and headers), wait
    for every acknowledgement, then record every letter of the plan as replayed.

    Recorded after the sends: a crash in between leaves letters unrecorded, and the next run
    sends them again, which the group's inbox turns into no-ops. The other order could record
    a letter that never reached the retry topic."""
    from aiokafka import AIOKafkaProducer

    if not plan.replay:
        return 0
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=f"unionfed-dlq-replay-{uuid.uuid4().hex[:8]}",
        acks="all",
        enable_idempotence=enable_idempotence,
    )
    await producer.start()
    try:
        retry_topic = topics.retry(group)
        futures = [
            await producer.send(retry_topic, value=d.value, key=d.key, headers=d.original_headers)
            for d in plan.replay
        ]
        sent = {letter_key(d): await f for d, f in zip(plan.replay, futures, strict=True)}
        at = datetime.now(UTC).isoformat()
        records: list[tuple[StoredDeadLetter, Any, str | None]] = [
            (d, sent[letter_key(d)], None) for d in plan.replay
        ]
        records += [(d, sent[letter_key(first)], letter_key(first)) for d, first in plan.same_event]
        acks = []
        for letter, meta, same_as in records:
            value = {
                "group": group,
                "dlq_topic": letter.topic,
                "dlq_partition": letter.partition,
                "dlq_offset": letter.offset,
                "event_id": letter.envelope.id if letter.envelope else None,
                "by": by,
                "at": at,
                "retry_topic": retry_topic,
                "retry_partition": meta.partition,
                "retry_offset": meta.offset,
                "same_event_as": same_as,
            }
            key = letter_key(letter).encode()
            acks.append(await producer.send(topics.DLQ_REPLAYS, json.dumps(value).encode(), key=key))
        for ack in acks:
            await ack
    finally:
        await producer.stop()
    return len(futures)


async def replay_dead_letters(
    bootstrap: str,
    group: str,
    *,
    types: Sequence[str] = (),
    dry_run: bool = False,
    by: str | None = None,
    enable_idempotence: bool = False,
    idle: float = DEFAULT_IDLE,
    emit: Callable[[str], None] = lambda _line: None,
    confirm: Callable[[int], bool] | None = None,
    width: int | None = None,
) -> ReplaySummary:
    """Read the group's dead letters and the replay records, print what would be replayed, ask
    `confirm(count)` (when given), republish to the group's retry topic and record the replay.
    The read ends before anything is published, so a letter dead-lettered again during the
    replay is not picked up by this run."""
    letters = await read_dead_letters(bootstrap, group, idle)
    plan = plan_replay(letters, replayed=await read_replays(bootstrap, idle), types=types)
    for letter in plan.replay:
        emit(f"{'would' if dry_run else 'replay':<6}  {format_dead_letter_line(letter, width)}")
    summary = ReplaySummary(
        group=group,
        read=len(letters),
        planned=len(plan.replay),
        replayed=0,
        filtered_out=plan.filtered_out,
        duplicates=len(plan.same_event),
        already_replayed=plan.already_replayed,
        dry_run=dry_run,
    )
    if dry_run or not plan.replay:
        return summary
    if confirm is not None and not confirm(len(plan.replay)):
        return replace(summary, cancelled=True)
    await ensure_topics(bootstrap, topics.replay_topics([group]))
    replayed = await publish(
        bootstrap, group, plan, by=by or operator(), enable_idempotence=enable_idempotence
    )
    return replace(summary, replayed=replayed)


# --- per-group counts ------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupCounts:
    topic: str
    group: str
    total: int
    replayed: int

    @property
    def unreplayed(self) -> int:
        return self.total - self.replayed


async def count_by_group(bootstrap: str, idle: float = DEFAULT_IDLE) -> list[GroupCounts]:
    """Per unionfed.dlq.* topic: its dead letters, how many were replayed, how many were not."""
    names = await dead_letter_topics(bootstrap)
    replays = await read_replays(bootstrap, idle)
    totals = dict.fromkeys(names, 0)
    replayed = dict.fromkeys(names, 0)
    for letter in await read_all(bootstrap, names, idle):
        totals[letter.topic] += 1
        replayed[letter.topic] += letter_key(letter) in replays
    return [GroupCounts(t, group_of(t), totals[t], replayed[t]) for t in names]
