"""Enrolments at the capacity edge: 400 requests fired at once (`POST
/campaigns/{id}/participants` on an in-process campaigns app) against a campaign with 200
places, so the places run out during the run and the other half join the waiting list. Every
request queues on the one campaign row, whose counters decide places.

Baseline, like with like: the same 400 requests as plain transactions through an asyncpg pool
as wide as the app's, all at once, against an identical campaign: a read of the counters, the
same conditional UPDATEs in the same order (a place, else the next waiting-list position; the
waiting list first when the read saw the campaign full) and the INSERT of the participant row,
nothing else. The app does per request what the floor cannot skip: the token,
the campaign, member and audience reads, the scope check, the outbox event and the JSON answer.
Three rounds, medians; figures printed, nothing asserted."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx

from .common import Result, rate, step
from .servers import Servers, asyncpg_dsn, fresh_database

REQUESTS = 400
CAPACITY = 200
ROUNDS = 3

_LOOKS_FULL = "SELECT capacity IS NOT NULL AND enrolled >= capacity FROM campaigns WHERE campaign_id = $1"
_TAKE_PLACE = (
    "UPDATE campaigns SET enrolled = enrolled + 1 WHERE campaign_id = $1 AND status = 'launched' "
    "AND (capacity IS NULL OR enrolled < capacity) RETURNING enrolled"
)
_JOIN_WAITING_LIST = (
    "UPDATE campaigns SET waitlisted = waitlisted + 1 WHERE campaign_id = $1 AND status = 'launched' "
    "AND capacity IS NOT NULL AND enrolled >= capacity RETURNING waitlisted"
)
_INSERT_PARTICIPANT = (
    "INSERT INTO participants (campaign_id, member_id, district, branch_id, status, enrolled_at) "
    "VALUES ($1, $2, $3, $4, $5, CASE WHEN $5 = 'enrolled' THEN now() END)"
)


@dataclass
class Round:
    app_seconds: float
    enrolled: int
    waitlisted: int
    floor_seconds: float
    floor_enrolled: int


async def run(srv: Servers) -> Result:
    result = Result(f"enrol: {REQUESTS} concurrent enrolments, {CAPACITY} places, {ROUNDS} rounds", [])
    url = await fresh_database(srv, "enrol", chassis_tables=False)
    secret = secrets.token_hex(32)
    rounds = []
    async with _app(srv, url, secret) as (client, app):
        pool_size = app.state.settings.database_pool_size
        floor = await asyncpg.create_pool(asyncpg_dsn(url), min_size=pool_size, max_size=pool_size)
        try:
            for i in range(ROUNDS):
                rounds.append(await _round(client, floor, secret, f"enrol{i}{uuid.uuid4().hex[:4]}"))
            one_by_one = await _round(client, floor, secret, f"seq{uuid.uuid4().hex[:4]}", at_once=False)
        finally:
            await floor.close()
    _report(result, rounds, one_by_one, pool_size)
    return result


async def _round(
    client: httpx.AsyncClient, floor: asyncpg.Pool, secret: str, district: str, *, at_once: bool = True
) -> Round:
    branch = f"{district}-b001"
    with step(f"{REQUESTS} audience members and a campaign with {CAPACITY} places in {district}"):
        members = [uuid.uuid4() for _ in range(REQUESTS)]
        campaign_id = await _campaign(floor, district, branch, members)
    officer = _auth(secret, role="branch_officer", district=district, branch=branch)

    def enrol(member_id: uuid.UUID) -> Any:
        return client.post(
            f"/campaigns/{campaign_id}/participants", json={"member_id": str(member_id)}, headers=officer
        )

    with step(f"{REQUESTS} enrolments {'at once' if at_once else 'one after another'}"):
        started = time.perf_counter()
        if at_once:
            answers = await asyncio.gather(*(enrol(m) for m in members))
        else:
            answers = [await enrol(m) for m in members]
        app_seconds = time.perf_counter() - started
    if any(r.status_code != 201 for r in answers):
        raise RuntimeError(f"enrolling failed: {[r.text for r in answers if r.status_code != 201][:1]}")
    statuses = [r.json()["status"] for r in answers]
    floor_campaign = await _campaign(floor, f"{district}-floor", branch, [])
    floor_seconds, floor_enrolled = await _floor(floor, floor_campaign, district, branch, at_once=at_once)
    return Round(
        app_seconds, statuses.count("enrolled"), statuses.count("waitlisted"), floor_seconds, floor_enrolled
    )


async def _floor(
    pool: asyncpg.Pool, campaign_id: uuid.UUID, district: str, branch: str, *, at_once: bool
) -> tuple[float, int]:
    """The same requests as bare transactions: a place or a waiting-list position, and the row."""

    async def request() -> bool:
        async with pool.acquire() as conn, conn.transaction():
            enrolled = False
            if not await conn.fetchval(_LOOKS_FULL, campaign_id):
                enrolled = await conn.fetchval(_TAKE_PLACE, campaign_id) is not None
            if not enrolled and await conn.fetchval(_JOIN_WAITING_LIST, campaign_id) is None:
                enrolled = await conn.fetchval(_TAKE_PLACE, campaign_id) is not None
            status = "enrolled" if enrolled else "waitlisted"
            await conn.execute(_INSERT_PARTICIPANT, campaign_id, uuid.uuid4(), district, branch, status)
        return enrolled

    started = time.perf_counter()
    if at_once:
        done = await asyncio.gather(*(request() for _ in range(REQUESTS)))
    else:
        done = [await request() for _ in range(REQUESTS)]
    return time.perf_counter() - started, sum(done)


async def _campaign(pool: asyncpg.Pool, district: str, branch: str, members: list[uuid.UUID]) -> uuid.UUID:
    """A launched campaign with `members` in the member view and in its audience (setup, not measured)."""
    campaign_id = uuid.uuid4()
    today = date.today()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO campaigns (campaign_id, kind, title, owner_district, status, starts_on, ends_on, "
            "audience, audience_size, capacity, created_by, launched_at) "
            "VALUES ($1, 'winter_warmth', 'bench', $2, 'launched', $3, $4, $5, $6, $7, 'bench', now())",
            campaign_id,
            district,
            today - timedelta(days=1),
            today + timedelta(days=30),
            f'{{"districts": ["{district}"]}}',
            len(members),
            CAPACITY,
        )
        await conn.executemany(
            "INSERT INTO members (member_id, branch_id, district, status, version) "
            "VALUES ($1, $2, $3, 'active', 1)",
            [(m, branch, district) for m in members],
        )
        await conn.executemany(
            "INSERT INTO audience_members (campaign_id, member_id, district, branch_id) VALUES ($1, $2, $3, $4)",
            [(campaign_id, m, district, branch) for m in members],
        )
    return campaign_id


def _report(result: Result, rounds: list[Round], one_by_one: Round, pool_size: int) -> None:
    app_rate = statistics.median(rate(REQUESTS, r.app_seconds) for r in rounds)
    floor_rate = statistics.median(rate(REQUESTS, r.floor_seconds) for r in rounds)
    result.add(
        "enrolments answered",
        app_rate,
        "/s",
        f"median; {REQUESTS} at once, HTTP in-process, pool {pool_size}",
    )
    exact = all(
        (r.enrolled, r.waitlisted, r.floor_enrolled) == (CAPACITY, REQUESTS - CAPACITY, CAPACITY)
        for r in rounds
    )
    result.add(
        "  enrolled / waitlisted",
        " ".join(f"{r.enrolled}/{r.waitlisted}" for r in rounds),
        "",
        f"per round; exactly {CAPACITY}/{REQUESTS - CAPACITY} expected" + ("" if exact else "  <-- CHECK"),
    )
    result.add(
        "floor: bare read, conditional UPDATE, INSERT", floor_rate, "/s", f"median; asyncpg pool {pool_size}"
    )
    result.add("  floor places taken", " ".join(str(r.floor_enrolled) for r in rounds), "", f"of {REQUESTS}")
    result.add(
        "ratio enrolments/floor",
        app_rate / floor_rate,
        "",
        "informational: what an enrolment costs beyond the row lock",
    )
    seq_rate, seq_floor = rate(REQUESTS, one_by_one.app_seconds), rate(REQUESTS, one_by_one.floor_seconds)
    result.add("enrolments one after another", seq_rate, "/s", f"one round, {one_by_one.enrolled} enrolled")
    result.add("floor one after another", seq_floor, "/s", "one round")
    result.add(
        "ratio at once/one after another",
        app_rate / seq_rate,
        "",
        "informational: above 1, the row lock costs less than concurrency gains",
    )


def _auth(secret: str, **claims: Any) -> dict[str, str]:
    from unionfed_chassis.auth import audience_of, issue_token

    token = issue_token(secret, subject="bench", audience=audience_of("campaigns"), **claims)
    return {"Authorization": f"Bearer {token}"}


@contextlib.asynccontextmanager
async def _app(srv: Servers, url: str, secret: str) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    from campaigns.main import build_app
    from campaigns.settings import CampaignsSettings

    settings = CampaignsSettings(
        environment="development",
        database_url=url,
        kafka_bootstrap_servers=srv.kafka_bootstrap,
        kafka_enable_idempotence=srv.idempotence,
        jwt_secret=secret,
        member_view_group=f"bench-members-{uuid.uuid4().hex[:8]}",
        hardship_group=f"bench-hardship-{uuid.uuid4().hex[:8]}",
        log_level="WARNING",  # the figures, not the service's request log
    )
    app = build_app(settings)
    with step("starting the campaigns app (migrations, producer, consumers)"):
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://campaigns", timeout=300) as client:
            yield client, app
    finally:
        await lifespan.__aexit__(None, None, None)
