"""Replaying dead letters to the group that failed them, once, recorded with who and why.

A replay republishes each dead letter, with its original key, value and headers (dlq_* dropped),
to the group's retry topic `unionfed.retry.<group>`, which only that group's EventConsumer reads:
the other groups of the original topic never see it again. Each replayed letter is then recorded
on `unionfed.dlq-replays` (compacted, keyed `<group>/<dlq partition>/<dlq offset>`: who, why, when,
where it went), so a second replay of the same letters sends nothing. Why a topic and not a table:
the dead letters live on the broker, the CLI needs no service's database to read them, and
compaction keeps one record per letter. A replayed event lands after any newer events of the same
subject; the group's inbox makes it a no-op if it was applied meanwhile.

Used by `unionfed dlq replay` (a group's letters, filtered by type) and the console (a selection
by position: `replay_positions`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from aiokafka import AIOKafkaProducer
from unionfed_events import topics
from unionfed_events.display import matches

from .dead_letter_reading import DEFAULT_IDLE, ReplayRecord, read_positions, read_replays
from .stored_dead_letter import DLQ_PREFIX, DeadLetterPosition, StoredDeadLetter, letter_key
from .topic_admin import ensure_topics


@dataclass
class ReplayPlan:
    """What a replay will publish (in order) and what it leaves alone, and why."""

    replay: list[StoredDeadLetter] = field(default_factory=list)
    # Later dead letters of an event this run replays: recorded as replayed with it.
    same_event: list[tuple[StoredDeadLetter, StoredDeadLetter]] = field(default_factory=list)
    filtered_out: int = 0
    replayed_before: list[StoredDeadLetter] = field(default_factory=list)

    @property
    def already_replayed(self) -> int:
        return len(self.replayed_before)


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
            plan.replayed_before.append(letter)
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


async def publish(
    bootstrap: str,
    group: str,
    plan: ReplayPlan,
    *,
    by: str,
    enable_idempotence: bool,
    reason: str | None = None,
) -> int:
    """Send each planned letter to the group's retry topic (original key, value and headers), wait
    for every acknowledgement, then record every letter of the plan as replayed, by whom and why.

    Recorded after the sends: a crash in between leaves letters unrecorded, and the next run
    sends them again, which the group's inbox turns into no-ops. The other order could record
    a letter that never reached the retry topic."""
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
                "reason": reason,
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


class Outcome(StrEnum):
    REPLAYED = "replayed"
    SAME_EVENT = "replayed with the same event"  # another selected letter carried it
    ALREADY_REPLAYED = "already replayed"
    NOT_FOUND = "not found"


@dataclass(frozen=True)
class ReplayOutcome:
    """What became of one selected dead letter."""

    position: DeadLetterPosition
    outcome: Outcome
    event_id: str | None = None
    # For ALREADY_REPLAYED: the earlier replay's record (who, when, why).
    earlier: ReplayRecord | None = None
    # For SAME_EVENT: the letter whose replay carried this one's event.
    same_event_as: str | None = None


async def replay_positions(
    bootstrap: str,
    positions: Iterable[DeadLetterPosition],
    *,
    by: str,
    reason: str,
    enable_idempotence: bool,
    idle: float = DEFAULT_IDLE,
) -> list[ReplayOutcome]:
    """Replay the dead letters at `positions` (on `unionfed.dlq.*` topics, any groups), each to its
    group's retry topic, once: a letter the replay records name is not sent again. The records
    are read from the broker, never from a copy (the console's index holds masked payloads)."""
    wanted = sorted(set(positions))
    wrong = [p.topic for p in wanted if not p.topic.startswith(DLQ_PREFIX)]
    if wrong:
        raise ValueError(f"not a dead-letter topic: {wrong[0]}")
    if not wanted:
        return []
    replays = await read_replays(bootstrap, idle)
    found = await read_positions(bootstrap, wanted, idle)
    outcomes = {p: ReplayOutcome(p, Outcome.NOT_FOUND) for p in wanted if p not in found}
    for group in sorted({p.group for p in found}):
        plan = plan_replay([d for p, d in found.items() if p.group == group], replayed=replays)
        if plan.replay:
            await ensure_topics(bootstrap, topics.replay_topics([group]))
            await publish(bootstrap, group, plan, by=by, reason=reason, enable_idempotence=enable_idempotence)
        outcomes.update(_outcomes(plan, replays))
    return [outcomes[p] for p in wanted]


def _outcomes(
    plan: ReplayPlan, replays: dict[str, dict[str, Any]]
) -> dict[DeadLetterPosition, ReplayOutcome]:
    def event_id(d: StoredDeadLetter) -> str | None:
        return d.envelope.id if d.envelope else None

    out = {d.position: ReplayOutcome(d.position, Outcome.REPLAYED, event_id(d)) for d in plan.replay}
    for d, first in plan.same_event:
        out[d.position] = ReplayOutcome(
            d.position, Outcome.SAME_EVENT, event_id(d), same_event_as=letter_key(first)
        )
    for d in plan.replayed_before:
        earlier = ReplayRecord.from_json(letter_key(d), replays[letter_key(d)])
        out[d.position] = ReplayOutcome(d.position, Outcome.ALREADY_REPLAYED, event_id(d), earlier=earlier)
    return out
