"""A service under test, started the same way for every service's test kit: its topics created
first, consumer groups of its own, an HTTP client on the app, a reader of what it publishes and
a producer for feeds of other services' events."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from unionfed_events import topics
from unionfed_events.topics import TopicSpec

from .broker import ensure_topics
from .feeds import MembershipFeed
from .testing import EventReader, consumer_districts_of, skip_other_districts, wait_for


@dataclass
class RunningApp:
    app: FastAPI
    client: httpx.AsyncClient
    settings: Any
    events: EventReader
    producer: AIOKafkaProducer


@contextlib.asynccontextmanager
async def run_app(
    domain: str,
    build_app: Callable[[Any], FastAPI],
    settings_class: Any,
    districts: list[str],
    kafka_bootstrap: str,
    kafka_idempotence: bool,
    database_url: str,
    *,
    reads: Sequence[str] = (),
    groups: Sequence[str] = (),
    federation: bool = False,
    **settings_overrides: Any,
) -> AsyncIterator[RunningApp]:
    """The `domain` service running on `database_url`, with its districts' topics (its own and
    those of the domains it `reads`; the federation-level ones too with `federation`) created
    before it starts: its pattern subscriptions see topics that exist at start-up.

    Each consumer group (`groups`: the settings fields that name them) gets a name of its own: on
    Tansu a stopped app's member stays in its group until its session times out, and the next app
    joining that group would wait for it (18 s instead of 5). The groups read only the test's
    districts and the federation topics (`consumer_districts_of`), and start at the end of the
    federation topics (`skip_other_districts`)."""
    own = [topics.district_events(domain, d) for d in districts]
    feeds = [topics.district_events(other, d) for d in districts for other in reads]
    if federation:
        own.append(topics.federation_events(domain))
        feeds += [topics.federation_events(other) for other in reads]
    await ensure_topics(kafka_bootstrap, [TopicSpec(n) for n in own + feeds])
    suffix = uuid.uuid4().hex[:8]
    for group in groups:
        settings_overrides.setdefault(group, f"{settings_class.model_fields[group].default}-{suffix}")
    settings_overrides.setdefault("consumer_districts", consumer_districts_of(districts))
    settings = settings_class(
        environment="development",
        database_url=database_url,
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
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{domain}", timeout=60) as client:
            await reader.start()
            await producer.start()
            try:
                yield RunningApp(app, client, settings, reader, producer)
            finally:
                await producer.stop()
                await reader.stop()


async def wait_member_in_view(
    engine: AsyncEngine, members: sa.Table, member_id: uuid.UUID, status: str, within: float = 60
) -> None:
    """Until the service's member view (`members`, `unionfed_chassis.member_view`) has the member
    with `status`."""

    async def seen() -> bool:
        async with engine.connect() as conn:
            query = sa.select(members.c.status).where(members.c.member_id == member_id)
            return (await conn.execute(query)).scalar_one_or_none() == status

    await wait_for(seen, timeout=within)


class MemberViewKit:
    """What a test kit of a service with a member view adds: members who join through membership's
    event, once the view (the class's `members` table) has them. For dataclass kits with `app`
    and `feed`."""

    app: FastAPI
    feed: MembershipFeed
    members: ClassVar[sa.Table]

    @property
    def engine(self) -> AsyncEngine:
        """The service's engine (for tests that check the database's last-word constraints)."""
        engine: AsyncEngine = self.app.state.runtime.engine
        return engine

    async def member(self, district: str, branch_id: str, **kw: Any) -> uuid.UUID:
        member_id = await self.feed.join(district, branch_id, **kw)
        await self.wait_member(member_id, "active")
        return member_id

    async def wait_member(self, member_id: uuid.UUID, status: str, within: float = 60) -> None:
        await wait_member_in_view(self.engine, self.members, member_id, status, within)
