"""Membership and notifications, real services on one broker, with the local SMTP server: a
member registered with an e-mail address through membership's API is welcomed by e-mail at the
SMTP server and in their in-app inbox, in Chinese, by name, once."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "services/membership/tests"), str(ROOT / "services/notifications/tests")]

from membership.domain.national_id import make_test_national_id  # noqa: E402
from membership_testkit import new_district, start_service  # noqa: E402
from notifications_testkit import start_notifications  # noqa: E402
from unionfed_devstack.testing import wait_for  # noqa: E402

EMAIL = "zhang.wei@example.com"


async def test_a_member_who_joins_is_welcomed_by_email_and_in_the_inbox_once(
    make_database, kafka_bootstrap: str, kafka_idempotence: bool, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    district = new_district("wl")
    broker = (make_database, kafka_bootstrap, kafka_idempotence)
    # Notifications first: it creates membership's district topic, which its pattern
    # subscriptions then see from their start.
    async with (
        start_notifications([district], *broker, email_providers=[smtp_server.url]) as notifications,
        start_service([district], *broker) as membership,
    ):
        branch = await membership.create_branch(district)
        person = {
            "name": "张伟",
            "national_id": make_test_national_id("110105", date(1991, 4, 2), 901),
            "phone": "13912349901",
            "email": EMAIL,
            "employer": "上海某物流有限公司",
            "employment_type": "migrant",
        }
        r = await membership.client.post(f"/branches/{branch}/members", json=person, headers=membership.admin)
        assert r.status_code == 201, r.text
        member_id, card = r.json()["member_id"], r.json()["card_number"]

        [mail] = await smtp_server.wait_for(EMAIL, within=60)
        assert mail.subject == "欢迎加入工会，张伟"
        assert card in mail.body()
        assert "13912349901" not in mail.body()  # the phone number is not a message's content

        token = notifications.member_token(member_id)

        async def in_inbox() -> bool:
            r = await notifications.client.get("/me/inbox", headers=token)
            return r.status_code == 200 and r.json()["total"] == 1

        await wait_for(in_inbox, timeout=30)
        [item] = (await notifications.client.get("/me/inbox", headers=token)).json()["items"]
        assert item["title"] == "欢迎加入工会，张伟" and item["read_at"] is None
        unread = await notifications.client.get("/me/inbox/unread-count", headers=token)
        assert unread.json()["unread"] == 1

        await notifications.events.wait("NotificationDelivered", channel="email")
        assert len(smtp_server.messages(EMAIL)) == 1  # once
