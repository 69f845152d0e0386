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
# The oldest `chunk` rows by id (the primary key: no index on indexed_at to keep up on every
# insert), of which those past the retention are deleted: ids grow with indexed_at, so a chunk
# with a newer row in it is the last one. SKIP LOCKED lets two replicas delete side by side.
RETENTION_SQL = """
    DELETE FROM stream_events WHERE id IN (
      SELECT id FROM (
        SELECT id, indexed_at FROM stream_events ORDER BY id LIMIT :chunk FOR UPDATE SKIP LOCKED
      ) AS oldest
      WHERE indexed_at < now() - make_interval(days => :days)
    )
"""
_DELETE = sa.text(RETENTION_SQL)


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
