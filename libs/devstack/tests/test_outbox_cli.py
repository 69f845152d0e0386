"""`unionfed outbox parked|retry` against a real PostgreSQL database with the chassis tables."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner
from unionfed_chassis.db import outbox_row
from unionfed_chassis.tables import install_chassis_schema, outbox, outbox_parked
from unionfed_devstack import outbox as outbox_cli
from unionfed_devstack._util import free_port
from unionfed_devstack.cli import app
from unionfed_events import Envelope
from unionfed_events.membership import BranchEstablished, BranchKind

runner = CliRunner()
NATIONAL_ID = "310101199001011234"
TOPIC = "unionfed.x.nowhere"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox_cli.console, "width", 300)  # one table row per line


async def _database(make_database: Callable[[str], str], *, chassis: bool = True) -> Any:
    url = make_database("outbox_cli")
    engine = create_async_engine(url, poolclass=NullPool)
    if chassis:
        async with engine.begin() as conn:
            await conn.run_sync(install_chassis_schema)
    return url, engine


async def _park(engine: Any, outbox_id: int, reason: str) -> Envelope:
    event = BranchEstablished(
        branch_id=f"b-{outbox_id}",
        name=f"secret {NATIONAL_ID}",  # stands for personal data in a payload
        kind=BranchKind.ENTERPRISE,
        industry="testing",
        district="xuhui",
        established_on=date(2025, 1, 1),
    )
    envelope = Envelope.wrap(event, source="/unionfed/test", district="xuhui")
    row = outbox_row(envelope, TOPIC) | {"id": outbox_id, "reason": reason}
    async with engine.begin() as conn:
        created_at = (await conn.execute(sa.text("SELECT now()"))).scalar_one()
        await conn.execute(sa.insert(outbox_parked), [row | {"created_at": created_at}])
    return envelope


def _invoke(url: str, *args: str) -> Any:
    return runner.invoke(app, ["outbox", *args], env={"DATABASE_URL": url})


async def test_parked_lists_each_row_without_its_payload(make_database) -> None:  # type: ignore[no-untyped-def]
    url, engine = await _database(make_database)
    try:
        first = await _park(
            engine, 7, f"topic {TOPIC} does not exist and the topic registry does not describe it"
        )
        second = await _park(engine, 9, "MessageSizeTooLargeError: The message is 2000000 bytes")
        result = _invoke(url, "parked", "--service", "membership")
    finally:
        await engine.dispose()
    assert result.exit_code == 0, result.output
    lines = {
        line.split()[1]: line for line in result.stdout.splitlines() if line.split()[1:2] in (["7"], ["9"])
    }
    assert set(lines) == {"7", "9"}
    for outbox_id, envelope in (("7", first), ("9", second)):
        assert str(envelope.id) in lines[outbox_id]
        assert "BranchEstablished.v1" in lines[outbox_id] and TOPIC in lines[outbox_id]
    assert "does not exist" in lines["7"] and "MessageSizeTooLargeError" in lines["9"]
    assert NATIONAL_ID not in result.output, "never the payload"
    assert "2 parked" in result.stdout


async def test_retry_moves_rows_back_under_their_original_ids(make_database) -> None:  # type: ignore[no-untyped-def]
    url, engine = await _database(make_database)
    try:
        envelope = await _park(engine, 7, "topic missing")
        await _park(engine, 9, "topic missing")
        dry = _invoke(url, "retry", "--id", "7", "--dry-run")
        assert dry.exit_code == 0, dry.output
        assert "would move 1 parked row(s)" in dry.stdout and "(ids 7)" in dry.stdout
        assert await _ids(engine) == ([], [7, 9]), "a dry run moves nothing"

        moved = _invoke(url, "retry", "--id", "7")
        assert moved.exit_code == 0, moved.output
        assert "moved 1 parked row(s)" in moved.stdout
        assert await _ids(engine) == ([7], [9])
        async with engine.connect() as conn:
            row = (await conn.execute(sa.select(outbox).where(outbox.c.id == 7))).one()
        assert (str(row.event_id), row.topic, row.payload) == (envelope.id, TOPIC, envelope.data)
        assert json.loads(row.payload)["branch_id"] == "b-7"

        missing = _invoke(url, "retry", "--id", "7", "--id", "9")
        assert missing.exit_code == 1
        assert "moved 1 parked row(s)" in missing.stdout and "not parked: 7" in missing.stderr
        assert await _ids(engine) == ([7, 9], [])

        await _park(engine, 11, "topic missing")
        everything = _invoke(url, "retry", "--all")
        assert everything.exit_code == 0 and "moved 1 parked row(s)" in everything.stdout
        assert await _ids(engine) == ([7, 9, 11], [])
    finally:
        await engine.dispose()


async def _ids(engine: Any) -> tuple[list[int], list[int]]:
    async with engine.connect() as conn:
        in_outbox = (await conn.execute(sa.text("SELECT id FROM outbox ORDER BY id"))).scalars().all()
        parked = (await conn.execute(sa.text("SELECT id FROM outbox_parked ORDER BY id"))).scalars().all()
    return list(in_outbox), list(parked)


def test_retry_needs_ids_or_all() -> None:
    for args in ([], ["--id", "3", "--all"]):
        result = _invoke("postgresql://u@127.0.0.1:1/x", "retry", *args)
        assert result.exit_code == 2
        assert "--id N" in result.stderr and "--all" in result.stderr


async def test_errors_say_what_to_do(make_database) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    down = _invoke(f"postgresql+asyncpg://ops:sekret@127.0.0.1:{port}/membership", "parked")
    assert down.exit_code == 1
    assert f"cannot reach 127.0.0.1:{port}/membership" in down.stderr and "unionfed run" in down.stderr
    assert "sekret" not in down.output

    url, engine = await _database(make_database, chassis=False)
    await engine.dispose()
    no_table = _invoke(url, "parked")
    assert no_table.exit_code == 1 and "no outbox_parked table" in no_table.stderr

    no_database = _invoke(url.rsplit("/", 1)[0] + "/nope_not_there", "retry", "--all")
    assert no_database.exit_code == 1 and "does not exist" in no_database.stderr

    unknown = _invoke(url, "parked", "--service", "payroll")
    assert unknown.exit_code == 2 and "membership" in unknown.output


def test_service_database_follows_unionfed_run() -> None:
    assert outbox_cli.service_dsn("membership", {"UNIONFED_PG_PORT": "55999"}) == (
        "postgresql://postgres@127.0.0.1:55999/membership"
    )
    admin = {"DATABASE_ADMIN_URL": "postgresql://ops:pw@db:5432/postgres"}
    assert outbox_cli.service_dsn("membership", admin) == "postgresql://ops:pw@db:5432/membership"
    own = {"DATABASE_URL": "postgresql+asyncpg://ops:pw@db:5432/members_prod"}
    assert outbox_cli.service_dsn("membership", own) == "postgresql://ops:pw@db:5432/members_prod"
