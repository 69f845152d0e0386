"""Outboxes through the console: a real membership service with a parked outbox row, asked with
the signed-in operator's own token (forwarded; membership checks it), the row retried and then
published by membership's relay; a token without membership in its audience is refused by
membership, an unreachable service is shown as such, a district officer has no outbox page, nor
the service's own routes."""

from __future__ import annotations

from typing import Any

from console_testkit import new_district, serve_app
from platform_kit import SERVICES, operator_token, park_a_row, start_membership
from unionfed_devstack._util import free_port
from unionfed_devstack.testing import wait_for


async def test_a_parked_row_of_a_real_service_is_listed_and_retried_through_the_console(
    console_service: Any, make_database: Any, kafka_bootstrap: str, kafka_idempotence: bool
) -> None:
    district = new_district("ob")
    async with start_membership([district], make_database, kafka_bootstrap, kafka_idempotence) as membership:
        row_id, event_id = await park_a_row(membership.app.state.runtime.engine, district)
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
