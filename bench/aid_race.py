"""The budget race under load: 200 approvals of 100.00 yuan fired at once (`POST
/cases/{id}/decision` on an in-process assistance app) against a fund of 10,000.00 that covers
exactly 100 of them, so every approval queues on the one fund row.

Baseline, like with like: the same 200 reservations as plain single-statement transactions
(`UPDATE funds … WHERE available >= amount`, nothing else) through an asyncpg pool as wide as
the app's, all at once, against an identical fund. The app does per approval what the floor
cannot skip: the token, the case row and its lock, the ledger entry, the audit step, the outbox
events and the JSON answer. Three rounds, medians; figures printed, nothing asserted."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import httpx

from .common import Result, rate, step
from .servers import Servers, asyncpg_dsn, fresh_database

CASES = 200
COVERED = 100
AMOUNT_CENTS = 10_000  # 100.00 yuan: the branch decides alone
ROUNDS = 3


@dataclass
class Round:
    app_seconds: float
    granted: int
    refused: int
    floor_seconds: float
    floor_granted: int


async def run(srv: Servers) -> Result:
    result = Result(f"aid_race: {CASES} concurrent approvals, a fund for {COVERED}, {ROUNDS} rounds", [])
    url = await fresh_database(srv, "aid_race", chassis_tables=False)
    secret = secrets.token_hex(32)
    rounds = []
    async with _app(srv, url, secret) as (client, app):
        floor = await asyncpg.create_pool(
            asyncpg_dsn(url),
            min_size=app.state.settings.database_pool_size,
            max_size=app.state.settings.database_pool_size,
        )
        try:
            for i in range(ROUNDS):
                rounds.append(await _round(client, app, secret, floor, f"race{i}{uuid.uuid4().hex[:4]}"))
            one_by_one = await _round(client, app, secret, floor, f"seq{uuid.uuid4().hex[:4]}", at_once=False)
        finally:
            await floor.close()
    _report(result, rounds, one_by_one, app.state.settings.database_pool_size)
    return result


async def _round(
    client: httpx.AsyncClient,
    app: Any,
    secret: str,
    floor: asyncpg.Pool,
    district: str,
    *,
    at_once: bool = True,
) -> Round:
    branch = f"{district}-b001"
    with step(f"{CASES} members and pending cases in {district}"):
        members = await _members(app, district, branch)
        officer = _auth(secret, role="branch_officer", district=district, branch=branch)
        applied = await asyncio.gather(
            *(
                client.post(
                    "/cases",
                    json={"member_id": str(m), "aid_type": "medical", "amount_yuan": "100.00"},
                    headers=officer,
                )
                for m in members
            )
        )
        if any(r.status_code != 201 for r in applied):
            raise RuntimeError(f"applying failed: {[r.text for r in applied if r.status_code != 201][:1]}")
        admin = _auth(secret, role="federation_admin")
        body = {
            "district": district,
            "year": date.today().year,
            "aid_type": "medical",
            "amount_yuan": "10000.00",
        }
        r = await client.post("/funds", json=body, headers=admin)
        if r.status_code != 201:
            raise RuntimeError(f"allocating failed: {r.text}")
    case_ids = [r.json()["case_id"] for r in applied]

    def approve(case_id: str) -> Any:
        return client.post(f"/cases/{case_id}/decision", json={"decision": "approve"}, headers=officer)

    with step(f"{CASES} approvals {'at once' if at_once else 'one after another'}"):
        started = time.perf_counter()
        if at_once:
            answers = await asyncio.gather(*(approve(c) for c in case_ids))
        else:
            answers = [await approve(c) for c in case_ids]
        app_seconds = time.perf_counter() - started
    floor_seconds, floor_granted = await _floor(floor, f"{district}-floor", at_once=at_once)
    return Round(
        app_seconds,
        sum(r.status_code == 200 for r in answers),
        sum(r.status_code == 422 for r in answers),
        floor_seconds,
        floor_granted,
    )


async def _floor(pool: asyncpg.Pool, district: str, *, at_once: bool) -> tuple[float, int]:
    """The same 200 reservations as bare UPDATEs, each its own transaction, all at once (or
    one after another, like the app's round)."""
    year = date.today().year
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO funds (district, year, aid_type, allocated_cents, reserved_cents, spent_cents) "
            "VALUES ($1, $2, 'medical', $3, 0, 0)",
            district,
            year,
            AMOUNT_CENTS * COVERED,
        )

    async def reserve() -> bool:
        async with pool.acquire() as conn:
            status = await conn.execute(
                "UPDATE funds SET reserved_cents = reserved_cents + $3 "
                "WHERE district = $1 AND year = $2 AND aid_type = 'medical' "
                "AND allocated_cents - reserved_cents - spent_cents >= $3",
                district,
                year,
                AMOUNT_CENTS,
            )
        return bool(status == "UPDATE 1")

    started = time.perf_counter()
    if at_once:
        done = await asyncio.gather(*(reserve() for _ in range(CASES)))
    else:
        done = [await reserve() for _ in range(CASES)]
    return time.perf_counter() - started, sum(done)


def _report(result: Result, rounds: list[Round], one_by_one: Round, pool_size: int) -> None:
    app_rate = statistics.median(rate(CASES, r.app_seconds) for r in rounds)
    floor_rate = statistics.median(rate(CASES, r.floor_seconds) for r in rounds)
    result.add(
        "approvals answered", app_rate, "/s", f"median; {CASES} at once, HTTP in-process, pool {pool_size}"
    )
    result.add(
        "  granted / refused",
        " ".join(f"{r.granted}/{r.refused}" for r in rounds),
        "",
        f"per round; exactly {COVERED}/{CASES - COVERED} expected"
        + ("" if _exact(rounds) else "  <-- CHECK"),
    )
    result.add("floor: bare UPDATE … available >= x", floor_rate, "/s", f"median; asyncpg pool {pool_size}")
    result.add("  floor reservations made", " ".join(str(r.floor_granted) for r in rounds), "", f"of {CASES}")
    result.add(
        "ratio approvals/floor",
        app_rate / floor_rate,
        "",
        "informational: what a decision costs beyond the row lock",
    )
    # Without contention: if the app is no faster one at a time, its own work (one process's
    # CPU), not the wait on the fund row, sets the rate.
    seq_rate, seq_floor = rate(CASES, one_by_one.app_seconds), rate(CASES, one_by_one.floor_seconds)
    result.add("approvals one after another", seq_rate, "/s", f"one round, {one_by_one.granted} granted")
    result.add("floor one after another", seq_floor, "/s", "one round")
    result.add(
        "ratio at once/one after another",
        app_rate / seq_rate,
        "",
        "informational: above 1, the row lock costs less than concurrency gains",
    )


def _exact(rounds: list[Round]) -> bool:
    return all((r.granted, r.refused, r.floor_granted) == (COVERED, CASES - COVERED, COVERED) for r in rounds)


async def _members(app: Any, district: str, branch: str) -> list[uuid.UUID]:
    """Members put into the view by the service's own MemberJoined handler (setup, not measured)."""
    from assistance.adapters.orm import member_view as tables
    from unionfed_chassis.member_view import MemberView
    from unionfed_events import membership as mev

    view = MemberView(tables)

    ids = [uuid.uuid4() for _ in range(CASES)]
    async with app.state.runtime.unit_of_work() as uow:
        for n, member_id in enumerate(ids):
            event = mev.MemberJoined(
                member_id=member_id,
                card_number=f"{district}-{n:05d}",
                name="压测会员",
                branch_id=branch,
                district=district,
                industry="construction",
                employment_type=mev.EmploymentType.MIGRANT,
                joined_on=date(2024, 5, 1),
                channel=mev.JoinChannel.OFFICER,
                national_id_masked="1101**********1234",
            )
            await view.member_joined(uow, event, 1)
        await uow.commit()
    return ids


def _auth(secret: str, **claims: Any) -> dict[str, str]:
    from unionfed_chassis.auth import audience_of, issue_token

    return {
        "Authorization": f"Bearer {issue_token(secret, subject='bench', audience=audience_of('assistance'), **claims)}"
    }


@contextlib.asynccontextmanager
async def _app(srv: Servers, url: str, secret: str) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    from assistance.main import build_app
    from assistance.settings import AssistanceSettings

    settings = AssistanceSettings(
        service_name="assistance",
        environment="development",
        database_url=url,
        kafka_bootstrap_servers=srv.kafka_bootstrap,
        kafka_enable_idempotence=srv.idempotence,
        jwt_secret=secret,
        log_level="WARNING",  # the figures, not the service's request log
    )
    app = build_app(settings)
    with step("starting the assistance app (migrations, producer, consumers)"):
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://assistance", timeout=300
        ) as client:
            yield client, app
    finally:
        await lifespan.__aexit__(None, None, None)
