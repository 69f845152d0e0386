"""The fan-out in a real service process: killed with `kill -9` mid-fan-out and restarted, every
member has exactly one in-app row; over a 100,000-member fan-out its resident memory stays
bounded and a member's own event is handled meanwhile within seconds."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from fanout_kit import copy_members
from notifications.domain.fanout import invitation_content_id
from notifications_testkit import new_district
from process_kit import ServiceProcess, prepare, service_env
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from unionfed_devstack.feeds import CampaignsFeed, MembershipFeed
from unionfed_devstack.testing import wait_for

MB = 1024  # kB


@pytest.fixture
def start_process(
    make_database: Callable[[str], str], kafka_bootstrap: str, kafka_idempotence: bool, tmp_path: Path
) -> Callable[..., object]:
    @asynccontextmanager
    async def start(
        districts: list[str], **extra: str
    ) -> AsyncIterator[tuple[ServiceProcess, AsyncEngine, AIOKafkaProducer]]:
        suffix = uuid.uuid4().hex[:8]
        groups = {
            name: f"notifications-{name.split('_')[0].lower()}-{suffix}"
            for name in ("MEMBER_VIEW_GROUP", "EVENTS_GROUP", "AUDIENCE_GROUP", "CONTACTS_GROUP")
        }
        database_url = make_database("notifications")
        await prepare(kafka_bootstrap, districts, groups)
        env = service_env(database_url, kafka_bootstrap, kafka_idempotence, groups, districts, **extra)
        service = ServiceProcess(env, tmp_path / "notifications.log")
        engine = create_async_engine(database_url)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=kafka_idempotence)
        await producer.start()
        service.start()
        try:
            await service.wait_ready()
            yield service, engine, producer
        finally:
            service.stop()
            await producer.stop()
            await engine.dispose()

    return start


async def _in_app(engine: AsyncEngine, content_id: uuid.UUID) -> tuple[int, int]:
    """(rows, distinct members) of the campaign's in-app notifications."""
    query = sa.text(
        "SELECT count(*), count(DISTINCT recipient_id) FROM notifications "
        "WHERE content_id = :content_id AND channel = 'in_app'"
    )
    async with engine.connect() as conn:
        rows, members = (await conn.execute(query, {"content_id": content_id})).one()
    return int(rows), int(members)


async def test_killed_mid_fan_out_and_restarted_every_member_has_exactly_one_row(start_process) -> None:
    district = new_district("fk")
    # Small batches, so the fan-out commits chunk by chunk and the kill lands between commits.
    async with start_process([district], CONSUMER_MAX_RECORDS="2") as (service, engine, producer):
        audience = await copy_members(engine, district, 20_000)
        campaign_id = await CampaignsFeed(producer).launch_with_audience(district, {district: audience})
        content_id = invitation_content_id(campaign_id)

        async def part_done() -> bool:
            rows, _ = await _in_app(engine, content_id)
            assert rows < len(audience), "the fan-out ended before the kill: nothing was interrupted"
            return rows > 0

        await wait_for(part_done, timeout=120, interval=0.01)
        service.kill()
        interrupted_at, _ = await _in_app(engine, content_id)
        service.start()
        await service.wait_ready()
        await wait_for(lambda: _all_in(engine, content_id, len(audience)), timeout=180)
        time.sleep(1)  # noqa: ASYNC251 - a late duplicate would show up in this second
        assert await _in_app(engine, content_id) == (len(audience), len(audience))
        print(f"killed with {interrupted_at:,} of {len(audience):,} rows written; all present after restart")


async def _all_in(engine: AsyncEngine, content_id: uuid.UUID, expected: int) -> bool:
    rows, _ = await _in_app(engine, content_id)
    return rows >= expected


async def test_a_100k_fan_out_keeps_memory_bounded_and_a_member_event_flowing(start_process) -> None:
    district = new_district("fm")
    async with start_process([district]) as (service, engine, producer):
        audience = await copy_members(engine, district, 100_000)
        feed = CampaignsFeed(producer)
        warm_up = await feed.launch_with_audience(district, {district: audience[:1000]})
        await wait_for(lambda: _all_in(engine, invitation_content_id(warm_up), 1000), timeout=60)
        before = service.memory_kb("VmRSS")

        campaign_id = await feed.launch_with_audience(district, {district: audience})
        content_id = invitation_content_id(campaign_id)
        await wait_for(lambda: _started(engine, content_id), timeout=60, interval=0.01)
        # Meanwhile a member joins: the member view (another consumer group) must not wait for the fan-out.
        members = MembershipFeed(producer)
        branch = await members.branch(district)
        published = time.monotonic()
        joined = await members.join(district, branch)
        await wait_for(lambda: _in_view(engine, joined), timeout=60, interval=0.02)
        latency = time.monotonic() - published
        fan_out_running = (await _in_app(engine, content_id))[0] < len(audience)

        await wait_for(lambda: _all_in(engine, content_id, len(audience)), timeout=300)
        peak = service.memory_kb("VmHWM")
        print(
            f"member event handled in {latency:.2f}s during the fan-out (still running: {fan_out_running}); "
            f"resident memory {before / MB:.0f} MB before, peak {peak / MB:.0f} MB (+{(peak - before) / MB:.0f} MB)"
        )
        assert await _in_app(engine, content_id) == (len(audience), len(audience))
        assert peak - before < 100 * MB
        assert latency < 15


async def _started(engine: AsyncEngine, content_id: uuid.UUID) -> bool:
    return (await _in_app(engine, content_id))[0] > 0


async def _in_view(engine: AsyncEngine, member_id: uuid.UUID) -> bool:
    async with engine.connect() as conn:
        found = await conn.execute(sa.text("SELECT 1 FROM members WHERE member_id = :m"), {"m": member_id})
        return found.first() is not None
