"""The index forgets: indexed records older than `index_retention_days` are deleted, a chunk per
statement (short transactions, no long lock on a busy table), hourly and at once again while
chunks come back full. Replicas share the work: a chunk skips rows another one is deleting."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from unionfed_chassis.periodic import every

log = logging.getLogger("unionfed.console.retention")

EVERY_SECONDS = 3600.0
CHUNK = 10_000
# The index on indexed_at finds the oldest rows; SKIP LOCKED lets two replicas delete side by side.
_DELETE = sa.text(
    """
    DELETE FROM stream_events WHERE id IN (
      SELECT id FROM stream_events
      WHERE indexed_at < now() - make_interval(days => :days)
      LIMIT :chunk FOR UPDATE SKIP LOCKED
    )
    """
)


async def delete_expired_chunk(engine: AsyncEngine, days: int, chunk: int = CHUNK) -> int:
    """Delete up to `chunk` records indexed more than `days` ago; how many were deleted."""
    async with engine.begin() as conn:
        result = await conn.execute(_DELETE, {"days": days, "chunk": chunk})
    deleted: int = result.rowcount
    return deleted


async def run_retention(engine: AsyncEngine, days: int, every_seconds: float = EVERY_SECONDS) -> None:
    """The `index-retention` worker: for the app's lifetime (cancelled with it)."""

    async def round_() -> bool:
        deleted = await delete_expired_chunk(engine, days)
        if deleted:
            log.info("deleted %d indexed records older than %d days", deleted, days)
        return deleted == CHUNK

    await every(every_seconds, round_, log, "index retention")
