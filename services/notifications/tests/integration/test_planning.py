"""Events become notification rows once, in the consumer's transaction, over the real database
and broker: members' messages on the channels they can be reached on and chose, officers' alerts,
critical decisions past opt-outs, quiet hours, and officers' digests."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from notifications.adapters.orm import (
    branches,
    contact_points,
    contents,
    members,
    notifications,
    officers,
    preferences,
)
from notifications_testkit import Notifications, new_district
from unionfed_chassis import contact_seal
from unionfed_devstack.feeds import DomainFeed
from unionfed_devstack.testing import wait_for
from unionfed_events import Envelope, topics
from unionfed_events import assistance as aev
from unionfed_events import membership as mev


async def rows_of(svc: Notifications, **where: Any) -> list[Any]:
    n = notifications.c
    query = sa.select(notifications, contents.c.template, contents.c.params).join(
        contents, contents.c.content_id == n.content_id
    )
    for column, value in where.items():
        query = query.where(n[column] == value)
    async with svc.engine.connect() as conn:
        return list(await conn.execute(query.order_by(n.channel)))


async def wait_rows(svc: Notifications, count: int, **where: Any) -> list[Any]:
    async def enough() -> list[Any]:
        found = await rows_of(svc, **where)
        return found if len(found) >= count else []

    return list(await wait_for(enough))


async def wait_branch(svc: Notifications, branch: str) -> None:
    """Until the member view has the branch (its name goes into the messages' parameters)."""

    async def known() -> bool:
        async with svc.engine.connect() as conn:
            found = await conn.execute(sa.select(branches.c.name).where(branches.c.branch_id == branch))
            return found.one_or_none() is not None

    await wait_for(known)


async def add(svc: Notifications, table: sa.Table, **row: Any) -> None:
    async with svc.engine.begin() as conn:
        await conn.execute(table.insert().values(**row))


def sealed(phone: str | None, email: str | None) -> str:
    return contact_seal.seal(contact_seal.dev_public_key(), contact_seal.ContactPoints(phone, email))


async def reachable_member(
    svc: Notifications, district: str, branch: str, *, phone: bool = False
) -> uuid.UUID:
    """A member id whose contact points (as membership seals them) are already here."""
    member_id = uuid.uuid4()
    await add(
        svc,
        contact_points,
        member_id=member_id,
        district=district,
        branch_id=branch,
        key_id=contact_seal.DEV_KEY_ID,
        sealed=sealed("13800138000" if phone else None, "worker@example.org"),
        has_phone=phone,
        has_email=True,
    )
    return member_id


def joined(member_id: uuid.UUID, district: str, branch: str) -> mev.MemberJoined:
    return mev.MemberJoined(
        member_id=member_id,
        card_number="T-900001",
        name="测试会员",
        branch_id=branch,
        district=district,
        industry="construction",
        employment_type=mev.EmploymentType.MIGRANT,
        joined_on=date(2026, 3, 1),
        channel=mev.JoinChannel.OFFICER,
        national_id_masked="1101**********1234",
    )


async def test_a_joined_member_gets_the_welcome_in_app_and_by_email_once(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        branch = await svc.feed.branch(district)
        await wait_branch(svc, branch)
        member_id = await reachable_member(svc, district, branch)
        membership = DomainFeed(svc.producer, "membership")
        envelope = await membership.publish(joined(member_id, district, branch), district, sequence=1)
        await membership.resend(envelope)  # the same event delivered twice

        email, in_app = await wait_rows(svc, 2, recipient_id=str(member_id))
        assert (in_app.channel, in_app.status) == ("in_app", "delivered") and in_app.delivered_at
        assert (email.channel, email.status) == ("email", "pending")
        assert in_app.template == "welcome" and in_app.content_id == email.content_id
        assert in_app.params["branch_name"] == f"{branch} 工会" and in_app.params["card_number"] == "T-900001"
        assert "测试会员" not in str(in_app.params)  # the name is added at render time, never stored
        announced = await svc.events.wait("NotificationDelivered", recipient_id=str(member_id))
        assert announced[0].data["channel"] == "in_app"
        assert announced[0].data["notification_id"] == str(in_app.notification_id)

        # A later event of the member (same key, same partition) is planned after the duplicate.
        other = await svc.feed.branch(district)
        moved = mev.MemberTransferred(
            member_id=member_id,
            card_number="T-900001",
            from_branch_id=branch,
            from_district=district,
            to_branch_id=other,
            to_district=district,
            transferred_on=date(2026, 3, 5),
        )
        await membership.publish(moved, district, sequence=2)
        await wait_for(lambda: _has_template(svc, member_id, "transfer"))
        assert [r.template for r in await rows_of(svc, recipient_id=str(member_id))].count("welcome") == 2
        await svc.events.wait("NotificationDelivered", 2, recipient_id=str(member_id))
        delivered = svc.events.of("NotificationDelivered", recipient_id=str(member_id))
        assert sorted(r.data["template"] for r in delivered) == ["transfer", "welcome"]


async def test_quiet_hours_hold_a_text_message_until_they_end(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member_id = await reachable_member(svc, district, branch, phone=True)
        local = datetime.now(ZoneInfo("Asia/Shanghai"))
        start, end = (local - timedelta(hours=1)).time(), (local + timedelta(hours=2)).time()
        await add(svc, preferences, recipient_id=str(member_id), quiet_start=start, quiet_end=end)
        await DomainFeed(svc.producer, "membership").publish(joined(member_id, district, branch), district, 1)

        rows = {r.channel: r for r in await wait_rows(svc, 3, recipient_id=str(member_id))}
        assert rows["sms"].status == "pending"
        assert rows["sms"].next_attempt_at > datetime.now(UTC) + timedelta(minutes=90)
        assert rows["email"].next_attempt_at <= datetime.now(UTC)


def granted(case_id: uuid.UUID, member_id: uuid.UUID, district: str, branch: str) -> aev.AidGranted:
    return aev.AidGranted(
        case_id=case_id,
        member_id=member_id,
        aid_type=aev.AidType.MEDICAL,
        amount_yuan=Decimal("800.00"),
        district=district,
        branch_id=branch,
        fund=f"{district}:2026:medical",
        budget_year=2026,
        trail=[],
    )


async def test_a_member_who_opted_out_of_everything_still_gets_a_decision(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member_id = await reachable_member(svc, district, branch)
        nothing = {category: [] for category in ("account", "aid", "campaign")}
        await add(svc, preferences, recipient_id=str(member_id), channels=nothing, campaign_opt_out=True)
        assistance = DomainFeed(svc.producer, "assistance")
        case_id = uuid.uuid4()
        paid = aev.AidDisbursed(  # not critical: the member's choice holds (same case: same partition, first)
            case_id=case_id,
            member_id=member_id,
            district=district,
            amount_yuan=Decimal("800.00"),
            disbursed_on=date(2026, 3, 2),
            channel=aev.DisbursementChannel.CASH,
            batch_id=None,
        )
        await assistance.publish(paid, district)
        await assistance.publish(granted(case_id, member_id, district, branch), district)

        rows = await wait_rows(svc, 2, recipient_id=str(member_id))
        assert {(r.template, r.channel, r.priority) for r in rows} == {
            ("aid_decision_granted", "in_app", 0),
            ("aid_decision_granted", "email", 0),
        }
        assert rows[0].params["amount"] == "800.00"


async def officer(
    svc: Notifications,
    officer_id: str,
    role: str,
    district: str | None,
    branch: str | None,
    digest: str = "none",
) -> None:
    await add(
        svc,
        officers,
        officer_id=officer_id,
        role=role,
        district=district,
        branch_id=branch,
        key_id=contact_seal.DEV_KEY_ID,
        sealed=sealed("13900139000", f"{officer_id}@example.org"),
        digest=digest,
    )


def requested(member_id: uuid.UUID, district: str, branch: str) -> aev.AidRequested:
    return aev.AidRequested(
        case_id=uuid.uuid4(),
        member_id=member_id,
        aid_type=aev.AidType.LIVING,
        amount_yuan=Decimal("2000"),
        district=district,
        branch_id=branch,
        requested_on=date(2026, 3, 1),
        levels=[aev.ApprovalLevel.BRANCH, aev.ApprovalLevel.DISTRICT],
        trail=[],
    )


async def test_an_aid_request_alerts_the_branch_officers_and_gives_the_member_a_receipt(
    notifications_service,
) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        branch, other = await svc.feed.branch(district), await svc.feed.branch(district)
        await wait_branch(svc, branch)
        await officer(svc, f"bo-{branch}", "branch_officer", district, branch)
        await officer(svc, f"bo-{other}", "branch_officer", district, other)
        await officer(svc, f"do-{district}", "district_officer", district, None)
        member_id = await svc.member(district, branch)
        await DomainFeed(svc.producer, "assistance").publish(requested(member_id, district, branch), district)

        alerts = await wait_rows(svc, 3, recipient_id=f"bo-{branch}")
        assert {(a.channel, a.status, a.template) for a in alerts} == {
            ("email", "pending", "alert_aid_to_decide"),
            ("in_app", "delivered", "alert_aid_to_decide"),
            ("sms", "pending", "alert_aid_to_decide"),
        }
        assert alerts[0].params["why"] == "requested" and alerts[0].params["branch_name"] == f"{branch} 工会"
        receipts = await wait_rows(svc, 1, recipient_id=str(member_id), status="delivered")
        assert {r.template for r in receipts} >= {"aid_requested_member"}
        assert await rows_of(svc, recipient_id=f"bo-{other}") == []
        assert await rows_of(svc, recipient_id=f"do-{district}") == []  # the district decides second


async def test_a_member_who_left_is_not_told_about_their_old_case(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member_id = await svc.member(district, branch)
        # Welcomed first: a welcome planned after the view saw the member leave is not sent.
        await wait_for(lambda: _has_template(svc, member_id, "welcome"))
        await svc.feed.leave(district, branch, member_id)
        await svc.wait_member(member_id, "left")
        await wait_rows(svc, 2, recipient_id=str(member_id), channel="in_app", status="delivered")
        left_rows = await rows_of(svc, recipient_id=str(member_id))
        assert {r.template for r in left_rows} == {"welcome", "left"}

        case_id = uuid.uuid4()
        assistance = DomainFeed(svc.producer, "assistance")
        await assistance.publish(granted(case_id, member_id, district, branch), district)
        later = await svc.member(district, branch)
        await assistance.publish(granted(case_id, later, district, branch), district)  # same partition, after
        await wait_for(lambda: _has_template(svc, later, "aid_decision_granted"))
        assert {r.template for r in await rows_of(svc, recipient_id=str(member_id))} == {"welcome", "left"}


async def test_an_erased_member_is_told_nothing(notifications_service) -> None:
    erased_on = getattr(members.c, "erased_on", None)
    if erased_on is None:
        pytest.skip("the member view's erasure column comes with the erasure work")
    district = new_district()
    async with notifications_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member_id, later = await svc.member(district, branch), await svc.member(district, branch)
        async with svc.engine.begin() as conn:
            await conn.execute(
                members.update().where(members.c.member_id == member_id).values({erased_on: date.today()})
            )
        case_id = uuid.uuid4()
        assistance = DomainFeed(svc.producer, "assistance")
        await assistance.publish(granted(case_id, member_id, district, branch), district)
        await assistance.publish(granted(case_id, later, district, branch), district)  # same partition, after
        await wait_for(lambda: _has_template(svc, later, "aid_decision_granted"))
        assert not await _has_template(svc, member_id, "aid_decision_granted")


async def _has_template(svc: Notifications, member_id: uuid.UUID, template: str) -> bool:
    return any(r.template == template for r in await rows_of(svc, recipient_id=str(member_id)))


async def test_a_digest_officer_gets_one_summary_per_period(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        branch = await svc.feed.branch(district)
        digest_officer, single = f"bo-{branch}", f"bo2-{branch}"
        await officer(svc, digest_officer, "branch_officer", district, branch, digest="hourly")
        await officer(svc, single, "branch_officer", district, branch)
        member_id = await svc.member(district, branch)
        assistance = DomainFeed(svc.producer, "assistance")
        for _ in range(3):
            await assistance.publish(requested(member_id, district, branch), district)

        waiting = await wait_rows(svc, 3, recipient_id=digest_officer, status="digest")
        assert {(r.channel, r.digest_id) for r in waiting} == {("email", None)}
        await wait_rows(svc, 3, recipient_id=digest_officer, channel="in_app", status="delivered")  # at once
        await wait_rows(svc, 6, recipient_id=single, status="pending")  # one per alert, e-mail and SMS

        digests = svc.app.state.digests
        now = datetime.now(UTC)
        assert (await digests.run_round(now - timedelta(hours=1))).digests == 0  # the hour is not over
        # Two replicas' rounds at once (and perhaps the service's own, past the hour): one digest.
        await asyncio.gather(
            digests.run_round(now + timedelta(hours=1)), digests.run_round(now + timedelta(hours=1))
        )
        assert (await digests.run_round(now + timedelta(hours=2))).digests == 0  # each alert in one digest

        summary = [r for r in await rows_of(svc, recipient_id=digest_officer) if r.template == "digest"]
        assert len(summary) == 1
        assert (summary[0].channel, summary[0].status) == ("email", "pending")
        assert summary[0].params["count"] == 3 and len(summary[0].params["items"]) == 3
        carried = await rows_of(svc, recipient_id=digest_officer, status="digest")
        assert len(carried) == 3 and {r.digest_id for r in carried} == {summary[0].notification_id}


async def test_a_large_batch_is_planned_whole_and_announced_once_per_row(notifications_service) -> None:
    """More events than one insert page (1,000 rows): every member gets their one in-app row."""
    district = new_district()
    async with notifications_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member_ids = [uuid.uuid4() for _ in range(1200)]
        sent = []
        for member_id in member_ids:
            envelope = Envelope.wrap(
                joined(member_id, district, branch),
                source="/unionfed/membership",
                district=district,
                sequence=1,
            )
            sent.append(
                await svc.producer.send(
                    topics.district_events("membership", district),
                    envelope.data,
                    key=envelope.key,
                    headers=envelope.headers(),
                )
            )
        await asyncio.gather(*sent)

        async def all_planned() -> bool:
            async with svc.engine.connect() as conn:
                count = await conn.scalar(
                    sa.select(sa.func.count()).where(
                        notifications.c.recipient_id.in_([str(m) for m in member_ids]),
                        notifications.c.channel == "in_app",
                    )
                )
            return count == len(member_ids)

        await wait_for(all_planned, timeout=120)
        announced = await svc.events.wait("NotificationDelivered", len(member_ids), within=120)
        assert sorted(r.data["recipient_id"] for r in announced) == sorted(str(m) for m in member_ids)
