"""Index retention: records indexed longer ago than the retention are deleted chunk by chunk,
newer ones stay."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import sqlalchemy as sa
from console.adapters.retention import delete_expired_chunk
from console.settings import MIGRATIONS
from unionfed_chassis.db import make_engine, run_migrations


async def test_records_older_than_the_retention_are_deleted_in_chunks(
    make_database: Callable[[str], str],
) -> None:
    url = make_database("console_retention")
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    """
                    INSERT INTO stream_events (topic, partition, "offset", indexed_at)
                    SELECT 't', 0, n, now() - make_interval(days => CASE WHEN n <= 5 THEN 31 ELSE 29 END)
                    FROM generate_series(1, 8) AS n
                    """
                )
            )
        assert [await delete_expired_chunk(engine, 30, chunk=2) for _ in range(4)] == [2, 2, 1, 0]
        async with engine.connect() as conn:
            left = (await conn.execute(sa.text('SELECT "offset" FROM stream_events ORDER BY 1'))).scalars()
            assert list(left) == [6, 7, 8]
    finally:
        await engine.dispose()
