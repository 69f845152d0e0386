"""Membership bulk import (POST /branches/{id}/imports on an in-process app: parse, validate,
encrypt, insert, and every row's MemberJoined into the outbox) vs a plain batched INSERT of
the same rows into a comparable table, in the same database server."""

from __future__ import annotations

import contextlib
import csv
import importlib
import io
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx

from .common import Result, progress, rate, step
from .servers import Servers, asyncpg_dsn, fresh_database

ROWS = 10_000
BATCH = 1_000
TARGET_ROWS_PER_S = 2_000.0
HEADER = ["name", "national_id", "phone", "employer", "employment_type", "joined_on"]
_PLAIN_TABLE = """
CREATE TABLE plain_member (
  member_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  branch_id text NOT NULL, name text NOT NULL, national_id text NOT NULL UNIQUE,
  phone text NOT NULL, employer text NOT NULL, employment_type text NOT NULL, joined_on date
)"""


def importable() -> str | None:
    """None when membership.main.build_app can be imported, else why not."""
    try:
        module = importlib.import_module("membership.main")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if hasattr(module, "build_app") else "membership.main has no build_app"


async def run(srv: Servers) -> Result:
    result = Result(f"import: {ROWS:,} CSV rows into one branch", [])
    reason = importable()
    if reason is not None:
        result.add("skipped", "membership.main not importable yet", "", reason)
        return result
    from membership.demo import demo_branches, demo_members

    branch = demo_branches()[0]
    people = list(demo_members([branch], ROWS))
    csv_bytes = _to_csv(people)

    url = await fresh_database(srv, "import", chassis_tables=False)
    secret = secrets.token_hex(32)
    async with _client(srv, url, secret) as (client, app):
        admin = _token(secret, role="federation_admin")
        await _post(client, "/districts", admin, json={"code": branch.district, "name": branch.district})
        body = {
            "name": branch.name,
            "kind": branch.kind.value,
            "industry": branch.industry,
            "district": branch.district,
            "branch_id": branch.branch_id,
            "established_on": branch.established_on.isoformat(),
        }
        await _post(client, "/branches", admin, json=body)
        officer = _token(secret, role="branch_officer", district=branch.district, branch=branch.branch_id)
        with step(f"importing {ROWS:,} rows through POST /branches/{branch.branch_id}/imports"):
            started = time.perf_counter()
            answer = await _post(
                client,
                f"/branches/{branch.branch_id}/imports",
                officer,
                files={"file": ("members.csv", csv_bytes, "text/csv")},
            )
            import_seconds = time.perf_counter() - started
        relay = app.state.runtime.relay
        events = await _count_outbox(url) + (relay.published if relay else 0)
    plain_seconds = await _plain_insert(srv, people, branch.branch_id)

    import_rate, plain_rate = rate(ROWS, import_seconds), rate(ROWS, plain_seconds)
    note = f"target ≥ {TARGET_ROWS_PER_S:,.0f}: {'met' if import_rate >= TARGET_ROWS_PER_S else 'NOT met'}"
    result.add("membership import", import_rate, "rows/s", note)
    result.add(
        "  created / failed", f"{answer.get('created')} / {answer.get('failed')}", "", "from the response"
    )
    result.add(
        "  events through the outbox",
        f"{events:,}",
        "",
        "still in the outbox + already relayed (incl. district, branch)",
    )
    result.add("plain batched INSERT", plain_rate, "rows/s", f"executemany, {BATCH:,} rows per transaction")
    result.add("ratio import/plain", import_rate / plain_rate, "")
    return result


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


async def _plain_insert(srv: Servers, people: list[Any], branch_id: str) -> float:
    url = await fresh_database(srv, "plain_import", chassis_tables=False)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(_PLAIN_TABLE)
        rows = [
            (branch_id, p.name, p.national_id, p.phone, p.employer, p.employment_type.value, p.joined_on)
            for p in people
        ]
        sql = (
            "INSERT INTO plain_member (branch_id, name, national_id, phone, employer, employment_type, "
            "joined_on) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        with progress() as bar:
            task = bar.add_task("plain batched INSERT", total=len(rows))
            started = time.perf_counter()
            for i in range(0, len(rows), BATCH):
                async with conn.transaction():
                    await conn.executemany(sql, rows[i : i + BATCH])
                bar.advance(task, BATCH)
            return time.perf_counter() - started
    finally:
        await conn.close()
