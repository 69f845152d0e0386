"""What an operator sees of a service's outbox and does with its parked rows: the backlog (rows
not yet published, the oldest's age), the parked rows without their payloads (which may carry
personal data), and retry, which moves parked rows back into the outbox under their original ids
so they are the oldest and go out next (a row whose cause is not fixed is parked again with a
fresh reason). Over an asyncpg connection: `unionfed outbox` (devstack) and the service's own
`/platform/outbox` routes (`outbox_routes`) run the same statements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
from unionfed_events.display import short_type

_BACKLOG = "SELECT count(*) AS backlog, min(created_at) AS oldest, now() AS now FROM outbox"
_PARKED = """
SELECT id, event_id, topic, reason, parked_at,
       header_values[array_position(header_names, 'ce_type')] AS ce_type
FROM outbox_parked ORDER BY id
"""
_SELECTED = "SELECT id FROM outbox_parked WHERE $1::bigint[] IS NULL OR id = ANY($1) ORDER BY id"
_RETRY = """
WITH moved AS (
  DELETE FROM outbox_parked WHERE $1::bigint[] IS NULL OR id = ANY($1)
  RETURNING id, event_id, topic, key, header_names, header_values, payload, created_at
)
INSERT INTO outbox (id, event_id, topic, key, header_names, header_values, payload, created_at)
SELECT * FROM moved ORDER BY id
RETURNING id
"""


@dataclass(frozen=True)
class ParkedRow:
    id: int
    event_id: UUID
    type: str
    topic: str
    reason: str
    parked_at: datetime


@dataclass(frozen=True)
class Backlog:
    rows: int
    oldest_age_seconds: float | None  # None: the outbox is empty


async def backlog(conn: asyncpg.Connection) -> Backlog:
    row = await conn.fetchrow(_BACKLOG)
    assert row is not None  # an aggregate always answers one row
    age = None if row["oldest"] is None else max(0.0, (row["now"] - row["oldest"]).total_seconds())
    return Backlog(int(row["backlog"]), age)


async def parked_rows(conn: asyncpg.Connection) -> list[ParkedRow]:
    """Every parked row, oldest first, without its payload."""
    rows = await conn.fetch(_PARKED)
    return [
        ParkedRow(r["id"], r["event_id"], _type(r["ce_type"]), r["topic"], r["reason"], r["parked_at"])
        for r in rows
    ]


async def retry_parked(
    conn: asyncpg.Connection, ids: Sequence[int] | None, *, dry_run: bool = False
) -> list[int]:
    """Move the parked rows `ids` (None: all of them) back into the outbox under their original
    ids, in one statement; returns the ids moved (or, with dry_run, that would be)."""
    wanted = None if ids is None else list(ids)
    rows = await conn.fetch(_SELECTED if dry_run else _RETRY, wanted)
    return sorted(r["id"] for r in rows)


def _type(ce_type: bytes | None) -> str:
    """MemberJoined.v1 for org.unionfed.membership.MemberJoined.v1; "?" without a type header."""
    return short_type(ce_type.decode(errors="replace")) if ce_type else "?"
