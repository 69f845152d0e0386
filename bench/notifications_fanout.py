"""A campaign's invitation to 100,000 members, in-app: the notifications service's audience
consumer against a COPY of the same rows into the same table, in the same run.

A migrated notifications database gets 100,000 active members in its view (COPY, setup, not
measured) over four districts; the service runs in this process on the bench's servers. A small
campaign first lets the consumer join its group and warm up. Then one `CampaignLaunched` and 100
`AudienceTargeted` chunks of 1,000 are published as campaigns' relay would, and the clock runs
from the first record sent to the moment all 100,000 in-app rows are in the table (polled).
Baseline: the same 100,000 rows (same columns and values, read back) are written with one COPY
into the same table, truncated first. Figures printed, nothing asserted."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from unionfed_devstack.feeds import CampaignsFeed
from unionfed_events import topics

from .common import Result, bench_districts, create_topics, rate, ratio_note, step
from .servers import Servers, asyncpg_dsn, fresh_database

MEMBERS = 100_000
DISTRICTS = 4
TARGET = 0.3
TIMEOUT = 300.0
NOTIFICATION_COLUMNS = (
    "content_id",
    "caused_by",
    "recipient_kind",
    "recipient_id",
    "channel",
    "status",
    "priority",
    "delivered_at",
)


async def run(srv: Servers) -> Result:
    from notifications.domain.fanout import invitation_content_id

    result = Result(f"notifications_fanout: a campaign to {MEMBERS:,} members, in-app, vs COPY", [])
    districts = bench_districts(uuid.uuid4().hex[:6])[:DISTRICTS]
    url = await fresh_database(srv, "notifications_fanout", chassis_tables=False)
    await create_topics(
        srv,
        [topics.district_events(domain, d) for d in districts for domain in ("campaigns", "notifications")]
        + [topics.federation_events("campaigns"), topics.federation_events("notifications")],
    )
    async with _service(srv, url) as settings:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        producer = AIOKafkaProducer(bootstrap_servers=srv.kafka_bootstrap, enable_idempotence=srv.idempotence)
        await producer.start()
        try:
            audience = await _fill(conn, districts)
            feed = CampaignsFeed(producer)
            with step("warm-up campaign (group join)"):
                await feed.launch_with_audience(districts[0], {districts[0]: audience[districts[0]][:10]})
                await _wait_rows(conn, 10)
            with step(f"fan-out of {MEMBERS:,} members"):
                started = time.perf_counter()
                campaign_id = await feed.launch_with_audience(None, audience)
                published = time.perf_counter() - started
                await _wait_rows(conn, 10 + MEMBERS)
                fanout = time.perf_counter() - started
            rows = await conn.fetch(
                f"SELECT {', '.join(NOTIFICATION_COLUMNS)} FROM notifications WHERE content_id = $1",
                invitation_content_id(campaign_id),
            )
            with step("baseline: COPY of the same rows"):
                await conn.execute("TRUNCATE notifications CASCADE")
                started = time.perf_counter()
                await conn.copy_records_to_table("notifications", records=rows, columns=NOTIFICATION_COLUMNS)
                copy = time.perf_counter() - started
        finally:
            await producer.stop()
            await conn.close()
    del settings
    result.add("rows", f"{len(rows):,}", "", "in-app, one per member; must be 100,000")
    result.add("publish launch + 100 chunks", published, "s", "included in the fan-out time")
    result.add("fan-out, publish to last row", fanout, "s", f"{rate(MEMBERS, fanout):,.0f} rows/s")
    result.add("COPY of the same rows", copy, "s", f"{rate(MEMBERS, copy):,.0f} rows/s")
    ratio = copy / fanout
    result.add("ratio fan-out/COPY", ratio, "", ratio_note(ratio, TARGET))
    return result


@contextlib.asynccontextmanager
async def _service(srv: Servers, url: str) -> AsyncIterator[Any]:
    from notifications.main import build_app
    from notifications.settings import NotificationsSettings

    settings = NotificationsSettings(
        environment="development",
        database_url=url,
        kafka_bootstrap_servers=srv.kafka_bootstrap,
        kafka_enable_idempotence=srv.idempotence,
        log_level="WARNING",
        audience_group=f"bench-audience-{uuid.uuid4().hex[:6]}",
        events_group=f"bench-events-{uuid.uuid4().hex[:6]}",
        member_view_group=f"bench-members-{uuid.uuid4().hex[:6]}",
    )
    app = build_app(settings)
    with step("starting the notifications service (migrations, consumers)"):
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
    try:
        yield settings
    finally:
        await lifespan.__aexit__(None, None, None)


async def _fill(conn: asyncpg.Connection, districts: list[str]) -> dict[str, list[uuid.UUID]]:
    with step(f"{MEMBERS:,} members into the member view (COPY)"):
        audience = {d: [uuid.uuid4() for _ in range(MEMBERS // len(districts))] for d in districts}
        rows = [
            (m, "会员", f"{d}-b{i % 50:03d}", d, "active", date(2024, 5, 1), 1)
            for d, ids in audience.items()
            for i, m in enumerate(ids)
        ]
        columns = ("member_id", "name", "branch_id", "district", "status", "joined_on", "version")
        await conn.copy_records_to_table("members", records=rows, columns=columns)
        await conn.execute("ANALYZE members")
    return audience


async def _wait_rows(conn: asyncpg.Connection, expected: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while await conn.fetchval("SELECT count(*) FROM notifications WHERE channel = 'in_app'") < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"fewer than {expected:,} in-app rows after {TIMEOUT:.0f}s")
        await asyncio.sleep(0.05)
