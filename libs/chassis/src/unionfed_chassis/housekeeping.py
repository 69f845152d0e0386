"""Periodic clean-up of chassis tables, so they don't grow without bound."""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("unionfed.housekeeping")


async def purge_once(
    engine: AsyncEngine, idempotency_ttl_hours: int, inbox_retention_days: int
) -> tuple[int, int]:
    """Delete expired idempotency keys and inbox rows older than the retention window.

    The inbox must outlive any redelivery: retention is in days, far beyond a rebalance or an
    outage replay; a replay from older offsets than that needs a new consumer group anyway."""
    async with engine.begin() as conn:
        keys = await conn.execute(
            sa.text("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => :h)"),
            {"h": idempotency_ttl_hours},
        )
        inbox = await conn.execute(
            sa.text("DELETE FROM inbox WHERE received_at < now() - make_interval(days => :d)"),
            {"d": inbox_retention_days},
        )
    return keys.rowcount, inbox.rowcount


async def run_housekeeping(
    engine: AsyncEngine, idempotency_ttl_hours: int, inbox_retention_days: int, every_seconds: float = 600
) -> None:
    while True:
        try:
            keys, inbox = await purge_once(engine, idempotency_ttl_hours, inbox_retention_days)
            if keys or inbox:
                log.info("purged %d idempotency keys and %d inbox rows", keys, inbox)
        except Exception as exc:  # a missed round is harmless; the next one catches up
            log.warning("housekeeping failed: %s", exc)
        await asyncio.sleep(every_seconds)
