"""Dead letters from the console's index (`stream_events` rows of `unionfed.dlq.*` topics), the
latest redrive of each, and the `redrives` history the console writes.

A letter's redrive comes from the console's own `redrives` rows (who, why, outcome) or else from
the indexed `unionfed.dlq-replays` records, so a replay made with `unionfed dlq replay` shows too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from unionfed_chassis.dead_letter_replay import Outcome
from unionfed_chassis.stored_dead_letter import DeadLetterPosition
from unionfed_events import topics

from console.adapters.orm import redrives, stream_events
from console.domain.dead_letters import DLQ_PREFIX, LetterQuery, Redrive, ShownLetter

se = stream_events


def _like(text: str) -> str:
    """`text` as a LIKE pattern matching itself anywhere (its own % and _ escaped)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _conditions(query: LetterQuery) -> list[sa.ColumnElement[bool]]:
    origin = se.c.headers["dlq_topic"].astext
    where = [se.c.topic.startswith(DLQ_PREFIX, autoescape=True)]
    if query.group:
        where.append(se.c.topic == topics.dead_letter(query.group))
    if query.reason:
        where.append(se.c.headers["dlq_reason"].astext.ilike(_like(query.reason), escape="\\"))
    if query.origin_topic:
        where.append(origin.ilike(_like(query.origin_topic), escape="\\"))
    if query.district is not None:
        where.append(origin.startswith(topics.district_prefix(query.district), autoescape=True))
    return where


def _console_redrive() -> Any:
    r = redrives.c
    return (
        sa.select(r.actor, r.requested_at, r.reason, r.outcome)
        .where(r.dlq_topic == se.c.topic, r.dlq_partition == se.c.partition, r.dlq_offset == se.c.offset)
        .where(r.outcome.in_([str(Outcome.REPLAYED), str(Outcome.SAME_EVENT)]))
        .order_by(r.id.desc())
        .limit(1)
        .lateral("console_redrive")
    )


def _indexed_replay() -> Any:
    replay = stream_events.alias("replay")
    p = replay.c.payload
    return (
        sa.select(p["by"].astext.label("by"), p["at"].astext.label("at"), p["reason"].astext.label("reason"))
        .where(replay.c.topic == topics.DLQ_REPLAYS)
        .where(p["dlq_topic"].astext == se.c.topic)
        .where(p["dlq_partition"].astext == sa.cast(se.c.partition, sa.Text))
        .where(p["dlq_offset"].astext == sa.cast(se.c.offset, sa.Text))
        .order_by(replay.c.id.desc())
        .limit(1)
        .lateral("indexed_replay")
    )


async def find_letters(
    conn: AsyncConnection, query: LetterQuery, limit: int
) -> tuple[list[ShownLetter], int]:
    """The matching letters, newest first (at most `limit`), and how many match in all."""
    where = _conditions(query)
    total = (await conn.execute(sa.select(sa.func.count()).select_from(se).where(*where))).scalar_one()
    console, indexed = _console_redrive(), _indexed_replay()
    statement = (
        sa.select(
            se.c.topic,
            se.c.partition,
            se.c.offset,
            se.c.type,
            se.c.event_id,
            se.c.headers,
            se.c.payload,
            console.c.actor,
            console.c.requested_at,
            console.c.reason.label("console_reason"),
            console.c.outcome,
            indexed.c.by,
            indexed.c.at,
            indexed.c.reason.label("replay_reason"),
        )
        .select_from(se.outerjoin(console, sa.true()).outerjoin(indexed, sa.true()))
        .where(*where)
        .order_by(se.c.id.desc())
        .limit(limit)
    )
    rows = (await conn.execute(statement)).all()
    return [_letter(row) for row in rows], int(total)


def _letter(row: Any) -> ShownLetter:
    redrive = None
    if row.actor is not None:
        at = row.requested_at.isoformat(timespec="seconds")
        redrive = Redrive(row.actor, at, row.console_reason, row.outcome)
    elif row.by is not None:
        redrive = Redrive(row.by, row.at or "", row.replay_reason, "replayed")
    return ShownLetter(
        row.topic, row.partition, row.offset, row.type, row.event_id, row.headers or {}, row.payload, redrive
    )


async def origins_of(
    conn: AsyncConnection, positions: Sequence[tuple[str, int, int]]
) -> dict[tuple[str, int, int], str]:
    """The origin topic (`dlq_topic` header) of each indexed letter at `positions`."""
    if not positions:
        return {}
    key = sa.tuple_(se.c.topic, se.c.partition, se.c.offset)
    statement = sa.select(se.c.topic, se.c.partition, se.c.offset, se.c.headers["dlq_topic"].astext).where(
        key.in_(list(positions))
    )
    return {(t, p, o): origin or "" for t, p, o, origin in (await conn.execute(statement)).all()}


async def record_redrives(
    conn: AsyncConnection,
    actor: str,
    reason: str,
    outcomes: Sequence[tuple[DeadLetterPosition, str, str | None]],
) -> None:
    """One `redrives` row per letter (position, outcome, event id): who asked, why, what became of it."""
    if not outcomes:
        return
    rows = [
        {
            "actor": actor,
            "reason": reason,
            "group_id": position.group,
            "dlq_topic": position.topic,
            "dlq_partition": position.partition,
            "dlq_offset": position.offset,
            "event_id": event_id,
            "outcome": outcome,
        }
        for position, outcome, event_id in outcomes
    ]
    await conn.execute(sa.insert(redrives), rows)
