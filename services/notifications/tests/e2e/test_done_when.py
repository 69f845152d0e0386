"""The issue's "done when", over the real broker, database, SMTP server and HTTP receiver: events
published the way the other services' relays publish them, the service planning, dispatching
and delivering on its own.

- a webhook endpoint that fails twice then succeeds gets the event once, validly signed;
- a member who opted out of campaigns gets no campaign message but does get a critical one;
- quiet hours hold an SMS until they end.
(The welcome through membership's API is `tests/test_notifications_with_membership.py`; the
fan-out under redelivery and kill is `integration/test_fanout*.py`.)"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from notifications.adapters.orm import notifications
from notifications_testkit import Notifications, new_district
from standardwebhooks.webhooks import Webhook
from unionfed_devstack.feeds import CampaignsFeed
from unionfed_devstack.testing import wait_for
from unionfed_events import Envelope, topics
from unionfed_events import assistance as aev
from unionfed_events import membership as mev


async def rows_of(svc: Notifications, member_id: uuid.UUID) -> list[Any]:
    async with svc.engine.connect() as conn:
        query = sa.select(notifications).where(notifications.c.recipient_id == str(member_id))
        return list((await conn.execute(query)).all())


async def wait_rows(svc: Notifications, member_id: uuid.UUID, count: int) -> list[Any]:
    found: list[Any] = []

    async def enough() -> bool:
        found[:] = await rows_of(svc, member_id)
        return len(found) >= count

    await wait_for(enough, timeout=30)
    return found


async def test_a_webhook_failing_twice_then_succeeding_gets_the_event_once_validly_signed(
    notifications_service, http_receiver
) -> None:
    district = new_district("w")
    fast = {"delivery_backoff_seconds": 0.2, "dispatch_poll_seconds": 0.2}
    async with notifications_service([district], **fast) as svc:
        subscription = {
            "district": district,
            "name": "HR system",
            "url": f"{http_receiver.url}/hooks/hr",
            "event_types": [mev.MemberJoined.ce_type()],
        }
        created = await svc.client.post(
            "/webhooks", json=subscription, headers=svc.district_officer(district)
        )
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        http_receiver.fail_next("/hooks/hr", 2, status=503)

        branch = await svc.feed.branch(district)
        member_id = await svc.feed.join(district, branch)

        requests = await http_receiver.wait_for("/hooks/hr", count=3, within=60)
        assert len({r.headers["webhook-id"] for r in requests}) == 1  # one message, tried three times
        body = Webhook(secret).verify(requests[-1].body, requests[-1].headers)
        assert body["type"] == mev.MemberJoined.ce_type()
        assert body["data"]["member_id"] == str(member_id)
        sid = created.json()["subscription_id"]

        async def logged() -> list[Any]:
            r = await svc.client.get(f"/webhooks/{sid}/deliveries", headers=svc.admin)
            return list(r.json())

        await wait_for(lambda: _has_outcome(logged, "delivered"), timeout=30)
        codes = sorted(a["status_code"] for a in await logged())
        assert codes == [200, 503, 503], codes
        assert len(http_receiver.requests("/hooks/hr")) == 3  # no fourth: delivered once


async def _has_outcome(logged: Any, outcome: str) -> bool:
    return any(a["outcome"] == outcome for a in await logged())


async def test_an_opted_out_member_gets_no_campaign_message_but_a_critical_one(
    notifications_service, smtp_server
) -> None:
    district = new_district("o")
    async with notifications_service([district], email_providers=[smtp_server.url]) as svc:
        branch = await svc.feed.branch(district)
        opted_out = await svc.member(district, branch)
        other = await svc.member(district, branch)
        await svc.feed.contact_points(district, branch, opted_out, None, "opted.out@example.org")
        await svc.feed.contact_points(district, branch, other, None, "other@example.org")
        await wait_rows(svc, opted_out, 1)  # the welcome (its contact points come after it)
        await wait_for(lambda: _has_contact_points(svc, opted_out), timeout=30)
        prefs = {"language": "zh", "campaign_opt_out": True}
        put = await svc.client.put("/me/preferences", json=prefs, headers=svc.member_token(opted_out))
        assert put.status_code == 200, put.text

        await CampaignsFeed(svc.producer).launch_with_audience(district, {district: [opted_out, other]})
        await wait_for(lambda: _has_template(svc, other, "campaign_invitation"), timeout=30)
        assert not await _has_template(svc, opted_out, "campaign_invitation")

        case_id = uuid.uuid4()
        granted = aev.AidGranted(
            case_id=case_id,
            member_id=opted_out,
            branch_id=branch,
            district=district,
            aid_type=aev.AidType.LIVING,
            amount_yuan=Decimal("800.00"),
            fund=f"{district}:{date.today().year}:living",
            budget_year=date.today().year,
            trail=[],
        )
        await _publish_assistance(svc, granted, district)
        # The welcome (its e-mail waited for the contact points) and the decision.
        mails = await smtp_server.wait_for("opted.out@example.org", count=2, within=120)
        assert any("800" in mail.body() for mail in mails)
        inbox = await svc.client.get("/me/inbox", headers=svc.member_token(opted_out))
        kinds = {(item["category"], item["critical"]) for item in inbox.json()["items"]}
        assert ("aid", True) in kinds and not any(category == "campaign" for category, _ in kinds), kinds


async def _has_contact_points(svc: Notifications, member_id: uuid.UUID) -> bool:
    from notifications.adapters.orm import contact_points

    async with svc.engine.connect() as conn:
        query = sa.select(contact_points.c.member_id).where(contact_points.c.member_id == member_id)
        return (await conn.execute(query)).first() is not None


async def _has_template(svc: Notifications, member_id: uuid.UUID, template: str) -> bool:
    from notifications.adapters.orm import contents

    async with svc.engine.connect() as conn:
        query = (
            sa.select(sa.func.count())
            .select_from(notifications.join(contents, contents.c.content_id == notifications.c.content_id))
            .where(notifications.c.recipient_id == str(member_id), contents.c.template == template)
        )
        return bool((await conn.execute(query)).scalar_one())


async def _publish_assistance(svc: Notifications, event: Any, district: str) -> None:
    envelope = Envelope.wrap(event, source="/unionfed/assistance", district=district)
    await svc.producer.send_and_wait(
        topics.district_events("assistance", district),
        envelope.data,
        key=envelope.key,
        headers=envelope.headers(),
    )


async def test_quiet_hours_hold_an_sms_until_they_end(notifications_service, http_receiver) -> None:
    district = new_district("q")
    settings = {"sms_providers": [f"{http_receiver.url}/sms"], "dispatch_enabled": False}
    async with notifications_service([district], **settings) as svc:
        branch = await svc.feed.branch(district)
        member_id = await svc.member(district, branch)
        await svc.feed.contact_points(district, branch, member_id, "13800138000", None)
        await wait_for(lambda: _has_contact_points(svc, member_id), timeout=30)
        # The welcome's SMS goes first, before any quiet hours: out of the way of what is checked.
        dispatcher = svc.app.state.dispatcher
        await wait_for(lambda: _sms_of(svc, member_id, "welcome"), timeout=30)
        await _rounds_until_sent(svc, member_id, "welcome", datetime.now(UTC))
        await http_receiver.wait_for("/sms")
        http_receiver.clear()
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        # Quiet from an hour ago to two hours from now, in UTC: whatever time the test runs.
        quiet = {
            "start": (now - timedelta(hours=1)).time().isoformat(timespec="minutes"),
            "end": (now + timedelta(hours=2)).time().isoformat(timespec="minutes"),
            "timezone": "UTC",
        }
        prefs = {"language": "zh", "quiet_hours": quiet}
        put = await svc.client.put("/me/preferences", json=prefs, headers=svc.member_token(member_id))
        assert put.status_code == 200, put.text

        other_branch = await svc.feed.branch(district)
        moved = mev.MemberTransferred(
            member_id=member_id,
            card_number="T-000001",
            from_branch_id=branch,
            from_district=district,
            to_branch_id=other_branch,
            to_district=district,
            transferred_on=date.today(),
        )
        await svc.feed.publish(moved, district, member_id)
        sms = await wait_for(lambda: _sms_of(svc, member_id, "transfer"), timeout=30)
        assert sms.status == "pending" and sms.next_attempt_at > now + timedelta(minutes=100), sms
        await dispatcher.run_round(datetime.now(UTC))
        assert (await _sms_of(svc, member_id, "transfer")).status == "pending"
        assert not http_receiver.requests("/sms")

        await _rounds_until_sent(svc, member_id, "transfer", sms.next_attempt_at + timedelta(minutes=1))
        [sent] = await http_receiver.wait_for("/sms")
        assert sent.json()["to"] == "13800138000"


async def _rounds_until_sent(svc: Notifications, member_id: uuid.UUID, template: str, at: datetime) -> None:
    """Dispatcher rounds as of `at` until the member's SMS of `template` is delivered. A round takes
    the oldest due rows first, and the other tests of this worker share the database: their rows
    still waiting for contact points may fill a round or two (the dispatcher's own loop just runs
    the next round at once)."""
    for _ in range(50):
        await svc.app.state.dispatcher.run_round(at)
        if (await _sms_of(svc, member_id, template)).status == "delivered":
            return
    raise AssertionError(f"the {template} SMS was not delivered in 50 rounds")


async def _sms_of(svc: Notifications, member_id: uuid.UUID, template: str) -> Any:
    """The member's SMS row of one template, once planned."""
    from notifications.adapters.orm import contents

    async with svc.engine.connect() as conn:
        query = (
            sa.select(notifications)
            .join(contents, contents.c.content_id == notifications.c.content_id)
            .where(
                notifications.c.recipient_id == str(member_id),
                notifications.c.channel == "sms",
                contents.c.template == template,
            )
        )
        return (await conn.execute(query)).first()
