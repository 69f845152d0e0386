"""The dispatcher over the real database and broker, sending to a real local SMTP server and HTTP
receiver (rows written straight into the tables: planning is another test's subject)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from dispatch_rows import add_member, add_notification, attempts_of, count_attempts, notification
from notifications.adapters.orm import notifications
from notifications.domain.delivery import CONTACT_NOT_YET_KNOWN
from notifications.domain.model import Channel, ChannelSender, Outgoing, SendResult
from notifications.handlers.dispatch import Dispatcher, RoundResult, build_dispatcher
from notifications_testkit import new_district
from standardwebhooks.webhooks import Webhook
from unionfed_devstack._util import free_port
from unionfed_devstack.testing import wait_for
from unionfed_events import membership as mev

JOINED = mev.MemberJoined.ce_type()
QUIET = {"dispatch_enabled": False, "delivery_backoff_seconds": 60.0}


def dispatcher(svc) -> Dispatcher:
    d: Dispatcher = svc.app.state.dispatcher
    return d


async def test_an_email_arrives_once_rendered_in_the_members_language(
    notifications_service, smtp_server
) -> None:
    district = new_district()
    async with notifications_service([district], email_providers=[smtp_server.url], **QUIET) as svc:
        zh = await add_member(svc.engine, district, name="李四", email="li.si@example.org")
        en = await add_member(svc.engine, district, name="Anna <b>", email="anna@example.org", language="en")
        zh_id = await add_notification(svc.engine, district, zh, "email")
        en_id = await add_notification(svc.engine, district, en, "email")

        result = await dispatcher(svc).run_round()
        assert (result.delivered, result.retried, result.failed) == (2, 0, 0)

        [mail] = await smtp_server.wait_for("li.si@example.org")
        assert mail.subject == "欢迎加入工会，李四"
        assert "李四，欢迎加入示例工会！" in mail.body()
        assert "欢迎加入示例工会" in mail.body("html")
        assert mail.message_id == f"<{zh_id}@unionfed.local>"
        [english] = await smtp_server.wait_for("anna@example.org")
        assert english.subject == "Welcome to the union, Anna <b>"
        assert "Anna &lt;b&gt;" in english.body("html")  # a member's text is escaped in HTML

        assert (await dispatcher(svc).run_round()).delivered == 0
        assert len(smtp_server.messages()) == 2  # once each
        row = await notification(svc.engine, zh_id)
        assert (row.status, row.attempts, row.provider) == ("delivered", 1, smtp_server.url)
        assert row.delivered_at is not None
        [attempt] = await attempts_of(svc.engine, zh_id)
        assert (attempt.outcome, attempt.provider, attempt.status_code) == ("delivered", smtp_server.url, 250)
        [event] = await svc.events.wait("NotificationDelivered", notification_id=str(en_id))
        assert event.data["provider"] == smtp_server.url and event.data["attempts"] == 1
        assert event.data["channel"] == "email" and event.data["template"] == "welcome"


async def test_a_provider_refusing_twice_delivers_on_the_third_attempt_after_backoff(
    notifications_service, smtp_server
) -> None:
    district = new_district()
    async with notifications_service([district], email_providers=[smtp_server.url], **QUIET) as svc:
        member = await add_member(svc.engine, district, email="wang@example.org")
        now = datetime.now(UTC)
        notification_id = await add_notification(svc.engine, district, member, "email", due=now)
        smtp_server.refuse_next(2)

        assert (await dispatcher(svc).run_round(now)).retried == 1
        first = await notification(svc.engine, notification_id)
        assert first.status == "pending" and first.attempts == 1 and first.last_error == "SMTP 451"
        assert now + timedelta(seconds=48) <= first.next_attempt_at <= now + timedelta(seconds=72)
        assert await dispatcher(svc).run_round(now + timedelta(seconds=30)) == RoundResult()  # not yet due

        later = now + timedelta(minutes=2)
        assert (await dispatcher(svc).run_round(later)).retried == 1
        second = await notification(svc.engine, notification_id)
        assert second.attempts == 2
        assert later + timedelta(seconds=96) <= second.next_attempt_at <= later + timedelta(seconds=144)

        assert (await dispatcher(svc).run_round(now + timedelta(minutes=10))).delivered == 1
        assert (await notification(svc.engine, notification_id)).attempts == 3
        log = await attempts_of(svc.engine, notification_id)
        assert [(a.attempt, a.outcome, a.status_code) for a in log] == [
            (1, "failed", 451),
            (2, "failed", 451),
            (3, "delivered", 250),
        ]
        assert len(await smtp_server.wait_for("wang@example.org")) == 1
        failed = await svc.events.wait("NotificationFailed", count=2, notification_id=str(notification_id))
        assert [e.data["dead_lettered"] for e in failed] == [False, False]
        [delivered] = await svc.events.wait("NotificationDelivered", notification_id=str(notification_id))
        assert delivered.data["attempts"] == 3


async def test_with_the_first_smtp_server_down_the_second_delivers_and_the_log_names_it(
    notifications_service, smtp_server
) -> None:
    district = new_district()
    down = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    providers = [down, smtp_server.url]
    async with notifications_service([district], email_providers=providers, **QUIET) as svc:
        member = await add_member(svc.engine, district, email="zhao@example.org")
        notification_id = await add_notification(svc.engine, district, member, "email")

        assert (await dispatcher(svc).run_round()).delivered == 1

        assert len(await smtp_server.wait_for("zhao@example.org")) == 1
        [attempt] = await attempts_of(svc.engine, notification_id)
        assert (attempt.outcome, attempt.provider) == ("delivered", smtp_server.url)
        assert (await notification(svc.engine, notification_id)).provider == smtp_server.url
        [event] = await svc.events.wait("NotificationDelivered", notification_id=str(notification_id))
        assert event.data["provider"] == smtp_server.url


async def test_an_sms_the_gateway_refuses_fails_at_once_with_its_reason(
    notifications_service, http_receiver
) -> None:
    district = new_district()
    gateway = f"{http_receiver.url}/sms"
    # One in flight at a time: the scripted 400 goes to the first request, the critical one.
    settings = {"sms_providers": [gateway], "sms_api_keys": ["key-1"], "dispatch_concurrency": 1, **QUIET}
    async with notifications_service([district], **settings) as svc:
        refused_member = await add_member(svc.engine, district, phone="13912345678")
        ok_member = await add_member(svc.engine, district, phone="13800001111")
        refused = await add_notification(svc.engine, district, refused_member, "sms", priority=0)
        http_receiver.fail_next("/sms", 1, status=400)
        ok = await add_notification(svc.engine, district, ok_member, "sms", priority=1)

        result = await dispatcher(svc).run_round()
        assert (result.delivered, result.failed, result.retried) == (1, 1, 0)

        row = await notification(svc.engine, refused)
        assert (row.status, row.attempts, row.last_error) == ("failed", 1, "SMS gateway answered 400")
        [event] = await svc.events.wait("NotificationFailed", notification_id=str(refused))
        assert event.data["dead_lettered"] is True and event.data["reason"] == "SMS gateway answered 400"
        assert "13912345678" not in event.value.decode()
        assert (await notification(svc.engine, ok)).status == "delivered"

        requests = http_receiver.requests("/sms")
        assert [r.json()["reference"] for r in requests] == [str(refused), str(ok)]  # critical first
        assert requests[1].json()["to"] == "13800001111" and "示例工会" in requests[1].json()["text"]
        assert requests[1].headers["x-api-key"] == "key-1"
        assert (await dispatcher(svc).run_round(datetime.now(UTC) + timedelta(days=1))) == RoundResult()
        assert len(http_receiver.requests("/sms")) == 2  # never retried


async def test_a_member_without_that_contact_fails_unreachable_one_not_yet_known_is_retried_and_no_provider_fails_closed(
    notifications_service,
) -> None:
    district = new_district()
    async with notifications_service([district], **QUIET) as svc:  # no provider configured
        phone_only = await add_member(svc.engine, district, phone="13800000001")
        not_yet_known = await add_member(svc.engine, district)  # no contact points (yet)
        reachable = await add_member(svc.engine, district, email="qian@example.org")
        lost = await add_notification(svc.engine, district, phone_only, "email")
        waiting = await add_notification(svc.engine, district, not_yet_known, "email")
        unsent = await add_notification(svc.engine, district, reachable, "email")

        result = await dispatcher(svc).run_round()
        assert (result.failed, result.retried) == (2, 1)

        assert (await notification(svc.engine, lost)).last_error == "unreachable"
        row = await notification(svc.engine, waiting)
        assert (row.status, row.last_error) == ("pending", CONTACT_NOT_YET_KNOWN)
        row = await notification(svc.engine, unsent)
        assert (row.status, row.last_error) == ("failed", "no email provider configured (EMAIL_PROVIDERS)")
        [event] = await svc.events.wait("NotificationFailed", notification_id=str(lost))
        assert event.data["dead_lettered"] is True and event.data["reason"] == "unreachable"


async def test_two_dispatchers_on_one_database_never_send_a_message_twice(
    notifications_service, smtp_server
) -> None:
    district = new_district()
    async with notifications_service(
        [district], email_providers=[smtp_server.url], dispatch_batch_size=7, **QUIET
    ) as svc:
        ids = []
        for i in range(40):
            member = await add_member(svc.engine, district, email=f"m{i}@example.org")
            ids.append(await add_notification(svc.engine, district, member, "email"))
        first = dispatcher(svc)
        second = build_dispatcher(svc.settings, svc.app.state.runtime, svc.app.state.contact_keyring)

        async def drain(d: Dispatcher) -> int:
            sent = 0
            while (result := await d.run_round()).full or result.delivered:
                sent += result.delivered
            return sent

        try:
            counts = await asyncio.gather(drain(first), drain(second))
        finally:
            await second.close()

        assert sum(counts) == 40
        assert all(counts), "both dispatchers took a share"
        ids_seen = [m.message_id for m in smtp_server.messages()]
        assert len(ids_seen) == 40 and len(set(ids_seen)) == 40
        assert await count_attempts(svc.engine, ids) == 40


async def test_a_message_held_until_later_goes_only_in_a_round_as_of_that_time(
    notifications_service, http_receiver
) -> None:
    district = new_district()
    settings = {"sms_providers": [f"{http_receiver.url}/sms"], **QUIET}
    async with notifications_service([district], **settings) as svc:
        member = await add_member(svc.engine, district, phone="13700002222")
        now = datetime.now(UTC)
        quiet_ends = now + timedelta(hours=8)
        held = await add_notification(svc.engine, district, member, "sms", due=quiet_ends)

        assert await dispatcher(svc).run_round(now) == RoundResult()
        assert await dispatcher(svc).run_round(quiet_ends - timedelta(seconds=1)) == RoundResult()
        assert http_receiver.requests("/sms") == []

        assert (await dispatcher(svc).run_round(quiet_ends)).delivered == 1
        [request] = await http_receiver.wait_for("/sms")
        assert request.json()["reference"] == str(held)


class GatedSender:
    """A real sender that holds each message until the test opens the gate."""

    def __init__(self, inner: ChannelSender) -> None:
        self.channel = inner.channel
        self.inner = inner
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def send(self, message: Outgoing) -> SendResult:
        self.entered.set()
        await self.gate.wait()
        return await self.inner.send(message)


async def test_a_round_that_outlives_its_lease_records_nothing_and_the_resend_carries_the_same_message_id(
    notifications_service, smtp_server
) -> None:
    district = new_district()
    async with notifications_service([district], email_providers=[smtp_server.url], **QUIET) as svc:
        member = await add_member(svc.engine, district, email="sun@example.org")
        notification_id = await add_notification(svc.engine, district, member, "email")
        runtime, keyring = svc.app.state.runtime, svc.app.state.contact_keyring
        slow = build_dispatcher(svc.settings, runtime, keyring)
        gated = GatedSender(slow.senders[Channel.EMAIL])
        slow.senders[Channel.EMAIL] = gated
        now = datetime.now(UTC)
        try:
            stuck = asyncio.create_task(slow.run_round(now))
            await asyncio.wait_for(gated.entered.wait(), 30)
            lease_over = now + timedelta(seconds=svc.settings.dispatch_lease_seconds + 1)
            assert (await dispatcher(svc).run_round(lease_over)).delivered == 1
            gated.gate.set()
            late = await stuck
        finally:
            await slow.close()

        assert (late.delivered, late.lost) == (0, 1)
        mails = await smtp_server.wait_for("sun@example.org", count=2)
        assert {m.message_id for m in mails} == {f"<{notification_id}@unionfed.local>"}  # droppable
        row = await notification(svc.engine, notification_id)
        assert (row.status, row.attempts) == ("delivered", 1)
        assert len(await attempts_of(svc.engine, notification_id)) == 1
        # The late round recorded nothing (`lost`), so it staged no second NotificationDelivered.
        await svc.events.wait("NotificationDelivered", notification_id=str(notification_id))


class SteppedClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ClockAdvancingSender:
    """A real sender after which the dispatcher's clock has moved past half the lease."""

    def __init__(self, inner: ChannelSender, clock: SteppedClock, by: float) -> None:
        self.channel = inner.channel
        self.inner, self.clock, self.by = inner, clock, by

    async def send(self, message: Outgoing) -> SendResult:
        result = await self.inner.send(message)
        self.clock.now += self.by
        return result


async def test_no_send_starts_after_half_the_lease_and_those_left_go_after_it(
    notifications_service, smtp_server
) -> None:
    district = new_district()
    async with notifications_service([district], email_providers=[smtp_server.url], **QUIET) as svc:
        ids = []
        for i in range(3):
            member = await add_member(svc.engine, district, email=f"late{i}@example.org")
            ids.append(await add_notification(svc.engine, district, member, "email"))
        lease = timedelta(seconds=svc.settings.dispatch_lease_seconds)
        real = dispatcher(svc)
        clock = SteppedClock()
        sender = ClockAdvancingSender(real.senders[Channel.EMAIL], clock, lease.total_seconds())
        slow = Dispatcher(
            real.unit_of_work,
            real.keyring,
            {Channel.EMAIL: sender},
            real.policy,
            {},
            batch_size=10,
            concurrency=1,
            lease=lease,
            poll_seconds=1,
            clock=clock,
        )
        now = datetime.now(UTC)

        result = await slow.run_round(now)
        assert (result.delivered, result.deferred, result.lost) == (1, 2, 0)
        rows = [await notification(svc.engine, i) for i in ids]
        left = [r for r in rows if r.status == "pending"]
        assert len(left) == 2 and all(r.attempts == 0 and r.next_attempt_at == now + lease for r in left)
        assert await count_attempts(svc.engine, ids) == 1
        assert await real.run_round(now + lease - timedelta(seconds=1)) == RoundResult()  # still leased

        assert (await real.run_round(now + lease)).delivered == 2
        assert len(smtp_server.messages()) == 3


async def test_a_webhook_failing_twice_is_delivered_by_the_dispatcher_on_the_third_attempt_signed(
    notifications_service, http_receiver
) -> None:
    district = new_district()
    async with notifications_service([district], **QUIET) as svc:
        payload = {
            "district": district,
            "name": "HR system",
            "url": f"{http_receiver.url}/hooks?token=abc",
            "event_types": [JOINED],
        }
        created = await svc.client.post("/webhooks", json=payload, headers=svc.district_officer(district))
        assert created.status_code == 201, created.text
        hook = created.json()
        http_receiver.fail_next("/hooks", 2, status=503)
        member_id = await svc.member(district, await svc.feed.branch(district))
        [notification_id] = await wait_for_webhook_row(svc, hook["subscription_id"])

        now = datetime.now(UTC)
        states = []  # (the member's welcome e-mail and SMS wait for contact points in the same rounds)
        for minutes in (0, 2, 10):
            await dispatcher(svc).run_round(now + timedelta(minutes=minutes))
            row = await notification(svc.engine, notification_id)
            states.append((row.status, row.attempts))
        assert states == [("pending", 1), ("pending", 2), ("delivered", 3)]

        requests = await http_receiver.wait_for("/hooks", count=3)
        assert [r.status for r in requests] == [503, 503, 200]
        assert {r.headers["webhook-id"] for r in requests} == {str(notification_id)}
        event = Webhook(hook["secret"]).verify(requests[2].body.encode(), requests[2].headers)
        assert event["data"]["member_id"] == str(member_id)
        log = await attempts_of(svc.engine, notification_id)
        assert [(a.attempt, a.status_code) for a in log] == [(1, 503), (2, 503), (3, 200)]
        assert {a.subscription_id for a in log} == {uuid.UUID(hook["subscription_id"])}
        [delivered] = await svc.events.wait("NotificationDelivered", notification_id=str(notification_id))
        assert delivered.data["channel"] == "webhook" and delivered.data["attempts"] == 3


async def wait_for_webhook_row(svc, subscription_id: str) -> list[uuid.UUID]:
    """The webhook row the planner wrote for the subscription, once it is there."""

    async def rows() -> list[uuid.UUID]:
        async with svc.engine.connect() as conn:
            query = sa.select(notifications.c.notification_id).where(
                notifications.c.recipient_id == subscription_id, notifications.c.channel == "webhook"
            )
            return list((await conn.execute(query)).scalars())

    await wait_for(rows, timeout=30)
    return await rows()
