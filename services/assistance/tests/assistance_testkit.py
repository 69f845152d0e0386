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
from assistance.main import build_app
from assistance.settings import AssistanceSettings
from fastapi import FastAPI
from unionfed_devstack.feeds import MembershipFeed
from unionfed_devstack.service_kit import run_app
from unionfed_devstack.testing import EventReader, OfficerTokens, wait_for


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

    async def wait_member(self, member_id: uuid.UUID, status: str, within: float = 60) -> None:
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
    """A running service reading membership's topics of its districts (`run_app`)."""
    async with run_app(
        "assistance",
        build_app,
        AssistanceSettings,
        districts,
        kafka_bootstrap,
        kafka_idempotence,
        database_url or make_database("assistance"),
        reads=("membership",),
        groups=("member_view_group", "campaigns_group"),
        **settings_overrides,
    ) as run:
        yield Assistance(
            run.app, run.client, run.settings, districts, run.events, MembershipFeed(run.producer)
        )
