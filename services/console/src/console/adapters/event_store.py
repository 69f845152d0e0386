"""Writing indexed records: one statement per batch; a record already indexed (same topic,
partition and offset: a batch read again after a crash) is skipped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from console.adapters.orm import member_cards, stream_events
from console.domain.indexed import IndexedEvent


async def insert_events(conn: AsyncConnection, events: Sequence[IndexedEvent]) -> None:
    if not events:
        return
    rows = [{k: v for k, v in asdict(e).items() if k != "card_no"} for e in events]
    await conn.execute(insert(stream_events).on_conflict_do_nothing(), rows)
    cards = {e.card_no: e.member_id for e in events if e.card_no and e.member_id}
    if cards:
        values = [{"card_no": c, "member_id": m} for c, m in cards.items()]
        await conn.execute(insert(member_cards).on_conflict_do_nothing(), values)
