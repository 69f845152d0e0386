"""Helpers of the assistance tests: the service over the real database and broker, a feed of
membership's events (published on membership's topics with its headers, as its relay does),
tokens, and a plain aiokafka reader of what the service published."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from assistance.main import build_app
from assistance.settings import AssistanceSettings
from fastapi import FastAPI
from unionfed_devstack.broker import ensure_topics
from unionfed_devstack.feeds import MembershipFeed
from unionfed_devstack.testing import EventReader, OfficerTokens, skip_other_districts, wait_for
from unionfed_events import topics
from unionfed_events.topics import TopicSpec


def new_district(prefix: str = "a") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@dataclass
class Assistance(OfficerTokens):
    app: FastAPI
    client: httpx.AsyncClient
    settings: AssistanceSettings
    districts: list[str]
    events: EventReader
    feed: MembershipFeed

    async def member(self, district: str, branch_id: str, **kw: Any) -> uuid.UUID:
        """A member who joined through membership's event, once the view has them."""
        member_id = await self.feed.join(district, branch_id, **kw)
        await self.wait_member(member_id, "active")
        return member_id

    async def wait_member(self, member_id: uuid.UUID, status: str, within: float = 30) -> None:
        async def seen() -> bool:
            r = await self.client.get(f"/members/{member_id}", headers=self.admin)
            return r.status_code == 200 and r.json()["status"] == status

        await wait_for(seen, timeout=within)

    async def allocate(
        self, district: str, aid_type: str, amount: str, year: int | None = None
    ) -> dict[str, Any]:
        body = {
            "district": district,
            "year": year or date.today().year,
            "aid_type": aid_type,
            "amount_yuan": amount,
        }
        r = await self.client.post("/funds", json=body, headers=self.admin)
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def fund(self, district: str, aid_type: str, year: int | None = None) -> dict[str, Decimal]:
        r = await self.client.get(
            f"/funds/{district}/{year or date.today().year}/{aid_type}", headers=self.admin
        )
        assert r.status_code == 200, r.text
        return {k: Decimal(v) for k, v in r.json().items() if k.endswith("_yuan")}

    async def apply(
        self, member_id: uuid.UUID, aid_type: str, amount: str | None, headers: dict[str, str]
    ) -> httpx.Response:
        body: dict[str, Any] = {"member_id": str(member_id), "aid_type": aid_type, "description": "家庭困难"}
        if amount is not None:
            body["amount_yuan"] = amount
        return await self.client.post("/cases", json=body, headers=headers)

    async def decide(
        self, case_id: str, decision: str, headers: dict[str, str], **body: Any
    ) -> httpx.Response:
        return await self.client.post(
            f"/cases/{case_id}/decision", json={"decision": decision, **body}, headers=headers
        )


@contextlib.asynccontextmanager
async def start_assistance(
    districts: list[str],
    make_database: Callable[[str], str],
    kafka_bootstrap: str,
    kafka_idempotence: bool,
    *,
    database_url: str | None = None,
    **settings_overrides: Any,
) -> AsyncIterator[Assistance]:
    """A running service, with its districts' topics (membership's and its own) created before it
    starts (its pattern subscriptions see topics that exist at start-up). Its consumer groups are
    its own and start at the end of other tests' districts (`skip_other_districts`)."""
    own = [topics.district_events("assistance", d) for d in districts]
    feeds = [topics.district_events("membership", d) for d in districts]
    await ensure_topics(kafka_bootstrap, [TopicSpec(n) for n in own + feeds])
    # Groups of their own: on Tansu a stopped app's member stays in its group until its session
    # times out, and the next app joining that group would wait for it (18 s instead of 5).
    settings_overrides.setdefault("member_view_group", f"assistance-members-{uuid.uuid4().hex[:8]}")
    settings_overrides.setdefault("campaigns_group", f"assistance-campaigns-{uuid.uuid4().hex[:8]}")
    settings = AssistanceSettings(
        environment="development",
        database_url=database_url or make_database("assistance"),
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
        async with httpx.AsyncClient(transport=transport, base_url="http://assistance", timeout=60) as client:
            await reader.start()
            await producer.start()
            try:
                yield Assistance(app, client, settings, districts, reader, MembershipFeed(producer))
            finally:
                await producer.stop()
                await reader.stop()
