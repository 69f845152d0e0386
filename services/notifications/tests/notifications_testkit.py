"""Helpers of the notifications tests: the service over the real database and broker, a feed of
membership's events (published on their topics with their headers, as its relay does), tokens,
and a plain aiokafka reader of what the service published."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from notifications.main import build_app
from notifications.settings import NotificationsSettings
from sqlalchemy.ext.asyncio import AsyncEngine
from unionfed_devstack.broker import ensure_topics
from unionfed_devstack.feeds import MembershipFeed
from unionfed_devstack.testing import EventReader, OfficerTokens, skip_other_districts, wait_for
from unionfed_events import topics
from unionfed_events.topics import TopicSpec

FEED_DOMAINS = ("membership", "assistance", "campaigns")


def new_district(prefix: str = "n") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@dataclass
class Notifications(OfficerTokens):
    app: FastAPI
    client: httpx.AsyncClient
    settings: NotificationsSettings
    districts: list[str]
    events: EventReader
    feed: MembershipFeed
    producer: AIOKafkaProducer

    @property
    def engine(self) -> AsyncEngine:
        engine: AsyncEngine = self.app.state.runtime.engine
        return engine

    async def member(self, district: str, branch_id: str, **kw: Any) -> uuid.UUID:
        """A member who joined through membership's event, once the view has them."""
        member_id = await self.feed.join(district, branch_id, **kw)
        await self.wait_member(member_id, "active")
        return member_id

    async def wait_member(self, member_id: uuid.UUID, status: str, within: float = 30) -> None:
        from notifications.adapters.orm import members

        async def seen() -> bool:
            async with self.engine.connect() as conn:
                row = (
                    await conn.execute(members.select().where(members.c.member_id == member_id))
                ).one_or_none()
            return row is not None and row.status == status

        await wait_for(seen, timeout=within)


@contextlib.asynccontextmanager
async def start_notifications(
    districts: list[str],
    make_database: Callable[[str], str],
    kafka_bootstrap: str,
    kafka_idempotence: bool,
    *,
    database_url: str | None = None,
    **settings_overrides: Any,
) -> AsyncIterator[Notifications]:
    """A running service, with its districts' topics (its own and those it reads) created before
    it starts (pattern subscriptions see topics that exist at start-up). Its consumer groups are
    its own and start at the end of other tests' districts (`skip_other_districts`)."""
    own = [topics.district_events("notifications", d) for d in districts] + [
        topics.federation_events("notifications")
    ]
    feeds = [topics.district_events(domain, d) for d in districts for domain in FEED_DOMAINS]
    feeds += [topics.federation_events(domain) for domain in FEED_DOMAINS]
    await ensure_topics(kafka_bootstrap, [TopicSpec(n) for n in own + feeds])
    suffix = uuid.uuid4().hex[:8]
    for group in ("member_view_group", "contacts_group", "events_group", "audience_group"):
        default = NotificationsSettings.model_fields[group].default
        settings_overrides.setdefault(group, f"{default}-{suffix}")
    settings = NotificationsSettings(
        environment="development",
        database_url=database_url or make_database("notifications"),
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
        async with httpx.AsyncClient(
            transport=transport, base_url="http://notifications", timeout=60
        ) as client:
            await reader.start()
            await producer.start()
            try:
                yield Notifications(
                    app, client, settings, districts, reader, MembershipFeed(producer), producer
                )
            finally:
                await producer.stop()
                await reader.stop()
