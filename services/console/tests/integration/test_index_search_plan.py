"""The member timeline and retention stay index lookups on a large index: a
million rows, the query plans read with EXPLAIN (never a wall-clock assertion)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import asyncpg
from console.adapters.retention import RETENTION_SQL
from console.settings import MIGRATIONS
from unionfed_chassis.db import run_migrations

ROWS = 1_000_000
MEMBERS = 100_000
TIMELINE = "SELECT * FROM stream_events WHERE member_id = $1 ORDER BY id"
BY_CARD = (
    "SELECT s.* FROM member_cards c JOIN stream_events s ON s.member_id = c.member_id"
    " WHERE c.card_no = $1 ORDER BY s.id"
)
RETENTION = RETENTION_SQL.replace(":days", "$1::int").replace(":chunk", "$2::int")


async def test_a_members_timeline_reads_its_index_among_a_million_rows(
    make_database: Callable[[str], str],
) -> None:
    url = make_database("console_plan")
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await conn.execute(
            """
            INSERT INTO stream_events (topic, partition, "offset", event_id, type, district, member_id,
                                       subject, headers, payload)
            SELECT 'unionfed.d.d' || (n % 20) || '.membership.events', n % 3, n, 'e' || n,
                   'org.unionfed.membership.MemberJoined.v1', 'd' || (n % 20), 'm' || (n % $2),
                   'm' || (n % $2), '{"ce_type": "x"}', '{"name": "x", "card_number": "c"}'
            FROM generate_series(1, $1) AS n
            """,
            ROWS,
            MEMBERS,
        )
        await conn.execute(
            "INSERT INTO member_cards SELECT 'C-' || n, 'm' || n FROM generate_series(0, $1 - 1) AS n",
            MEMBERS,
        )
        await conn.execute("ANALYZE stream_events; ANALYZE member_cards")

        timeline = await plan(conn, TIMELINE, "m4242")
        assert scans(timeline) == {("Index Scan", "ix_stream_events_member")}, timeline
        assert "Sort" not in nodes(timeline)  # the index (member_id, id) gives the order
        by_card = await plan(conn, BY_CARD, "C-4242")
        assert ("Index Scan", "ix_stream_events_member") in scans(by_card), by_card
        assert all(kind != "Seq Scan" for kind, _ in scans(by_card)), by_card

        # Retention walks the primary key from the oldest row, not the whole table.
        expired = await plan(conn, RETENTION, 30, 10_000)
        assert ("Seq Scan", None) not in scans(expired), expired
    finally:
        await conn.close()


async def plan(conn: asyncpg.Connection, sql: str, *args: Any) -> dict[str, Any]:
    text = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
    result: dict[str, Any] = json.loads(text)[0]["Plan"]
    return result


def walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", ()) for n in walk(child))]


def nodes(node: dict[str, Any]) -> set[str]:
    return {n["Node Type"] for n in walk(node)}


def scans(node: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(n["Node Type"], n.get("Index Name")) for n in walk(node) if "Scan" in n["Node Type"]}
