"""Helpers of the campaigns tests: the service over the real database and broker, feeds of
membership's and assistance's events (published on their topics with their headers, as their
relays do), tokens, and a plain aiokafka reader of what the service published."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from campaigns.main import build_app
from campaigns.settings import CampaignsSettings
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from unionfed_devstack.broker import ensure_topics
from unionfed_devstack.feeds import HardshipFeed, MembershipFeed
from unionfed_devstack.testing import EventReader, OfficerTokens, skip_other_districts, wait_for
from unionfed_events import topics
from unionfed_events.topics import TopicSpec


def new_district(prefix: str = "c") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@dataclass
class Campaigns(OfficerTokens):
    app: FastAPI
    client: httpx.AsyncClient
    settings: CampaignsSettings
    districts: list[str]
    events: EventReader
    feed: MembershipFeed
    hardship: HardshipFeed

    @property
    def engine(self) -> AsyncEngine:
        """The service's engine (for tests that check the database's last-word constraints)."""
        engine: AsyncEngine = self.app.state.runtime.engine
        return engine

    async def member(self, district: str, branch_id: str, **kw: Any) -> uuid.UUID:
        """A member who joined through membership's event, once the view has them."""
        member_id = await self.feed.join(district, branch_id, **kw)
        await self.wait_member(member_id, "active")
        return member_id

    async def wait_member(self, member_id: uuid.UUID, status: str, within: float = 30) -> None:
        from campaigns.adapters.orm import members

        async def seen() -> bool:
            async with self.engine.connect() as conn:
                row = (
                    await conn.execute(members.select().where(members.c.member_id == member_id))
                ).one_or_none()
            return row is not None and row.status == status

        await wait_for(seen, timeout=within)


@contextlib.asynccontextmanager
async def start_campaigns(
    districts: list[str],
    make_database: Callable[[str], str],
    kafka_bootstrap: str,
    kafka_idempotence: bool,
    *,
    database_url: str | None = None,
    **settings_overrides: Any,
) -> AsyncIterator[Campaigns]:
    """A running service, with its districts' topics (its own, membership's and assistance's)
    created before it starts (its pattern subscriptions see topics that exist at start-up). Its
    consumer groups are its own and start at the end of other tests' districts
    (`skip_other_districts`)."""
    own = [topics.district_events("campaigns", d) for d in districts] + [
        topics.federation_events("campaigns")
    ]
    feeds = [
        topics.district_events(domain, d)
        for d in districts
        for domain in ("membership", "assistance", "notifications")
    ]
    await ensure_topics(kafka_bootstrap, [TopicSpec(n) for n in own + feeds])
    settings_overrides.setdefault("member_view_group", f"campaigns-members-{uuid.uuid4().hex[:8]}")
    settings_overrides.setdefault("hardship_group", f"campaigns-hardship-{uuid.uuid4().hex[:8]}")
    settings_overrides.setdefault("notified_group", f"campaigns-notified-{uuid.uuid4().hex[:8]}")
    settings = CampaignsSettings(
        environment="development",
        database_url=database_url or make_database("campaigns"),
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_enable_idempotence=kafka_idempotence,
        outbox_poll_seconds=0.5,
        log_level="WARNING",
        **settings_overrides,
    )
    app = build_app(settings)
    await skip_other_districts(kafka_bootstrap, app.state.runtime.consumers, districts)
    reader = EventReader(kafka_bootstrap, own)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=kafka_idempotence)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://campaigns", timeout=60) as client:
            await reader.start()
            await producer.start()
            try:
                yield Campaigns(
                    app, client, settings, districts, reader, MembershipFeed(producer), HardshipFeed(producer)
                )
            finally:
                await producer.stop()
                await reader.stop()
