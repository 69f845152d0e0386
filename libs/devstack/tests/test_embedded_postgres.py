from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from unionfed_devstack._util import free_port
from unionfed_devstack.postgres import EmbeddedPostgres, PostgresError, ensure_database, sqlalchemy_url


@pytest.fixture
def private_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="unionfed-pg-test-"))
    path.chmod(0o711)  # the postgres system user (when running as root) must traverse it
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def test_data_survives_restart(private_dir: Path) -> None:
    server = EmbeddedPostgres(private_dir / "pg", free_port(), fast=True)
    server.start()
    try:
        assert await ensure_database(server.admin_url, "keep") is True
        assert await ensure_database(server.admin_url, "keep") is False
        url = sqlalchemy_url(server.admin_url, "keep").replace("+asyncpg", "")
        conn = await asyncpg.connect(url)
        await conn.execute("CREATE TABLE t (v text); INSERT INTO t VALUES ('still here')")
        await conn.close()
        server.stop()
        assert not server.is_running()
        server.start()
        conn = await asyncpg.connect(url)
        assert await conn.fetchval("SELECT v FROM t") == "still here"
        await conn.close()
    finally:
        server.stop()


def test_taken_port_is_reported(private_dir: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(PostgresError, match="UNIONFED_PG_PORT"):
            EmbeddedPostgres(private_dir / "pg", port).start()


def test_urls() -> None:
    assert (
        sqlalchemy_url("postgresql://u:p@h:5/postgres?ssl=x", "m") == "postgresql+asyncpg://u:p@h:5/m?ssl=x"
    )
    from unionfed_devstack.postgres import admin_url_from

    assert admin_url_from("postgresql+asyncpg://u@h:5/membership") == "postgresql://u@h:5/postgres"
