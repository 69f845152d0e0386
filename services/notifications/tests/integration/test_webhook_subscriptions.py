"""Branch systems' webhook subscriptions over the API (real database and broker): secrets shown
once and stored sealed, 422s that name the field and change nothing, district scope, and the
planning of events for subscriptions, once whatever the redeliveries."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from notifications.adapters.orm import contents, notifications, webhook_subscriptions
from notifications.handlers.webhook_planning import cloud_event_body, plan_webhooks
from notifications_testkit import Notifications, new_district
from unionfed_chassis.consumer import Delivery
from unionfed_devstack.testing import wait_for
from unionfed_events import membership as mev
from unionfed_events.envelope import Envelope

JOINED = mev.MemberJoined.ce_type()
LEFT = mev.MemberLeft.ce_type()


def hook(district: str, **overrides: Any) -> dict[str, Any]:
    return {
        "district": district,
        "name": "HR system",
        "url": "http://127.0.0.1:8850/hooks?token=abc",
        "event_types": [JOINED],
        **overrides,
    }


async def count_subscriptions(svc: Notifications) -> int:
    async with svc.engine.connect() as conn:
        return int(
            (await conn.execute(sa.select(sa.func.count()).select_from(webhook_subscriptions))).scalar_one()
        )


async def test_registration_returns_the_secret_once_and_stores_it_sealed(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        created = await svc.client.post(
            "/webhooks", json=hook(district), headers=svc.district_officer(district)
        )
        assert created.status_code == 201, created.text
        body = created.json()
        secret = body["secret"]
        assert secret.startswith("whsec_")
        assert body["event_types"] == [JOINED] and body["active"] is True
        assert body["created_by"] == f"do-{district}"

        sid = body["subscription_id"]
        for path in (f"/webhooks/{sid}", f"/webhooks?district={district}", "/webhooks"):
            got = await svc.client.get(path, headers=svc.district_officer(district))
            assert got.status_code == 200
            assert secret not in got.text and secret.removeprefix("whsec_") not in got.text
            assert "secret" not in got.text
        async with svc.engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(webhook_subscriptions).where(
                        webhook_subscriptions.c.subscription_id == uuid.UUID(sid)
                    )
                )
            ).one()
        assert secret.removeprefix("whsec_") not in row.secret_sealed
        assert svc.app.state.contact_keyring.unseal_text(row.key_id, row.secret_sealed) == secret

        rotated = await svc.client.post(f"/webhooks/{sid}/rotate-secret", headers=svc.admin)
        assert rotated.status_code == 200
        assert rotated.json()["secret"] != secret and rotated.json()["previous_valid_until"]

        listed = await svc.client.get("/webhooks/event-types", headers=svc.admin)
        assert JOINED in listed.json() and mev.MemberContactPoints.ce_type() not in listed.json()


async def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        officer = svc.district_officer(district)
        cases = [
            (hook(district, url="ftp://example.org/x"), "url"),
            (hook(district, url="https://user:pw@example.org/x"), "url"),
            (hook(district, url="http://169.254.169.254/latest/meta-data"), "url"),
            (hook(district, url="http://example.org/\x00"), "url"),
            (hook(district, event_types=[JOINED, "org.unionfed.membership.Nope.v1"]), "event_types"),
            (hook(district, event_types=[mev.MemberContactPoints.ce_type()]), "event_types"),
            (hook(district, event_types=[]), "event_types"),
            (hook(district, name=""), "name"),
            (hook("Not A District"), "district"),
        ]
        for payload, field in cases:
            response = await svc.client.post("/webhooks", json=payload, headers=officer)
            assert response.status_code == 422, (field, response.text)
            assert field in response.json()["detail"][0]["loc"], (field, response.text)
        assert await count_subscriptions(svc) == 0

        created = (await svc.client.post("/webhooks", json=hook(district), headers=officer)).json()
        sid = created.pop("subscription_id")
        for patch, field in [({"url": "gopher://x"}, "url"), ({"event_types": ["nope"]}, "event_types")]:
            response = await svc.client.patch(f"/webhooks/{sid}", json=patch, headers=officer)
            assert response.status_code == 422 and field in response.json()["detail"][0]["loc"]
        after = (await svc.client.get(f"/webhooks/{sid}", headers=officer)).json()
        assert after["url"] == created["url"] and after["event_types"] == created["event_types"]


async def test_a_district_officer_reaches_only_their_own_districts_subscriptions(
    notifications_service,
) -> None:
    mine, theirs = new_district(), new_district()
    async with notifications_service([mine, theirs]) as svc:
        other = (
            await svc.client.post("/webhooks", json=hook(theirs), headers=svc.district_officer(theirs))
        ).json()
        sid = other["subscription_id"]
        me = svc.district_officer(mine)
        assert (await svc.client.post("/webhooks", json=hook(theirs), headers=me)).status_code == 403
        assert (await svc.client.get(f"/webhooks/{sid}", headers=me)).status_code == 404
        assert (await svc.client.patch(f"/webhooks/{sid}", json={"name": "x"}, headers=me)).status_code == 404
        assert (await svc.client.delete(f"/webhooks/{sid}", headers=me)).status_code == 404
        assert (await svc.client.post(f"/webhooks/{sid}/rotate-secret", headers=me)).status_code == 404
        assert (await svc.client.post(f"/webhooks/{sid}/test", headers=me)).status_code == 404
        assert (await svc.client.get(f"/webhooks/{sid}/deliveries", headers=me)).status_code == 404
        assert (await svc.client.get(f"/webhooks?district={theirs}", headers=me)).status_code == 403
        assert (await svc.client.get("/webhooks", headers=me)).json()["total"] == 0
        branch_officer = svc.branch_officer(theirs, f"{theirs}-b1")
        assert (await svc.client.get(f"/webhooks/{sid}", headers=branch_officer)).status_code == 404

        operator = svc.token("operator", subject="ops")
        assert (await svc.client.get(f"/webhooks/{sid}", headers=operator)).status_code == 200
        assert (await svc.client.delete(f"/webhooks/{sid}", headers=operator)).status_code == 403
        unchanged = (await svc.client.get(f"/webhooks/{sid}", headers=svc.admin)).json()
        assert unchanged["active"] is True and unchanged["name"] == other["name"]

        assert (await svc.client.delete(f"/webhooks/{sid}", headers=svc.admin)).status_code == 204
        assert (await svc.client.get(f"/webhooks/{sid}", headers=svc.admin)).json()["active"] is False
        assert (await svc.client.post(f"/webhooks/{sid}/test", headers=svc.admin)).status_code == 422


async def planned(svc: Notifications, subscription_id: str) -> list[Any]:
    async with svc.engine.connect() as conn:
        query = (
            sa.select(notifications, contents.c.caused_type, contents.c.params, contents.c.template)
            .join(contents, contents.c.content_id == notifications.c.content_id)
            .where(notifications.c.recipient_id == subscription_id)
        )
        return list((await conn.execute(query)).all())


async def test_an_event_is_planned_for_the_subscriptions_that_asked_for_it(notifications_service) -> None:
    district, elsewhere = new_district(), new_district()
    async with notifications_service([district, elsewhere]) as svc:
        joined = (await svc.client.post("/webhooks", json=hook(district), headers=svc.admin)).json()
        left_only = (
            await svc.client.post("/webhooks", json=hook(district, event_types=[LEFT]), headers=svc.admin)
        ).json()
        other = (await svc.client.post("/webhooks", json=hook(elsewhere), headers=svc.admin)).json()

        branch = await svc.feed.branch(district)
        member_id = await svc.member(district, branch)

        async def has_row() -> bool:
            return len(await planned(svc, joined["subscription_id"])) == 1

        await wait_for(has_row, timeout=30)
        [row] = await planned(svc, joined["subscription_id"])
        assert (row.channel, row.recipient_kind, row.status, row.priority) == (
            "webhook",
            "subscription",
            "pending",
            1,
        )
        assert row.template == "webhook" and row.caused_type == JOINED
        body = json.loads(row.params["body"])
        assert body["type"] == JOINED and body["district"] == district and body["specversion"] == "1.0"
        assert body["id"] == str(row.caused_by) and body["data"]["member_id"] == str(member_id)
        assert await planned(svc, left_only["subscription_id"]) == []
        assert await planned(svc, other["subscription_id"]) == []


async def test_planning_a_batch_twice_adds_nothing(notifications_service) -> None:
    d1, d2 = new_district(), new_district()
    async with notifications_service([d1, d2]) as svc:
        moved = mev.MemberTransferred.ce_type()
        s1_types = [LEFT, JOINED, moved]
        s1 = (
            await svc.client.post("/webhooks", json=hook(d1, event_types=s1_types), headers=svc.admin)
        ).json()
        s2 = (await svc.client.post("/webhooks", json=hook(d2, event_types=[LEFT]), headers=svc.admin)).json()
        closed = mev.BranchClosed.ce_type()
        await svc.client.patch(
            f"/webhooks/{s2['subscription_id']}", json={"event_types": [LEFT, closed]}, headers=svc.admin
        )

        def envelope(event_type: str, district: str | None) -> Envelope:
            return Envelope(
                source="/unionfed/membership", type=event_type, district=district, data=b'{"x": 1}'
            )

        batch = [
            envelope(LEFT, d1),  # s1
            envelope(LEFT, d2),  # s2
            envelope(JOINED, d2),  # nobody in d2 asked
            envelope(closed, None),  # federation level: s2 (every district's subscriptions)
        ]
        deliveries = [Delivery(e, None, None) for e in batch]
        # A transfer from d1 to d2: its district is d2, and it concerns d1 as well.
        transfer = envelope(moved, d2)
        deliveries.append(Delivery(transfer, SimpleNamespace(from_district=d1), None))
        for _ in range(2):
            async with svc.app.state.runtime.unit_of_work() as uow:
                await plan_webhooks(uow, deliveries)
                await plan_webhooks(uow, deliveries[:2])
                await uow.commit()

        rows1 = await planned(svc, s1["subscription_id"])
        rows2 = await planned(svc, s2["subscription_id"])
        assert sorted(str(r.caused_by) for r in rows1) == sorted([batch[0].id, transfer.id])
        assert sorted(str(r.caused_by) for r in rows2) == sorted([batch[1].id, batch[3].id])
        async with svc.engine.connect() as conn:
            count = sa.select(sa.func.count()).select_from(contents).where(contents.c.template == "webhook")
            assert (await conn.execute(count)).scalar_one() == 4
        assert json.loads(cloud_event_body(batch[3])).get("district") is None
