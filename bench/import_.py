"""Membership bulk import (POST /branches/{id}/imports on an in-process app: parse, validate,
encrypt, insert, and every row's MemberJoined into the outbox) against two floors:

- database floor: the same rows of the same three tables (members, member_history, outbox),
  precomputed from what the import wrote, copied into a fresh membership database (same
  indexes and triggers) with one COPY per table in one transaction;
- CPU floor: parse, validate, encrypt and hash the same file, no database.

Three rounds, each an import into its own branch followed by the floor writing the same rows;
the figures are medians (a single run moved by ±0.2 on a loaded machine)."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import importlib
import io
import secrets
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from .common import Result, rate, ratio_note, step
from .servers import Servers, asyncpg_dsn, fresh_database

ROWS = 10_000
ROUNDS = 3  # each an import into its own branch, then the floor writing the same rows
TARGET_VS_DB_FLOOR = 0.5
HEADER = ["name", "national_id", "phone", "employer", "employment_type", "joined_on"]
OUTBOX_COLUMNS = ["event_id", "topic", "key", "header_names", "header_values", "payload"]


def importable() -> str | None:
    """None when membership.main.build_app can be imported, else why not."""
    try:
        module = importlib.import_module("membership.main")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if hasattr(module, "build_app") else "membership.main has no build_app"


async def run(srv: Servers) -> Result:
    result = Result(f"import: {ROWS:,} CSV rows into one branch, {ROUNDS} rounds", [])
    reason = importable()
    if reason is not None:
        result.add("skipped", "membership.main not importable yet", "", reason)
        return result
    from membership.demo import demo_branches, demo_members

    branches = [b for b in demo_branches() if b.kind.value == "enterprise"][:ROUNDS]
    people = list(demo_members(branches[:1], ROWS * ROUNDS))  # different people in every round
    files = [_to_csv(people[i * ROWS : (i + 1) * ROWS]) for i in range(ROUNDS)]
    url = await fresh_database(srv, "import", chassis_tables=False)
    secret = secrets.token_hex(32)
    rounds: list[Round] = []
    async with _client(srv, url, secret) as (client, app):
        await _create_branches(client, secret, branches)
        floor = await _floor_database(srv, url)
        try:
            for branch, csv_bytes in zip(branches, files, strict=True):
                rounds.append(await _round(client, app, url, secret, branch, csv_bytes, floor))
        finally:
            await floor.close()
    cpu_seconds = sorted(_cpu_floor(f) for f in files)[len(files) // 2]
    _report(result, rounds, rate(ROWS, cpu_seconds))
    return result


@dataclass
class Round:
    import_rate: float
    db_rate: float
    created: int
    failed: int
    events: int


async def _round(
    client: httpx.AsyncClient,
    app: Any,
    url: str,
    secret: str,
    branch: Any,
    csv_bytes: bytes,
    floor: asyncpg.Connection,
) -> Round:
    """One import, then the database floor writing the rows that import wrote."""
    officer = _token(secret, role="branch_officer", district=branch.district, branch=branch.branch_id)
    relay = app.state.runtime.relay
    events_before = await _count_outbox(url) + (relay.published if relay else 0)
    with step(f"importing {ROWS:,} rows through POST /branches/{branch.branch_id}/imports"):
        started = time.perf_counter()
        answer = await _post(
            client,
            f"/branches/{branch.branch_id}/imports",
            officer,
            files={"file": ("members.csv", csv_bytes, "text/csv")},
        )
        import_seconds = time.perf_counter() - started
    events = await _count_outbox(url) + (relay.published if relay else 0) - events_before
    db_seconds = await _db_floor(floor, await _written_rows(url, branch.branch_id))
    return Round(
        rate(ROWS, import_seconds),
        rate(ROWS, db_seconds),
        int(answer.get("created", 0)),
        int(answer.get("failed", 0)),
        events,
    )


def _report(result: Result, rounds: list[Round], cpu_rate: float) -> None:
    """Medians of the rounds (one run on a loaded machine moved by ±0.2), each round's ratio."""
    import_rate = statistics.median(r.import_rate for r in rounds)
    db_rate = statistics.median(r.db_rate for r in rounds)
    result.add("membership import", import_rate, "rows/s", "median; HTTP upload → response, relay running")
    result.add(
        "  created / failed",
        " ".join(f"{r.created}/{r.failed}" for r in rounds),
        "",
        "from the responses",
    )
    events = [r.events for r in rounds]
    complete = all(e == ROWS for e in events)
    result.add(
        "  MemberJoined through the outbox",
        " ".join(f"{e:,}" for e in events),
        f"of {ROWS:,} each",
        "events of the import: still in the outbox + already relayed" + ("" if complete else "  <-- CHECK"),
    )
    result.add("database floor", db_rate, "rows/s", "median; COPY members, history, outbox: one transaction")
    result.add("CPU floor", cpu_rate, "rows/s", "median; parse, validate, encrypt, hash; no database")
    ratio = import_rate / db_rate
    result.add("ratio import/database floor", ratio, "", ratio_note(ratio, TARGET_VS_DB_FLOOR))
    result.add(
        "  per round",
        " ".join(f"{r.import_rate / r.db_rate:.2f}" for r in rounds),
        "",
        "each import against the floor run right after it",
    )
    result.add("ratio import/CPU floor", import_rate / cpu_rate, "", "informational")


async def _create_branches(client: httpx.AsyncClient, secret: str, branches: list[Any]) -> None:
    admin = _token(secret, role="federation_admin")
    for district in sorted({b.district for b in branches}):
        await _post(client, "/districts", admin, json={"code": district, "name": district})
    for branch in branches:
        body = {
            "name": branch.name,
            "kind": branch.kind.value,
            "industry": branch.industry,
            "district": branch.district,
            "branch_id": branch.branch_id,
            "established_on": branch.established_on.isoformat(),
        }
        await _post(client, "/branches", admin, json=body)


def _to_csv(people: list[Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for p in people:
        writer.writerow([p.name, p.national_id, p.phone, p.employer, p.employment_type.value, p.joined_on])
    return out.getvalue().encode()


def _token(secret: str, **claims: Any) -> str:
    from unionfed_chassis.auth import audience_of, issue_token

    return issue_token(secret, subject="bench", audience=audience_of("membership"), **claims)


@contextlib.asynccontextmanager
async def _client(srv: Servers, url: str, secret: str) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    from membership.main import build_app
    from membership.settings import MembershipSettings

    settings = MembershipSettings(
        service_name="membership",
        environment="development",
        database_url=url,
        kafka_bootstrap_servers=srv.kafka_bootstrap,
        kafka_enable_idempotence=srv.idempotence,
        jwt_secret=secret,
        national_id_key=secrets.token_hex(32),
        log_level="WARNING",  # the figures, not the service's request log
    )
    app = build_app(settings)
    with step("starting the membership app (migrations, producer, consumers)"):
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://membership", timeout=300
        ) as client:
            yield client, app
    finally:
        await lifespan.__aexit__(None, None, None)


async def _post(client: httpx.AsyncClient, path: str, token: str, **kwargs: Any) -> dict[str, Any]:
    response = await client.post(path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
    if response.status_code >= 300:
        raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:500]}")
    answer: dict[str, Any] = response.json()
    return answer


async def _count_outbox(url: str) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM outbox") or 0)
    finally:
        await conn.close()


async def _written_rows(url: str, branch_id: str) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """What the import wrote, per table (columns, rows): members and history as stored, and the
    outbox rows rebuilt from the members with the same attributes as the import's (the relay
    deletes rows once they are published): actor, a request's correlation id and trace span."""
    from unionfed_chassis import context
    from unionfed_chassis.db import outbox_row
    from unionfed_events import Envelope, topics
    from unionfed_events import membership as ev

    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        members = await conn.fetch("SELECT * FROM members WHERE branch_id = $1", branch_id)
        history = await conn.fetch(
            "SELECT member_id, at, on_date, kind, district, branch_id, details, actor, actor_role "
            "FROM member_history WHERE branch_id = $1",
            branch_id,
        )
    finally:
        await conn.close()
    actor, role = history[0]["actor"], history[0]["actor_role"]
    correlation, request_trace = str(uuid.uuid4()), context.new_traceparent()
    outbox = []
    for m in members:
        event = ev.MemberJoined(
            member_id=m["member_id"],
            card_number=m["card_number"],
            name=m["name"],
            branch_id=m["branch_id"],
            district=m["district"],
            industry=m["industry"],
            employment_type=ev.EmploymentType(m["employment_type"]),
            joined_on=m["joined_on"],
            channel=ev.JoinChannel(m["channel"]),
            national_id_masked=m["national_id_masked"],
        )
        envelope = Envelope.wrap(
            event,
            source="/unionfed/membership",
            district=m["district"],
            branch=m["branch_id"],
            sequence=1,
            correlationid=correlation,
            traceparent=context.child_traceparent(request_trace),
            actor=actor,
            actorrole=role,
        )
        row = outbox_row(envelope, topics.events_topic("membership", m["district"]))
        outbox.append(tuple(row[c] for c in OUTBOX_COLUMNS))
    return {
        "members": (list(members[0].keys()), [tuple(r) for r in members]),
        "member_history": (list(history[0].keys()), [tuple(r) for r in history]),
        "outbox": (OUTBOX_COLUMNS, outbox),
    }


async def _floor_database(srv: Servers, source_url: str) -> asyncpg.Connection:
    """A fresh membership database (same schema, indexes and triggers) holding the source's
    districts and branches, which the members' foreign keys need."""
    from membership.settings import MIGRATIONS
    from unionfed_chassis.db import run_migrations

    url = await fresh_database(srv, "import_floor", chassis_tables=False)
    with step("migrating the floor's database"):
        await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    source = await asyncpg.connect(asyncpg_dsn(source_url))
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for table in ("districts", "branches"):
            rows = await source.fetch(f"SELECT * FROM {table}")
            await conn.copy_records_to_table(
                table, records=[tuple(r) for r in rows], columns=list(rows[0].keys())
            )
    finally:
        await source.close()
    return conn


async def _db_floor(
    conn: asyncpg.Connection, tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]]
) -> float:
    """COPY the precomputed rows of one import, one COPY per table in one transaction."""
    with step(f"database floor: COPY {ROWS:,} rows into members, member_history, outbox"):
        started = time.perf_counter()
        async with conn.transaction():
            for table, (columns, rows) in tables.items():
                await conn.copy_records_to_table(table, records=rows, columns=columns)
        return time.perf_counter() - started


def _cpu_floor(csv_bytes: bytes) -> float:
    """The import's CPU work alone: parse and validate every row, hash and encrypt ID and phone,
    seal the contact points."""
    from membership.adapters.vault import ContactKey, NationalIdVault
    from membership.domain.csv_import import parse_import
    from membership.handlers._shared import secrets_of
    from unionfed_chassis import contact_seal

    vault = NationalIdVault(
        secrets.token_bytes(32), ContactKey(contact_seal.dev_public_key(), contact_seal.DEV_KEY_ID)
    )
    with step(f"CPU floor: parse, validate, encrypt, hash {ROWS:,} rows"):
        started = time.perf_counter()
        parsed = parse_import(csv_bytes)
        sealed = [secrets_of(vault, r.national_id, r.phone) for r in parsed.rows]
        elapsed = time.perf_counter() - started
    if len(sealed) != ROWS:
        raise RuntimeError(f"the CPU floor parsed {len(sealed)} of {ROWS} rows")
    return elapsed
