"""Helpers of the notifications tests: the service over the real database and broker, a feed of
membership's events (published on their topics with their headers, as its relay does), tokens,
and a plain aiokafka reader of what the service published."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from notifications.adapters.orm import members
from notifications.main import build_app
from notifications.settings import NotificationsSettings
from unionfed_devstack.feeds import MembershipFeed
from unionfed_devstack.service_kit import MemberViewKit, run_app
from unionfed_devstack.testing import EventReader, OfficerTokens

FEED_DOMAINS = ("membership", "assistance", "campaigns")


def new_district(prefix: str = "n") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@dataclass
class Notifications(MemberViewKit, OfficerTokens):
    app: FastAPI
    client: httpx.AsyncClient
    settings: NotificationsSettings
    districts: list[str]
    events: EventReader
    feed: MembershipFeed
    producer: AIOKafkaProducer

    members: ClassVar[sa.Table] = members


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
    """A running service reading membership's, assistance's and campaigns' topics of its districts
    and the federation (`run_app`)."""
    async with run_app(
        "notifications",
        build_app,
        NotificationsSettings,
        districts,
        kafka_bootstrap,
        kafka_idempotence,
        database_url or make_database("notifications"),
        reads=FEED_DOMAINS,
        groups=("member_view_group", "contacts_group", "events_group", "audience_group"),
        federation=True,
        **settings_overrides,
    ) as run:
        feed = MembershipFeed(run.producer)
        yield Notifications(run.app, run.client, run.settings, districts, run.events, feed, run.producer)
