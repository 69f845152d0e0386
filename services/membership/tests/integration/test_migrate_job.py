"""The image's `migrate` command (`python -m unionfed_chassis.migrate`) on a real database: it finds
the migrations inside the installed package and brings an empty database to head, twice harmlessly."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
import pytest
from unionfed_chassis.migrate import main
from unionfed_devstack._util import run_sync


async def _tables(url: str) -> set[str]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {r["tablename"] for r in rows}
    finally:
        await conn.close()


def test_migrate_brings_an_empty_database_to_head(
    make_database: Callable[[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = make_database("migrate")
    assert run_sync(_tables(url)) == set()

    assert main({"SERVICE": "membership", "DATABASE_URL": url}) == 0
    tables = run_sync(_tables(url))
    assert {"alembic_version", "members", "outbox"} <= tables

    assert main({"SERVICE": "membership", "DATABASE_URL": url}) == 0  # already at head: nothing to do
    assert run_sync(_tables(url)) == tables
    assert "membership: migrations applied" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SERVICE": "membership"}, "DATABASE_URL"),
        ({"SERVICE": "nosuchservice", "DATABASE_URL": "postgresql+asyncpg://x@h/db"}, "nosuchservice"),
    ],
)
def test_a_missing_setting_or_unknown_service_is_named(
    env: dict[str, str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(env) == 2
    assert named in capsys.readouterr().err
