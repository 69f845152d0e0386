"""Erasure (PIPL) across four real services on one broker: a member registered in membership with a
phone and an e-mail reaches notifications as sealed contact points; once erased, no service can
show who they were or reach them (membership, assistance, campaigns and notifications), and every
service's counts still include them."""

from __future__ import annotations

import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [
    str(ROOT / "services/membership/tests"),
    str(ROOT / "services/assistance/tests"),
    str(ROOT / "services/campaigns/tests"),
    str(ROOT / "services/notifications/tests"),
]

import sqlalchemy as sa  # noqa: E402
from assistance_testkit import start_assistance  # noqa: E402
from campaigns_testkit import start_campaigns  # noqa: E402
from membership.domain.national_id import make_test_national_id  # noqa: E402
from membership_testkit import Service, new_district, start_service  # noqa: E402
from notifications.adapters.contacts_store import open_contact  # noqa: E402
from notifications.adapters.orm import contact_points  # noqa: E402
from notifications.domain.model import RecipientKind  # noqa: E402
from notifications_testkit import Notifications, start_notifications  # noqa: E402
from unionfed_chassis.contact_seal import ContactPoints  # noqa: E402
from unionfed_devstack.testing import wait_for  # noqa: E402

PHONE, EMAIL = "13912340077", "li.na@example.com"


async def register(membership: Service, branch: str, n: int, **extra: Any) -> str:
    person = {
        "name": "李娜",
        "national_id": make_test_national_id("110105", date(1990, 3, 1), 700 + n),
        "phone": f"1391234{n:04d}",
        "employer": "上海某物流有限公司",
        "employment_type": "migrant",
        **extra,
    }
    r = await membership.client.post(f"/branches/{branch}/members", json=person, headers=membership.admin)
    assert r.status_code == 201, r.text
    return str(r.json()["member_id"])


async def contact_of(notifications: Notifications, member_id: str) -> ContactPoints | None:
    async with notifications.engine.connect() as conn:
        session: Any = conn  # open_contact only runs a select
        keyring = notifications.app.state.contact_keyring
        return await open_contact(session, keyring, RecipientKind.MEMBER, member_id)


async def stored_contact_rows(notifications: Notifications, member_id: str) -> int:
    async with notifications.engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(contact_points)
        query = query.where(contact_points.c.member_id == uuid.UUID(member_id))
        return int((await conn.execute(query)).scalar_one())


async def test_an_erased_member_is_gone_from_every_service_but_still_counted(
    make_database, kafka_bootstrap: str, kafka_idempotence: bool
) -> None:  # type: ignore[no-untyped-def]
    district = new_district("er")
    broker = (make_database, kafka_bootstrap, kafka_idempotence)
    # Membership last: the others create its district topic, which their pattern subscriptions
    # then see from their start.
    async with (
        start_campaigns([district], *broker) as campaigns,
        start_assistance([district], *broker) as assistance,
        start_notifications([district], *broker) as notifications,
        start_service([district], *broker) as membership,
    ):
        branch = await membership.create_branch(district)
        erased = await register(membership, branch, 77, phone=PHONE, email=EMAIL)
        kept = await register(membership, branch, 78)
        for member in (erased, kept):
            await assistance.wait_member(uuid.UUID(member), "active")
            await campaigns.wait_member(uuid.UUID(member), "active")
            await notifications.wait_member(uuid.UUID(member), "active")

        async def contact_arrived() -> bool:
            return await contact_of(notifications, erased) is not None

        await wait_for(contact_arrived, timeout=30)
        opened = await contact_of(notifications, erased)
        assert opened is not None and (opened.phone, opened.email) == (PHONE, EMAIL)
        await assistance.allocate(district, "medical", "50000.00")
        applied = await assistance.apply(
            uuid.UUID(erased), "medical", "3000.00", assistance.branch_officer(district, branch)
        )
        assert applied.status_code == 201, applied.text
        case_id = applied.json()["case_id"]
        assert applied.json()["description"]

        r = await membership.client.post(
            f"/members/{erased}/erasure",
            json={"reason": "本人申请"},
            headers=membership.officer(district),
        )
        assert r.status_code == 200, r.text

        # Membership: nothing personal left.
        shown = (await membership.client.get(f"/members/{erased}", headers=membership.admin)).json()
        assert shown["name"] != "李娜" and shown["erased_on"] == str(date.today())
        for personal in ("national_id_masked", "phone_masked", "email_masked", "employer"):
            assert shown[personal] is None, personal
        assert (shown["status"], shown["district"]) == ("left", district)

        # Every member view: no name, no card; then notifications: no way to reach them.
        for service in (assistance, campaigns, notifications):

            async def forgotten(svc: Any = service) -> bool:
                r = await svc.client.get(f"/members/{erased}", headers=svc.admin)
                body = r.json()
                return bool(body["status"] == "left" and body["name"] is None and body["card_number"] is None)

            await wait_for(forgotten, timeout=30)

        async def no_contact() -> bool:
            return await stored_contact_rows(notifications, erased) == 0

        await wait_for(no_contact, timeout=30)
        assert await contact_of(notifications, erased) is None
        assert await contact_of(notifications, kept) is not None, "the other member stays reachable"

        case = (await assistance.client.get(f"/cases/{case_id}", headers=assistance.admin)).json()
        assert case["description"] is None

        # Statistics still count the erased member, as a former member.
        for service in (assistance, campaigns, notifications):
            r = await service.client.get(
                "/members/counts", params={"district": district}, headers=service.admin
            )
            assert r.status_code == 200, r.text
            assert {(c["status"], c["members"]) for c in r.json()} == {("active", 1), ("left", 1)}
        coverage = await membership.client.get(
            "/stats/coverage", params={"district": district}, headers=membership.admin
        )
        assert coverage.status_code == 200, coverage.text
        listed = await membership.client.get(
            "/members", params={"district": district, "status": "left"}, headers=membership.admin
        )
        assert [m["member_id"] for m in listed.json()["items"]] == [erased]
