"""Rows for the console's index written directly (`insert_events`, as the indexer writes them),
for tests of the queries and pages that do not need the indexer itself."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from console.adapters.event_store import EVENTS_CHANNEL, insert_events
from console.domain.indexed import IndexedEvent
from sqlalchemy.ext.asyncio import AsyncEngine

_OFFSETS = itertools.count()
DOMAIN_OF = {
    "MemberJoined": "membership",
    "MemberLeft": "membership",
    "AidRequested": "assistance",
    "AidApproved": "assistance",
    "AidGranted": "assistance",
    "NotificationDelivered": "notifications",
}


def indexed(
    district: str,
    short: str,
    *,
    member_id: str | None = None,
    payload: Any = None,
    branch_id: str | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    event_id: str | None = None,
    actor: str | None = None,
    headers: dict[str, str] | None = None,
    minutes: float = 0,
    card_no: str | None = None,
) -> IndexedEvent:
    domain = DOMAIN_OF.get(short, "membership")
    event_id = event_id or str(uuid.uuid4())
    return IndexedEvent(
        topic=f"unionfed.d.{district}.{domain}.events",
        partition=0,
        offset=next(_OFFSETS),
        event_id=event_id,
        type=f"org.unionfed.{domain}.{short}.v1",
        time=datetime.now(UTC) + timedelta(minutes=minutes),
        district=district,
        branch_id=branch_id,
        subject=member_id,
        member_id=member_id,
        correlation_id=correlation_id or event_id,
        causation_id=causation_id,
        actor=actor,
        headers={"ce_source": f"/unionfed/{domain}", "ce_id": event_id, **(headers or {})},
        payload=payload if payload is not None else {},
        card_no=card_no,
    )


async def write(engine: AsyncEngine, *events: IndexedEvent, notify: bool = True) -> None:
    """Insert and, as the indexer does, notify live streams."""
    async with engine.begin() as conn:
        await insert_events(conn, list(events))
        if notify:
            await conn.execute(sa.text(f"NOTIFY {EVENTS_CHANNEL}"))
