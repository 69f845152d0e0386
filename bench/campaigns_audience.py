"""The audience of a campaign for 100,000 members: `campaigns.adapters.audience.audience_counts`
(what an organiser's preview and a launch compute) for a few realistic rules, against a plain
`SELECT count(*) … WHERE …` of the same rule written by hand, in the same database and run.

The member view of a migrated campaigns database is filled with COPY: members over six
districts, five branches each, five industries, five employment types, birth years 1960-2007
and 8% on the hardship registry, a few percent left. Each query runs once to warm the cache,
then REPEATS times in turn with the other; medians. The service's query adds the per-district
grouping the preview shows and goes through SQLAlchemy; the floor counts only. Figures
printed, nothing asserted."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from .common import Result, step
from .servers import Servers, asyncpg_dsn, fresh_database

MEMBERS = 100_000
REPEATS = 15
DISTRICTS = ["huangpu", "xuhui", "changning", "jingan", "putuo", "pudong"]
INDUSTRIES = ["construction", "logistics", "manufacturing", "retail", "catering"]
# Weights of a big-city federation: many migrant and flexible workers.
EMPLOYMENT = {"regular": 50, "dispatched": 10, "migrant": 25, "flexible": 10, "laid_off": 5}
HARDSHIP_SHARE = 0.08
LEFT_SHARE = 0.04


def _rules(on: date) -> list[tuple[str, Any, str, list[Any]]]:
    """(name, AudienceRule, the same rule as hand-written SQL, its parameters)."""
    from unionfed_events.campaigns import AudienceRule, HardshipFilter
    from unionfed_events.membership import EmploymentType

    return [
        (
            "everyone",
            AudienceRule(),
            "SELECT count(*) FROM members WHERE status = 'active'",
            [],
        ),
        (
            "migrants aged 18-35 in two districts",
            AudienceRule(
                districts=["huangpu", "pudong"],
                employment_types=[EmploymentType.MIGRANT],
                min_age=18,
                max_age=35,
            ),
            "SELECT count(*) FROM members WHERE status = 'active' AND district = ANY($1::text[])"
            " AND employment_type = 'migrant' AND birth_year BETWEEN $2 AND $3",
            [["huangpu", "pudong"], on.year - 35, on.year - 18],
        ),
        (
            "hardship members in one industry",
            AudienceRule(industries=["construction"], hardship=HardshipFilter.REGISTERED),
            "SELECT count(*) FROM members m JOIN hardship_view h USING (member_id)"
            " WHERE m.status = 'active' AND m.industry = 'construction' AND h.registered",
            [],
        ),
        (
            "one branch, over 50 (summer cooling)",
            AudienceRule(districts=["xuhui"], branch_ids=["xuhui-b003"], min_age=50),
            "SELECT count(*) FROM members WHERE status = 'active' AND district = 'xuhui'"
            " AND branch_id = 'xuhui-b003' AND birth_year <= $1",
            [on.year - 50],
        ),
    ]


async def run(srv: Servers) -> Result:
    result = Result(f"campaigns_audience: audience of a rule over {MEMBERS:,} members, {REPEATS} repeats", [])
    url = await fresh_database(srv, "campaigns_audience", chassis_tables=False)
    with step("migrating the campaigns database"):
        await _migrate(url)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    engine = create_async_engine(url)
    try:
        with step(f"{MEMBERS:,} members into the member view (COPY)"):
            started = time.perf_counter()
            await _fill(conn)
            result.add("fill (COPY + ANALYZE)", time.perf_counter() - started, "s", "setup, not measured")
        on = date.today()
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        for name, rule, sql, args in _rules(on):
            await _compare(result, name, rule, sql, args, on, sessions, conn)
    finally:
        await conn.close()
        await engine.dispose()
    return result


async def _migrate(url: str) -> None:
    from campaigns.settings import MIGRATIONS
    from unionfed_chassis.db import run_migrations

    await asyncio.to_thread(run_migrations, MIGRATIONS, url)


async def _compare(
    result: Result,
    name: str,
    rule: Any,
    sql: str,
    args: list[Any],
    on: date,
    sessions: async_sessionmaker[AsyncSession],
    conn: asyncpg.Connection,
) -> None:
    from campaigns.adapters.audience import audience_counts

    async def service() -> int:
        async with sessions() as session:
            return sum((await audience_counts(session, rule, on)).values())

    async def floor() -> int:
        return int(await conn.fetchval(sql, *args))

    # Like with like: the same per-district answer the preview gives, written by hand.
    grouped_sql = sql.replace("SELECT count(*)", "SELECT district, count(*)", 1) + " GROUP BY district"

    async def grouped() -> int:
        return sum(int(n) for _, n in await conn.fetch(grouped_sql, *args))

    size, floor_size, grouped_size = await service(), await floor(), await grouped()  # warm-up; must agree
    times: dict[str, list[float]] = {"service": [], "floor": [], "grouped": []}
    for _ in range(REPEATS):
        times["service"].append(await _timed(service))
        times["floor"].append(await _timed(floor))
        times["grouped"].append(await _timed(grouped))
    ours, plain, by_district = (statistics.median(times[k]) for k in ("service", "floor", "grouped"))
    wrong = {n for n in (floor_size, grouped_size) if n != size}
    check = f"  <-- CHECK: plain SQL counts {sorted(wrong)}" if wrong else ""
    result.add(name, f"{size:,}", "members", f"audience size{check}")
    result.add("  audience_counts", ours * 1000, "ms", "median; per district, through SQLAlchemy")
    result.add("  plain SQL count", plain * 1000, "ms", "median; asyncpg, same rule by hand, one total")
    result.add("  plain SQL per district", by_district * 1000, "ms", "median; asyncpg, same rule, GROUP BY")
    result.add("  ratio audience_counts/plain", ours / plain, "", "informational")
    result.add("  ratio audience_counts/per district", ours / by_district, "", "like with like")


async def _timed(query: Callable[[], Awaitable[int]]) -> float:
    started = time.perf_counter()
    await query()
    return time.perf_counter() - started


async def _fill(conn: asyncpg.Connection) -> None:
    """Branches, members and the hardship registry, drawn from a fixed seed (same data each run)."""
    draw = random.Random(20261128)
    now = datetime.now(UTC)
    branches = [
        (f"{d}-b{n:03d}", d, f"{d} branch {n}", INDUSTRIES[(i * 5 + n) % len(INDUSTRIES)], "open", now, now)
        for i, d in enumerate(DISTRICTS)
        for n in range(1, 6)
    ]
    await conn.copy_records_to_table(
        "branches",
        records=branches,
        columns=["branch_id", "district", "name", "industry", "status", "created_at", "updated_at"],
    )
    kinds, weights = list(EMPLOYMENT), list(EMPLOYMENT.values())
    members, hardship = [], []
    for n in range(MEMBERS):
        branch_id, district, _, industry, *_ = draw.choice(branches)
        member_id = uuid.UUID(int=draw.getrandbits(128), version=4)
        left = draw.random() < LEFT_SHARE
        members.append(
            (
                member_id,
                f"B{n:07d}",
                "压测会员",
                branch_id,
                district,
                industry,
                draw.choices(kinds, weights)[0],
                draw.randint(1960, 2007),
                "left" if left else "active",
                date(2020, 1, 1),
                date(2025, 6, 1) if left else None,
                1,
                now,
                now,
            )
        )
        if draw.random() < HARDSHIP_SHARE:
            hardship.append((member_id, True, now, now, now))
    await conn.copy_records_to_table(
        "members",
        records=members,
        columns=[
            "member_id",
            "card_number",
            "name",
            "branch_id",
            "district",
            "industry",
            "employment_type",
            "birth_year",
            "status",
            "joined_on",
            "left_on",
            "version",
            "created_at",
            "updated_at",
        ],
    )
    await conn.copy_records_to_table(
        "hardship_view",
        records=hardship,
        columns=["member_id", "registered", "as_of", "created_at", "updated_at"],
    )
    await conn.execute("ANALYZE members; ANALYZE branches; ANALYZE hardship_view")
