"""`unionfed dlq …`: count, show and replay the dead letters on `unionfed.dlq.<consumer-group>` topics.

A dead letter (unionfed_chassis.dead_letter) is the original record — key, value and headers as they
came — plus headers saying why and where from: dlq_reason, dlq_consumer, dlq_topic, dlq_partition,
dlq_offset, dlq_attempts, dlq_time.

Reading and replaying live in the chassis (`unionfed_chassis.stored_dead_letter`,
`dead_letter_reading`, `dead_letter_replay`), which the operator console uses in production, where
this package is not installed; this module is the CLI's side: one-line formatting, the summary, and
a whole group's replay with a confirmation. Replay republishes to the group's retry topic
`unionfed.retry.<group>` and records each letter on `unionfed.dlq-replays` (who, why, when), so a
second replay of the same letters does nothing (see `dead_letter_replay` for why).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from unionfed_chassis.dead_letter_reading import (
    DEFAULT_IDLE,
    dead_letter_topics,
    read_all,
    read_dead_letters,
    read_replays,
)
from unionfed_chassis.dead_letter_replay import plan_replay, publish
from unionfed_chassis.stored_dead_letter import (
    StoredDeadLetter,
    group_of,
    letter_key,
)
from unionfed_events import topics
from unionfed_events.display import key_fields, mask_text, short_type

from .broker import ensure_topics

MIN_REASON_WIDTH = 30


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


# --- replay ----------------------------------------------------------------------------------


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


async def replay_dead_letters(
    bootstrap: str,
    group: str,
    *,
    types: Sequence[str] = (),
    dry_run: bool = False,
    by: str | None = None,
    reason: str | None = None,
    enable_idempotence: bool = False,
    idle: float = DEFAULT_IDLE,
    emit: Callable[[str], None] = lambda _line: None,
    confirm: Callable[[int], bool] | None = None,
    width: int | None = None,
) -> ReplaySummary:
    """Read the group's dead letters and the replay records, print what would be replayed, ask
    `confirm(count)` (when given), republish to the group's retry topic and record the replay
    (who: `by`, else the operator; why: `reason`, when given).
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
        bootstrap, group, plan, by=by or operator(), reason=reason, enable_idempotence=enable_idempotence
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
