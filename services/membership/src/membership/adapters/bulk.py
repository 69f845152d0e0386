"""Set-based writes of a bulk import, on the session's own asyncpg connection (so inside the
unit of work's transaction): members with one `INSERT … SELECT unnest(…) ON CONFLICT`, their
history rows and their events' outbox rows with one binary COPY each.

Why not SQLAlchemy's executemany: for 10,000 rows it built and bound parameters row by row
(`insertmanyvalues` batches), which cost more than PostgreSQL's own work; asyncpg encodes whole
arrays and COPY records in C. Members need `ON CONFLICT` (the partial unique index refuses a
person who became active through another path meanwhile), which COPY cannot do.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_chassis import context
from unionfed_chassis.db import outbox_row
from unionfed_chassis.metrics import EVENTS_STAGED
from unionfed_events import Envelope, Event
from unionfed_events.ids import uuid7

# Column and array type of every members column the import writes (the rest have defaults).
MEMBER_COLUMNS = (
    ("member_id", "uuid"),
    ("card_number", "text"),
    ("name", "text"),
    ("national_id_hash", "text"),
    ("national_id_enc", "bytea"),
    ("national_id_masked", "text"),
    ("phone_enc", "bytea"),
    ("phone_masked", "text"),
    ("email_enc", "bytea"),
    ("email_masked", "text"),
    ("employer", "text"),
    ("employment_type", "text"),
    ("birth_year", "int2"),
    ("branch_id", "text"),
    ("district", "text"),
    ("industry", "text"),
    ("status", "text"),
    ("channel", "text"),
    ("joined_on", "date"),
    ("version", "int4"),
)
_MEMBER_NAMES = tuple(c for c, _ in MEMBER_COLUMNS)
HISTORY_COLUMNS = ("member_id", "on_date", "kind", "district", "branch_id", "details", "actor", "actor_role")
OUTBOX_COLUMNS = ("event_id", "topic", "key", "header_names", "header_values", "payload")

_INSERT_MEMBERS = (
    f"INSERT INTO members ({', '.join(_MEMBER_NAMES)}) "
    f"SELECT * FROM unnest({', '.join(f'${i}::{t}[]' for i, (_, t) in enumerate(MEMBER_COLUMNS, 1))}) "
    "ON CONFLICT (national_id_hash) WHERE status IN ('pending', 'active') DO NOTHING "
    "RETURNING member_id"
)


def new_ids(n: int) -> list[UUID]:
    """`n` random (version 4) UUIDs from one system call: `uuid.uuid4()` per row releases the
    GIL for its `os.urandom`, and then waits for the thread validating the next piece."""
    raw = os.urandom(16 * n)
    return [uuid.UUID(bytes=raw[i : i + 16], version=4) for i in range(0, 16 * n, 16)]


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session, inside its open transaction."""
    connection = await session.connection()
    driver: asyncpg.Connection = (await connection.get_raw_connection()).driver_connection
    if not driver.is_in_transaction():  # a write outside the unit of work would commit alone
        raise RuntimeError("bulk writes need the unit of work's transaction to be open")
    return driver


def member_record(row: dict[str, Any]) -> tuple[Any, ...]:
    """A `repository.member_row` as a tuple in MEMBER_COLUMNS order."""
    return tuple(row[c] for c in _MEMBER_NAMES)


async def insert_members(conn: asyncpg.Connection, records: Sequence[tuple[Any, ...]]) -> set[UUID]:
    """Insert members (tuples in MEMBER_COLUMNS order), skipping people who hold an active
    membership (the partial unique index decides); returns the ids actually inserted.

    The caller has left out the people it found active, so COPY (twice as fast as the INSERT,
    measured) runs first, in a savepoint; only when someone in `records` became active through
    another path meanwhile does the piece go again through `INSERT … ON CONFLICT DO NOTHING`."""
    if not records:
        return set()
    try:
        async with conn.transaction():  # a savepoint: the unit of work's transaction is open
            await conn.copy_records_to_table("members", records=records, columns=_MEMBER_NAMES)
        return {r[0] for r in records}
    except asyncpg.UniqueViolationError:
        columns = [list(column) for column in zip(*records, strict=True)]
        return {r[0] for r in await conn.fetch(_INSERT_MEMBERS, *columns)}


async def copy_history(conn: asyncpg.Connection, lines: list[bytes]) -> None:
    """History rows as COPY text lines (`HistoryLines`)."""
    if lines:
        await conn.copy_to_table("member_history", source=_Lines(lines), columns=HISTORY_COLUMNS)


async def copy_outbox(conn: asyncpg.Connection, lines: list[bytes], ce_type: str) -> None:
    """Outbox rows as COPY text lines (`EventLines`). COPY fires the outbox's statement-level
    NOTIFY trigger like an INSERT does, so the relay wakes at commit."""
    if lines:
        await conn.copy_to_table("outbox", source=_Lines(lines), columns=OUTBOX_COLUMNS)
        EVENTS_STAGED.labels(type=ce_type).inc(len(lines))


class _Lines:
    """COPY data from a list of lines, sent in one piece (asyncpg takes an async iterable)."""

    def __init__(self, lines: list[bytes]) -> None:
        self.data: bytes | None = b"".join(lines)

    def __aiter__(self) -> _Lines:
        return self

    async def __anext__(self) -> bytes:
        if self.data is None:
            raise StopAsyncIteration
        data, self.data = self.data, None
        return data


# Rows built as COPY text lines, not tuples for asyncpg's binary COPY: asyncpg type-checks every
# element of every array (14 headers twice per outbox row), which cost more than building the
# line; here the parts shared by every row are escaped once.


def copy_text(value: str) -> str:
    """A value in COPY's text format (backslash, tab, newline, carriage return escaped)."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


_BYTEA = copy_text("\\x")  # bytea's hex input format
_BYTEA_ELEMENT = copy_text('"\\\\x')  # the same, quoted as an array element


def _bytea(value: bytes) -> str:
    return _BYTEA + value.hex()


def _bytea_element(value: bytes) -> str:
    return _BYTEA_ELEMENT + value.hex() + '"'


@dataclass(frozen=True)
class HistoryLines:
    """History rows of joins (what `repository.history_row` builds, plus the actor)."""

    shared: str  # kind, district, branch, details, actor, role: escaped once

    @classmethod
    def of(
        cls, kind: str, district: str, branch_id: str, details: dict[str, Any], actor: context.Actor
    ) -> HistoryLines:
        values = (kind, district, branch_id, json.dumps(details), actor.subject, actor.role)
        return cls("\t".join(copy_text(v) for v in values))

    def line(self, member_id: UUID, on: date) -> bytes:
        return f"{member_id}\t{on.isoformat()}\t{self.shared}\n".encode()


# Stand-ins for the attributes that differ per event, found in the template's headers by value.
_ID, _SUBJECT, _TRACE = "\x00id", "\x00subject", "\x00traceparent"


@dataclass(frozen=True)
class EventLines:
    """Outbox rows of many events of one type that share everything but id, subject, trace
    span and payload (one command's events), as COPY text lines. The headers come from one
    envelope built the usual way, so they are what `UnitOfWork.emit` would store, without an
    envelope per event. Lineage and actor come from the current request or message context, as
    in `emit`."""

    topic: str
    names: str  # the header_names column, escaped
    elements: list[str]  # the header_values elements, escaped
    id_at: int
    subject_at: int
    trace_at: int
    correlation_is_id: int | None  # the header position when the correlation id is the event's own id
    parent_trace: str | None

    @classmethod
    def template(
        cls,
        event_type: type[Event],
        *,
        source: str,
        topic: str,
        district: str,
        branch: str,
        sequence: int | None,
    ) -> EventLines:
        ctx = context.current.get()
        actor = ctx.actor or context.Actor(source, context.SERVICE_ROLE)
        envelope = Envelope(
            id=_ID,
            source=source,
            type=event_type.ce_type(),
            time=datetime.now(UTC),  # one emission time for the batch, like one transaction
            subject=_SUBJECT,
            correlationid=ctx.correlation_id or _ID,
            causationid=ctx.causation_id,
            district=district,
            branch=branch,
            traceparent=_TRACE,
            sequence=sequence,
            actor=actor.subject,
            actorrole=actor.role,
        )
        row = outbox_row(envelope, topic)
        values: list[bytes] = row["header_values"]
        id_at = values.index(_ID.encode())
        return cls(
            topic=copy_text(topic),
            names=copy_text("{" + ",".join(f'"{n}"' for n in row["header_names"]) + "}"),
            elements=[_bytea_element(v) for v in values],
            id_at=id_at,
            subject_at=values.index(_SUBJECT.encode()),
            trace_at=values.index(_TRACE.encode()),
            correlation_is_id=values.index(_ID.encode(), id_at + 1) if ctx.correlation_id is None else None,
            parent_trace=ctx.traceparent,
        )

    def line(self, subject: str, payload: bytes) -> bytes:
        """One event's outbox row (OUTBOX_COLUMNS order): a new UUIDv7 id and trace span."""
        event_id = str(uuid7())
        key = subject.encode()
        elements = self.elements.copy()
        elements[self.id_at] = _bytea_element(event_id.encode())
        elements[self.subject_at] = _bytea_element(key)
        elements[self.trace_at] = _bytea_element(context.child_traceparent(self.parent_trace).encode())
        if self.correlation_is_id is not None:
            elements[self.correlation_is_id] = elements[self.id_at]
        values = "{" + ",".join(elements) + "}"
        return (
            f"{event_id}\t{self.topic}\t{_bytea(key)}\t{self.names}\t{values}\t{_bytea(payload)}\n".encode()
        )
