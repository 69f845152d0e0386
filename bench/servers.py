"""Where the benchmarks run: external servers named by the environment, else embedded ones.

DATABASE_ADMIN_URL / KAFKA_BOOTSTRAP_SERVERS are used as they are (never stopped); otherwise an
embedded PostgreSQL and an embedded Tansu broker start on free ports in a temp dir and are
stopped (and the dir removed) at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from unionfed_chassis.settings import ServiceSettings
from unionfed_chassis.tables import create_chassis_tables
from unionfed_devstack._util import free_port
from unionfed_devstack.broker import EmbeddedBroker
from unionfed_devstack.postgres import EmbeddedPostgres, ensure_database, sqlalchemy_url


@dataclass(frozen=True)
class Servers:
    pg_admin_url: str  # asyncpg-style URL of the `postgres` database
    kafka_bootstrap: str
    idempotence: bool  # False on Tansu, which rejects idempotent producers
    description: str

    def settings(self, service_name: str, database_url: str | None = None) -> ServiceSettings:
        """Chassis settings pointing at these servers (the database only when given)."""
        settings = ServiceSettings(
            environment="development",  # the dev secrets are fine for a throwaway benchmark
            service_name=service_name,
            kafka_bootstrap_servers=self.kafka_bootstrap,
            kafka_enable_idempotence=self.idempotence,
        )
        return settings.model_copy(update={"database_url": database_url}) if database_url else settings


@contextmanager
def servers(log: Callable[[str], None]) -> Iterator[Servers]:
    pg_external = os.environ.get("DATABASE_ADMIN_URL")
    kafka_external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    tmp = Path(tempfile.mkdtemp(prefix="unionfed-bench-"))
    tmp.chmod(0o711)  # the postgres system user (when running as root) must traverse it
    postgres: EmbeddedPostgres | None = None
    broker: EmbeddedBroker | None = None
    try:
        if pg_external:
            pg_url, pg_desc = pg_external, "external PostgreSQL"
        else:
            postgres = EmbeddedPostgres(tmp / "pg", free_port(), log=log)
            log(f"starting embedded PostgreSQL on port {postgres.port}")
            postgres.start()
            pg_url, pg_desc = postgres.admin_url, f"embedded PostgreSQL :{postgres.port}"
        if kafka_external:
            bootstrap, kafka_desc = kafka_external, "external Kafka"
            idempotence = os.environ.get("KAFKA_ENABLE_IDEMPOTENCE", "true").lower() not in (
                "0",
                "false",
                "no",
            )
        else:
            broker = EmbeddedBroker(free_port(), log_dir=tmp)
            log(f"starting embedded Tansu broker on port {broker.port}")
            broker.start()
            bootstrap, kafka_desc, idempotence = broker.bootstrap, f"embedded Tansu :{broker.port}", False
        yield Servers(pg_url, bootstrap, idempotence, f"{pg_desc}, {kafka_desc}")
    finally:
        try:
            if broker is not None:
                broker.stop()
        finally:
            if postgres is not None:
                postgres.stop()
            shutil.rmtree(tmp, ignore_errors=True)


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


async def fresh_database(srv: Servers, prefix: str, chassis_tables: bool = True) -> str:
    """Create a uniquely named database (with the chassis tables) and return its SQLAlchemy URL."""
    name = unique_name(f"bench_{prefix}")
    await ensure_database(srv.pg_admin_url, name)
    url = sqlalchemy_url(srv.pg_admin_url, name)
    if chassis_tables:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(lambda sync_conn: create_chassis_tables(_Op(sync_conn)))
        finally:
            await engine.dispose()
    return url


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


class _Op:
    """Just enough of alembic.op for create_chassis_tables (the same DDL a migration runs)."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def get_bind(self) -> sa.Connection:
        return self._conn

    def execute(self, sql: str) -> None:
        self._conn.exec_driver_sql(sql)
