"""The body of every service's migrations/env.py: async engine, online mode only."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine


def run(target_metadata: sa.MetaData | None = None) -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"

    def migrate(connection: sa.Connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            # Two replicas starting together must not both migrate: serialise on a lock.
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(7261)"))
            await conn.run_sync(migrate)
        await engine.dispose()

    asyncio.run(main())
