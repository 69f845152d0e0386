"""Helpers of the membership integration and e2e tests: the service over the real database and
broker, tokens, test identities, and a plain aiokafka reader of what the service published."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI
from membership.domain.national_id import make_test_national_id
from membership.main import build_app
from membership.settings import MembershipSettings
from unionfed_devstack.broker import ensure_topics
from unionfed_devstack.testing import EventReader, Record, bearer
from unionfed_events import topics
from unionfed_events.topics import TopicSpec

CE_HEADERS = {
    "ce_id",
    "ce_source",
    "ce_type",
    "ce_specversion",
    "ce_time",
    "ce_subject",
    "content-type",
    "ce_district",
    "ce_correlationid",
}


def new_district(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def person_id(n: int) -> str:
    """Checksum-valid, unique per n, in a region the demo data never uses (Beijing)."""
    born = date(1970, 1, 1).toordinal() + n // 1000
    return make_test_national_id("110105", date.fromordinal(born), n % 1000)


def phone(n: int) -> str:
    return f"139{n:08d}"


class CodeInbox(logging.Handler):
    """Reads one-time codes where a developer reads them: the development sender's log lines."""

    def __init__(self) -> None:
        super().__init__()
        self.codes: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "code"):
            self.codes[record.application_id] = record.code

    def code_of(self, application_id: str) -> str:
        return self.codes[application_id]

    async def __aenter__(self) -> CodeInbox:
        logging.getLogger("membership.sms").addHandler(self)
        return self

    async def __aexit__(self, *_: object) -> None:
        logging.getLogger("membership.sms").removeHandler(self)


@dataclass
class Service:
    app: FastAPI
    client: httpx.AsyncClient
    settings: MembershipSettings
    districts: list[str]
    events: EventReader
    codes: CodeInbox

    async def apply_and_verify(self, body: dict[str, Any]) -> httpx.Response:
        """Self-service at a branch that approves on its own: apply, then type the code."""
        applied = await self.client.post("/applications", json=body)
        assert applied.status_code == 201 and applied.json()["status"] == "awaiting_verification", (
            applied.text
        )
        application_id = applied.json()["application_id"]
        code = self.codes.code_of(application_id)
        return await self.client.post(f"/applications/{application_id}/verify", json={"code": code})

    async def application(self, application_id: str) -> dict[str, Any]:
        """The application as an officer sees it (real state, duplicates included)."""
        r = await self.client.get(f"/applications/{application_id}", headers=self.admin)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def token(
        self, role: str, district: str | None = None, branch: str | None = None, *, subject: str = "test"
    ) -> dict[str, str]:
        """Authorization header of a development token for this service."""
        return bearer(self.settings, role, district, branch, subject=subject)

    @property
    def admin(self) -> dict[str, str]:
        return self.token("federation_admin")

    def officer(self, district: str) -> dict[str, str]:
        return self.token("district_officer", district=district)

    async def create_district(self, code: str) -> None:
        r = await self.client.post("/districts", json={"code": code, "name": f"{code}区"}, headers=self.admin)
        assert r.status_code == 201, r.text

    async def create_branch(
        self, district: str, *, auto_approve: bool = True, industry: str = "logistics"
    ) -> str:
        body = {
            "name": f"上海{uuid.uuid4().hex[:6]}物流有限公司工会",
            "kind": "enterprise",
            "industry": industry,
            "district": district,
            "auto_approve": auto_approve,
        }
        r = await self.client.post("/branches", json=body, headers=self.admin)
        assert r.status_code == 201, r.text
        return str(r.json()["branch_id"])


def assert_cloudevent(record: Record, district: str) -> None:
    assert set(record.headers) >= CE_HEADERS, sorted(record.headers)
    assert record.headers["ce_specversion"] == "1.0"
    assert record.headers["ce_source"] == "/unionfed/membership"
    assert record.headers["content-type"] == "application/json"
    assert record.headers["ce_district"] == district
    assert record.key is not None and record.key.decode() == record.headers["ce_subject"]


def assert_no_personal_data(records: list[Record], secrets: list[str]) -> None:
    for r in records:
        blob = r.value.decode() + json.dumps(r.headers)
        for secret in secrets:
            assert secret not in blob


@contextlib.asynccontextmanager
async def start_service(
    districts: list[str],
    make_database: Callable[[str], str],
    kafka_bootstrap: str,
    kafka_idempotence: bool,
    *,
    database_url: str | None = None,
    **settings_overrides: Any,
) -> AsyncIterator[Service]:
    """A running service with its districts created, and a reader of their events topics. By
    default on a database of its own; on `database_url` (e.g. seeded, the districts there
    already) it creates no districts. `settings_overrides` are MembershipSettings fields."""
    names = [topics.district_events("membership", d) for d in districts]
    # Every test talks from one address; the public limits are tested with their own settings.
    settings_overrides.setdefault("public_limit_per_client", "10000/minute")
    # Before the service starts: its pattern subscription sees topics that exist at start-up
    # (new ones only at the next metadata refresh, minutes later).
    await ensure_topics(kafka_bootstrap, [TopicSpec(n) for n in names])
    settings = MembershipSettings(
        environment="development",
        database_url=database_url or make_database("membership"),
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_enable_idempotence=kafka_idempotence,
        outbox_poll_seconds=0.5,
        log_level="WARNING",
        **settings_overrides,
    )
    app = build_app(settings)
    reader = EventReader(kafka_bootstrap, names)
    async with app.router.lifespan_context(app), CodeInbox() as codes:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://membership", timeout=60) as client:
            await reader.start()
            svc = Service(app, client, settings, districts, reader, codes)
            try:
                for d in districts if database_url is None else []:
                    await svc.create_district(d)
                yield svc
            finally:
                await reader.stop()


@contextlib.asynccontextmanager
async def loop_stalls(tick: float = 0.005) -> AsyncIterator[list[float]]:
    """Collects how late a `tick`-second sleep wakes up while the block runs: the longest is
    how long the event loop was blocked, i.e. how long every other request had to wait."""
    late: list[float] = [0.0]

    async def probe() -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(tick)
            late.append(loop.time() - started - tick)

    task = asyncio.create_task(probe())
    try:
        yield late
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
