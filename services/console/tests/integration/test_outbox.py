"""Outboxes through the console: a real membership service with a parked outbox row, asked with
the signed-in operator's own token (forwarded; membership checks it), the row retried and then
published by membership's relay; a token without membership in its audience is refused by
membership, an unreachable service is shown as such, a district officer has no outbox page, nor
the service's own routes."""

from __future__ import annotations

import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from console_testkit import serve_app
from unionfed_chassis.auth import audience_of, issue_token
from unionfed_chassis.tables import outbox_parked
from unionfed_devstack._util import free_port
from unionfed_devstack.testing import wait_for
from unionfed_events import Envelope, topics
from unionfed_events import membership as mev

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "membership" / "tests"))
from membership_testkit import new_district, start_service

SERVICES = ("console", "membership", "assistance", "campaigns", "notifications")


def operator_token(secret: str, audiences: tuple[str, ...]) -> dict[str, str]:
    """An operator token as the identity provider issues it: every service in `aud`."""
    token = issue_token(
        secret, role="operator", subject="op-1", audience=[audience_of(name) for name in audiences]
    )
    return {"Authorization": f"Bearer {token}"}


async def _park_a_row(engine: Any, district: str) -> tuple[int, str]:
    """A BranchEstablished the broker refused (as the relay parks one), in membership's database."""
    event = mev.BranchEstablished(
        branch_id=f"{district}-parked",
        name="停放的分会",
        kind=mev.BranchKind.ENTERPRISE,
        industry="construction",
        district=district,
        established_on=date(2020, 1, 1),
    )
    envelope = Envelope.wrap(event, source="/unionfed/membership", district=district)
    headers = envelope.headers()
    row_id = 900_000_000 + uuid.uuid4().int % 1_000_000  # far above the outbox's own ids
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(outbox_parked).values(
                id=row_id,
                event_id=uuid.UUID(str(envelope.id)),
                topic=topics.district_events("membership", district),
                key=envelope.key,
                header_names=[name for name, _ in headers],
                header_values=[value for _, value in headers],
                payload=envelope.data,
                created_at=sa.func.now(),
                reason="MessageSizeTooLargeError: the broker refused it",
            )
        )
    return row_id, str(envelope.id)


async def test_a_parked_row_of_a_real_service_is_listed_and_retried_through_the_console(
    console_service: Any, make_database: Any, kafka_bootstrap: str, kafka_idempotence: bool
) -> None:
    district = new_district("ob")
    async with start_service([district], make_database, kafka_bootstrap, kafka_idempotence) as membership:
        row_id, event_id = await _park_a_row(membership.app.state.runtime.engine, district)
        async with serve_app(membership.app) as membership_url:
            nowhere = f"http://127.0.0.1:{free_port()}"
            services = {"membership": membership_url, "campaigns": nowhere}
            async with console_service(services=services, districts=[district]) as console:
                operator = operator_token(console.settings.jwt_secret, SERVICES)
                body = (await console.client.get("/api/outbox", headers=operator)).json()
                shown = {s["service"]: s for s in body["services"]}
                assert shown["campaigns"]["reachable"] is False
                assert shown["campaigns"]["error"].startswith("unreachable")
                assert shown["membership"]["reachable"] is True and shown["membership"]["error"] is None
                [parked] = [p for p in shown["membership"]["parked"] if p["id"] == row_id]
                assert parked["type"] == "BranchEstablished.v1" and parked["event_id"] == event_id
                assert "payload" not in parked

                # The console's own token (no membership in its audience): membership refuses it.
                refused = (await console.client.get("/api/outbox", headers=console.operator)).json()
                [membership_shown] = [s for s in refused["services"] if s["service"] == "membership"]
                assert membership_shown["error"].startswith("refused (401)")
                officer = console.district_officer(district)
                assert (await console.client.get("/api/outbox", headers=officer)).status_code == 403

                page = await console.client.get("/outbox", headers=operator)
                assert page.status_code == 200 and f'data-id="{row_id}"' in page.text

                retried = await console.client.post(
                    "/api/outbox/membership/retry", json={"ids": [row_id, 1]}, headers=operator
                )
                assert retried.json() == {
                    "service": "membership",
                    "done": True,
                    "error": None,
                    "moved": [row_id],
                    "not_parked": [1],
                }
                # Membership's relay publishes it, once.
                await wait_for(
                    lambda: [r for r in membership.events.records if r.headers.get("ce_id") == event_id]
                )

                async def drained() -> bool:
                    state = (await membership.client.get("/platform/outbox", headers=operator)).json()
                    return state["backlog"] == 0 and all(p["id"] != row_id for p in state["parked"])

                await wait_for(drained, timeout=30)
                # Membership's own table: operators and federation admins only, fail closed.
                assert (await membership.client.get("/platform/outbox")).status_code == 401
                officer_there = membership.officer(district)
                assert (
                    await membership.client.get("/platform/outbox", headers=officer_there)
                ).status_code == 403
                retry_there = await membership.client.post(
                    "/platform/outbox/retry", json={"all": True}, headers=officer_there
                )
                assert retry_there.status_code == 403
                assert len([r for r in membership.events.records if r.headers.get("ce_id") == event_id]) == 1
                unreachable = await console.client.post(
                    "/api/outbox/campaigns/retry", json={"all": True}, headers=operator
                )
                assert unreachable.status_code == 200 and unreachable.json()["done"] is False
                unknown = await console.client.post(
                    "/api/outbox/nope/retry", json={"all": True}, headers=operator
                )
                assert unknown.status_code == 404
                neither = await console.client.post("/api/outbox/membership/retry", json={}, headers=operator)
                assert neither.status_code == 422
