"""Writing indexed records; a record already indexed (same topic, partition and offset: a batch
read again after a crash) is skipped.

`insert_events` is one SQLAlchemy statement (tests seed the index with it). The indexer uses
`write_batch`: COPY straight into `stream_events`, the partitions' ends and the card numbers, all
in one transaction, and a NOTIFY with the highest new id that PostgreSQL delivers at commit. COPY
sends rows in PostgreSQL's binary format, far cheaper than binding a multi-row INSERT. A batch
read again (a crash between the write and the offset commit, a rebalance) hits the unique
position: that COPY is rolled back to its savepoint and the batch goes through a temporary
staging table and one `INSERT … SELECT … ON CONFLICT DO NOTHING`, which skips what is known."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Literal

import asyncpg
import orjson
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from console.adapters.orm import member_cards, stream_events
from console.domain.decoding import RawJson
from console.domain.indexed import IndexedEvent

EVENTS_CHANNEL = "console_events"
"""NOTIFY channel: the payload is the highest `stream_events.id` of the batch just committed."""

STAGING = "stream_events_staging"
_COLUMNS = (
    "topic",
    "partition",
    "offset",
    "event_id",
    "type",
    "time",
    "district",
    "branch_id",
    "subject",
    "member_id",
    "correlation_id",
    "causation_id",
    "actor",
    "headers",
    "payload",
    "card_no",
)
# One encoder for every row (`json.dumps` with options builds a new one per call).
_to_json = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
_STORED_COLUMNS = _COLUMNS[:-1]  # card_no goes to member_cards
_STORED = ", ".join(f'"{c}"' for c in _STORED_COLUMNS)
# JSON goes in as text and is parsed by PostgreSQL's jsonb input: no codec on the connection.
_CREATE_STAGING = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} (
  topic text, partition int, "offset" bigint, event_id text, type text, time timestamptz,
  district text, branch_id text, subject text, member_id text, correlation_id text,
  causation_id text, actor text, headers text, payload text, card_no text
) ON COMMIT DELETE ROWS
"""
_MOVE = f"""
WITH inserted AS (
  INSERT INTO stream_events ({_STORED}, indexed_at)
  SELECT topic, partition, "offset", event_id, type, time, district, branch_id, subject,
         member_id, correlation_id, causation_id, actor, headers::jsonb, payload::jsonb,
         clock_timestamp()
  FROM {STAGING} ORDER BY topic, partition, "offset"
  ON CONFLICT ON CONSTRAINT uq_stream_events_position DO NOTHING
  RETURNING id
)
SELECT max(id) FROM inserted
"""
_CARDS = f"""
INSERT INTO member_cards (card_no, member_id)
SELECT DISTINCT ON (card_no) card_no, member_id FROM {STAGING}
WHERE card_no IS NOT NULL AND member_id IS NOT NULL
ON CONFLICT (card_no) DO NOTHING
"""
_NEW_CARDS = """
INSERT INTO member_cards (card_no, member_id)
SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (card_no) DO NOTHING
"""
# The identity's last value in this session: the highest id the COPY just took.
_LAST_ID = "SELECT currval(pg_get_serial_sequence('stream_events', 'id'))"
# Never lower: a batch read again after a crash must not move a partition's end back.
_ENDS = """
INSERT INTO partition_ends (topic, partition, next_offset, updated_at)
SELECT t, p, n, now() FROM unnest($1::text[], $2::int[], $3::bigint[]) AS e (t, p, n)
ON CONFLICT (topic, partition) DO UPDATE
SET next_offset = GREATEST(partition_ends.next_offset, EXCLUDED.next_offset), updated_at = now()
"""


async def insert_events(conn: AsyncConnection, events: Sequence[IndexedEvent]) -> None:
    if not events:
        return
    rows = [{k: v for k, v in asdict(e).items() if k != "card_no"} for e in events]
    for row in rows:
        if isinstance(row["payload"], RawJson):
            row["payload"] = json.loads(row["payload"])
    await conn.execute(insert(stream_events).on_conflict_do_nothing(), rows)
    cards = {e.card_no: e.member_id for e in events if e.card_no and e.member_id}
    if cards:
        values = [{"card_no": c, "member_id": m} for c, m in cards.items()]
        await conn.execute(insert(member_cards).on_conflict_do_nothing(), values)


async def write_batch(conn: asyncpg.Connection, events: Sequence[IndexedEvent]) -> int | None:
    """Index `events` in one transaction; the highest id inserted (None if all were known)."""
    if not events:
        return None
    ends: dict[tuple[str, int], int] = {}
    for e in events:
        position = (e.topic, e.partition)
        if e.offset >= ends.get(position, -1):
            ends[position] = e.offset + 1
    async with conn.transaction():
        copied = await _copy_new(conn, events)
        max_id = await _move_unknown(conn, events) if copied is False else copied
        topics, partitions = zip(*ends, strict=True)
        await conn.execute(_ENDS, list(topics), list(partitions), list(ends.values()))
        if max_id is not None:
            await conn.execute("SELECT pg_notify($1, $2)", EVENTS_CHANNEL, str(max_id))
    return max_id


async def _copy_new(conn: asyncpg.Connection, events: Sequence[IndexedEvent]) -> int | Literal[False]:
    """COPY a batch none of which is indexed yet (the usual case) and its card numbers; the
    highest id it took, or False when a record was known (nothing written)."""
    try:
        async with conn.transaction():  # a savepoint: a known record undoes this COPY only
            await conn.copy_records_to_table(
                "stream_events", records=map(_stored_row, events), columns=_STORED_COLUMNS
            )
    except asyncpg.UniqueViolationError:
        return False
    cards: dict[str, str] = {}
    for e in events:
        if e.card_no and e.member_id:
            cards.setdefault(e.card_no, e.member_id)
    if cards:
        await conn.execute(_NEW_CARDS, list(cards), list(cards.values()))
    last_id: int = await conn.fetchval(_LAST_ID)
    return last_id


async def _move_unknown(conn: asyncpg.Connection, events: Sequence[IndexedEvent]) -> int | None:
    """Through the staging table: only the records not indexed yet; the highest new id."""
    await conn.execute(_CREATE_STAGING)
    await conn.copy_records_to_table(STAGING, records=map(_staging_row, events), columns=_COLUMNS)
    max_id: int | None = await conn.fetchval(_MOVE)
    await conn.execute(_CARDS)
    return max_id


def _stored_row(e: IndexedEvent) -> tuple[object, ...]:
    return _staging_row(e)[:-1]


def _staging_row(e: IndexedEvent) -> tuple[object, ...]:
    payload = e.payload
    if payload is not None and not isinstance(payload, RawJson):
        payload = _to_json(payload)
    return (
        e.topic,
        e.partition,
        e.offset,
        e.event_id,
        e.type,
        e.time,
        e.district,
        e.branch_id,
        e.subject,
        e.member_id,
        e.correlation_id,
        e.causation_id,
        e.actor,
        orjson.dumps(e.headers).decode(),  # text headers only: orjson never refuses them
        payload,
        e.card_no,
    )
