"""Helpers of the campaigns tests: the service over the real database and broker, feeds of
membership's and assistance's events (published on their topics with their headers, as their
relays do), tokens, and a plain aiokafka reader of what the service published."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import sqlalchemy as sa
from campaigns.adapters.orm import members
from campaigns.main import build_app
from campaigns.settings import CampaignsSettings
from fastapi import FastAPI
from unionfed_devstack.feeds import HardshipFeed, MembershipFeed
from unionfed_devstack.service_kit import MemberViewKit, run_app
from unionfed_devstack.testing import EventReader, OfficerTokens


def new_district(prefix: str = "c") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@dataclass
class Campaigns(MemberViewKit, OfficerTokens):
    app: FastAPI
    client: httpx.AsyncClient
    settings: CampaignsSettings
    districts: list[str]
    events: EventReader
    feed: MembershipFeed
    hardship: HardshipFeed

    members: ClassVar[sa.Table] = members


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
    """A running service reading membership's, assistance's and notifications' topics of its
    districts (`run_app`)."""
    async with run_app(
        "campaigns",
        build_app,
        CampaignsSettings,
        districts,
        kafka_bootstrap,
        kafka_idempotence,
        database_url or make_database("campaigns"),
        reads=("membership", "assistance", "notifications"),
        groups=("member_view_group", "hardship_group", "notified_group"),
        federation=True,
        **settings_overrides,
    ) as run:
        feeds = MembershipFeed(run.producer), HardshipFeed(run.producer)
        yield Campaigns(run.app, run.client, run.settings, districts, run.events, *feeds)
