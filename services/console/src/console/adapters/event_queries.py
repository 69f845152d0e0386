"""Reading the index: filtered keyset pages by row id (newest first for a page, ascending for the
live stream and its catch-up), one event, and a member's events.

SQL answers every part of a filter it can (indexed columns; headers by jsonb containment); the
jq expression runs here on the rows SQL returned, batch by batch, and a request stops after
`scan_limit` rows: a rare match under a costly expression yields a partial page and a cursor to
go on from, never an unbounded scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from console.adapters.orm import member_cards, stream_events
from console.domain.filters import EventFilter
from console.domain.stored import StoredEvent

BATCH = 500
TIMELINE_LIMIT = 1000

_COLUMNS = [c for c in stream_events.c if c.name != "indexed_at"]


@dataclass(frozen=True)
class Found:
    events: list[StoredEvent]
    # The last row id looked at (the cursor given when none was): where to go on from.
    cursor: int | None
    scanned: int
    # False when the index had no more rows in that direction (for now, for the live stream).
    more: bool


def _conditions(f: EventFilter) -> list[sa.ColumnElement[bool]]:
    c = stream_events.c
    where: list[sa.ColumnElement[bool]] = []
    if (types := f.type_match) is not None:
        either = [c.type.in_(sorted(types.exact))] if types.exact else []
        either += [c.type.like(p) for p in types.patterns]
        where.append(sa.or_(*either))
    for column, value in (
        (c.district, f.district),
        (c.branch_id, f.branch),
        (c.subject, f.subject),
        (c.correlation_id, f.correlation),
    ):
        if value is not None:
            where.append(column == value)
    if f.headers:
        where.append(c.headers.contains(dict(f.headers)))
    return where


def _stored(row: sa.Row[Any]) -> StoredEvent:
    return StoredEvent(**row._mapping)


async def _batch(
    conn: AsyncConnection, f: EventFilter, cursor: int | None, newest_first: bool, size: int
) -> list[StoredEvent]:
    c = stream_events.c
    where = _conditions(f)
    if cursor is not None:
        where.append(c.id < cursor if newest_first else c.id > cursor)
    query = sa.select(*_COLUMNS).where(*where).limit(size)
    query = query.order_by(c.id.desc() if newest_first else c.id.asc())
    return [_stored(r) for r in (await conn.execute(query)).all()]


async def find(
    conn: AsyncConnection,
    f: EventFilter,
    *,
    cursor: int | None,
    limit: int,
    scan_limit: int,
    newest_first: bool,
) -> Found:
    """Up to `limit` matching events after `cursor` (below it when `newest_first`), having looked
    at no more than about `scan_limit` rows."""
    found: list[StoredEvent] = []
    scanned = 0
    size = limit if f.jq is None else BATCH
    while True:
        rows = await _batch(conn, f, cursor, newest_first, size)
        for row in rows:
            scanned += 1
            cursor = row.id
            if f.matches_payload(row.payload):
                found.append(row)
                if len(found) == limit:
                    return Found(found, cursor, scanned, more=True)
        if len(rows) < size:
            return Found(found, cursor, scanned, more=False)
        if scanned >= scan_limit:
            return Found(found, cursor, scanned, more=True)


async def newest_id(conn: AsyncConnection) -> int:
    """The highest row id indexed so far (0 for an empty index): where a live stream starts."""
    return int(
        (await conn.execute(sa.select(sa.func.coalesce(sa.func.max(stream_events.c.id), 0)))).scalar_one()
    )


async def one(conn: AsyncConnection, event_row_id: int) -> StoredEvent | None:
    row = (await conn.execute(sa.select(*_COLUMNS).where(stream_events.c.id == event_row_id))).first()
    return _stored(row) if row is not None else None


def timeline_query(member_id: str, district: str | None, limit: int = TIMELINE_LIMIT) -> sa.Select[Any]:
    """A member's events in index order through the (member_id, id) index; a district officer's
    restricted to their district."""
    c = stream_events.c
    query = sa.select(*_COLUMNS).where(c.member_id == member_id)
    if district is not None:
        query = query.where(c.district == district)
    return query.order_by(c.id).limit(limit)


async def member_events(
    conn: AsyncConnection, member_id: str, district: str | None, limit: int = TIMELINE_LIMIT
) -> Sequence[StoredEvent]:
    return [_stored(r) for r in (await conn.execute(timeline_query(member_id, district, limit))).all()]


async def member_of_card(conn: AsyncConnection, card_no: str) -> str | None:
    query = sa.select(member_cards.c.member_id).where(member_cards.c.card_no == card_no)
    member_id: str | None = (await conn.execute(query)).scalar_one_or_none()
    return member_id
