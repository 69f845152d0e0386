"""The import's COPY text lines store exactly what the usual path stores: an outbox row equal to
`outbox_row` of the same envelope, history rows as `history_row` plus the actor."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date

import asyncpg
import pytest
from membership.adapters import bulk
from membership.settings import MIGRATIONS
from unionfed_chassis import context
from unionfed_chassis.db import outbox_row, run_migrations
from unionfed_events import Envelope
from unionfed_events import membership as ev

TOPIC = "unionfed.d.bulk\\test.membership.events"  # a backslash, to check COPY's escaping


@pytest.fixture(scope="module")
async def conn(make_database: Callable[[str], str]) -> AsyncIterator[asyncpg.Connection]:
    url = make_database("bulk")
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        yield connection
    finally:
        await connection.close()


def joined(member_id: uuid.UUID) -> ev.MemberJoined:
    return ev.MemberJoined(
        member_id=member_id,
        card_number="GH2026000001233",
        name='王\\芳 "小"',
        branch_id="b-1",
        district="bulk",
        industry="it",
        employment_type=ev.EmploymentType.REGULAR,
        joined_on=date(2024, 3, 1),
        channel=ev.JoinChannel.BULK_IMPORT,
        national_id_masked="1101**********1234",
    )


@pytest.mark.parametrize("correlation", ["corr-1", None])
async def test_outbox_lines_store_what_the_envelope_would(
    conn: asyncpg.Connection, correlation: str | None
) -> None:
    actor = context.Actor("officer\t7", "branch_officer")
    ctx = context.MessageContext(correlation, None, context.new_traceparent(), actor)
    token = context.current.set(ctx)
    try:
        lines = bulk.EventLines.template(
            ev.MemberJoined,
            source="/unionfed/membership",
            topic=TOPIC,
            district="bulk",
            branch="b-1",
            sequence=1,
        )
    finally:
        context.current.reset(token)
    member_id = uuid.uuid4()
    payload = joined(member_id).model_dump_json().encode()
    async with conn.transaction():
        await bulk.copy_outbox(conn, [lines.line(str(member_id), payload)], ev.MemberJoined.ce_type())
        stored = await conn.fetchrow("SELECT * FROM outbox WHERE key = $1", str(member_id).encode())
        await conn.execute("DELETE FROM outbox")
    assert stored is not None
    envelope = Envelope.from_headers(
        list(zip(stored["header_names"], stored["header_values"], strict=True)), stored["payload"]
    )
    expected = outbox_row(
        Envelope.wrap(
            joined(member_id),
            source="/unionfed/membership",
            district="bulk",
            branch="b-1",
            sequence=1,
            correlationid=correlation or envelope.id,
            traceparent=envelope.traceparent,
            actor=actor.subject,
            actorrole=actor.role,
        ),
        TOPIC,
    )
    expected_headers = dict(zip(expected["header_names"], expected["header_values"], strict=True))
    stored_headers = dict(zip(stored["header_names"], stored["header_values"], strict=True))
    for varying in ("ce_id", "ce_time"):
        expected_headers.pop(varying), stored_headers.pop(varying)
    assert stored_headers == expected_headers
    assert stored["header_names"] == expected["header_names"]
    assert (stored["topic"], stored["key"], stored["payload"]) == (TOPIC, expected["key"], payload)
    assert str(stored["event_id"]) == envelope.id
    assert envelope.correlationid == (correlation or envelope.id)
    assert envelope.traceparent and envelope.traceparent.split("-")[1] == ctx.traceparent.split("-")[1]  # type: ignore[union-attr]


async def test_history_lines_store_the_row_and_the_actor(conn: asyncpg.Connection) -> None:
    await conn.execute("INSERT INTO districts (code, name) VALUES ('bulk', 'bulk') ON CONFLICT DO NOTHING")
    await conn.execute(
        "INSERT INTO branches (branch_id, name, kind, industry, district, status, auto_approve, established_on) "
        "VALUES ('b\\1', 'b', 'enterprise', 'it', 'bulk', 'active', false, '2020-01-01') ON CONFLICT DO NOTHING"
    )
    member_id = uuid.uuid4()
    member = {
        "member_id": member_id,
        "card_number": "GH2026000001233",
        "name": "王芳",
        "national_id_hash": "hash",
        "national_id_enc": b"\x01",
        "national_id_masked": "1101**1234",
        "phone_enc": None,
        "phone_masked": None,
        "email_enc": None,
        "email_masked": None,
        "employer": None,
        "employment_type": "regular",
        "birth_year": 1990,
        "branch_id": "b\\1",
        "district": "bulk",
        "industry": "it",
        "status": "active",
        "channel": "bulk_import",
        "joined_on": date(2024, 3, 1),
        "version": 1,
    }
    records = [bulk.member_record(member)]
    lines = bulk.HistoryLines.of(
        "joined", "bulk", "b\\1", {"channel": "bulk_import"}, context.Actor("a\\b", "branch_officer")
    )
    async with conn.transaction():
        assert await bulk.insert_members(conn, records) == {member_id}
        await bulk.copy_history(conn, [lines.line(member_id, date(2024, 3, 1))])
        row = await conn.fetchrow("SELECT * FROM member_history WHERE member_id = $1", member_id)
        await conn.execute("DELETE FROM member_history; DELETE FROM members")
    assert row is not None
    assert (row["on_date"], row["kind"], row["district"], row["branch_id"]) == (
        date(2024, 3, 1),
        "joined",
        "bulk",
        "b\\1",
    )
    assert json.loads(row["details"]) == {"channel": "bulk_import"}
    assert (row["actor"], row["actor_role"]) == ("a\\b", "branch_officer")
