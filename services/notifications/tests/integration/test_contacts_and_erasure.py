"""Contact points from membership's private topic (kept sealed, newest wins, withdrawn on leaving)
and erasure (MemberErased: the member view forgets who they were and the service deletes their
contact points, preferences and messages; counts stay)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from notifications.adapters.contacts_store import open_contact
from notifications.adapters.orm import (
    contact_points,
    contents,
    delivery_attempts,
    members,
    notifications,
    preferences,
)
from notifications.domain.model import RecipientKind
from notifications_testkit import Notifications, new_district
from unionfed_chassis import contact_seal
from unionfed_devstack.testing import wait_for
from unionfed_events import Envelope, Event, topics
from unionfed_events import membership as mev


async def publish_contact(svc: Notifications, event: Event, district: str, at: datetime) -> None:
    """As membership's relay does, with the envelope time membership stamped (`at`)."""
    envelope = dataclasses.replace(
        Envelope.wrap(event, source="/unionfed/membership", district=district), time=at
    )
    await svc.producer.send_and_wait(
        topics.CONTACT_POINTS, envelope.data, key=envelope.key, headers=envelope.headers()
    )


def points(
    member_id: uuid.UUID, district: str, branch: str, phone: str, email: str | None
) -> mev.MemberContactPoints:
    sealed = contact_seal.seal(contact_seal.dev_public_key(), contact_seal.ContactPoints(phone, email))
    return mev.MemberContactPoints(
        member_id=member_id,
        branch_id=branch,
        district=district,
        sealed=sealed,
        key_id=contact_seal.DEV_KEY_ID,
        has_phone=True,
        has_email=email is not None,
    )


async def opened(svc: Notifications, member_id: uuid.UUID) -> contact_seal.ContactPoints | None:
    async with svc.engine.connect() as conn:
        session: Any = conn  # open_contact only executes a select
        return await open_contact(
            session, svc.app.state.contact_keyring, RecipientKind.MEMBER, str(member_id)
        )


async def sealed_of(svc: Notifications, member_id: uuid.UUID) -> str | None:
    async with svc.engine.connect() as conn:
        query = sa.select(contact_points.c.sealed).where(contact_points.c.member_id == member_id)
        return (await conn.execute(query)).scalar()


async def test_contact_points_are_kept_sealed_newest_wins_and_withdrawal_drops_them(
    notifications_service,
) -> None:
    district = new_district("nc")
    async with notifications_service([district]) as svc:
        member_id, branch = uuid.uuid4(), f"{district}-b1"
        now = datetime.now(UTC)
        first = points(member_id, district, branch, "13900000001", "a@example.com")
        await publish_contact(svc, first, district, now)
        await wait_for(lambda: _has(svc, member_id, first.sealed), timeout=30)
        got = await opened(svc, member_id)
        assert got is not None and (got.phone, got.email) == ("13900000001", "a@example.com")
        # An older record arriving late changes nothing; a newer one replaces the box.
        await publish_contact(
            svc,
            points(member_id, district, branch, "13900000002", None),
            district,
            now - timedelta(minutes=1),
        )
        newer = points(member_id, district, branch, "13900000003", None)
        await publish_contact(svc, newer, district, now + timedelta(minutes=1))
        await wait_for(lambda: _has(svc, member_id, newer.sealed), timeout=30)
        got = await opened(svc, member_id)
        assert got is not None and (got.phone, got.email) == ("13900000003", None)
        withdrawn = mev.MemberContactPointsWithdrawn(
            member_id=member_id, reason=mev.ContactWithdrawalReason.LEFT
        )
        await publish_contact(svc, withdrawn, district, now + timedelta(minutes=2))
        await svc.producer.send_and_wait(topics.CONTACT_POINTS, None, key=str(member_id).encode())
        await wait_for(lambda: _gone(svc, member_id), timeout=30)
        assert await opened(svc, member_id) is None


async def _has(svc: Notifications, member_id: uuid.UUID, sealed: str) -> bool:
    return await sealed_of(svc, member_id) == sealed


async def _gone(svc: Notifications, member_id: uuid.UUID) -> bool:
    return await sealed_of(svc, member_id) is None


async def test_erasure_deletes_the_members_rows_and_a_late_join_never_refills_the_view(
    notifications_service,
) -> None:
    district = new_district("ne")
    async with notifications_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member_id = await svc.member(district, branch)
        other = await svc.member(district, branch)
        for someone in (member_id, other):
            await publish_contact(
                svc, points(someone, district, branch, "13900000009", None), district, datetime.now(UTC)
            )
        await wait_for(lambda: _stored(svc, other), timeout=30)
        await wait_for(lambda: _stored(svc, member_id), timeout=30)
        await _give_messages(svc, member_id, other)
        await svc.feed.leave(district, branch, member_id)
        await svc.feed.publish(
            mev.MemberErased(
                member_id=member_id, branch_id=branch, district=district, erased_on=date.today()
            ),
            district,
            member_id,
        )
        await wait_for(lambda: _erased(svc, member_id), timeout=30)
        assert await opened(svc, member_id) is None
        assert await _rows_of(svc, str(member_id)) == (0, 0, 0)
        # Planning's welcome rows too, and the dispatcher's attempts at them (they wait for
        # contact points this member never gets).
        kept, attempts, prefs = await _rows_of(svc, str(other))
        assert kept >= 1 and attempts >= 1 and prefs == 1, "another member keeps theirs"
        assert await opened(svc, other) is not None
        # A replay of the join (e.g. a rebuilt view) fills in nothing personal again.
        joined = mev.MemberJoined(
            member_id=member_id,
            card_number="T-LATE",
            name="测试会员",
            branch_id=branch,
            district=district,
            industry="construction",
            employment_type=mev.EmploymentType.MIGRANT,
            joined_on=date(2024, 5, 1),
            channel=mev.JoinChannel.OFFICER,
            national_id_masked="1101**********1234",
            birth_year=1990,
        )
        await svc.feed.publish(joined, district, sequence=1)
        # Then a newer event of the same member (same key, same partition: applied after the replay).
        marker = mev.MemberContactUpdated(
            member_id=member_id,
            branch_id=branch,
            district=district,
            phone_masked=None,
            employer=None,
            employment_type=mev.EmploymentType.REGULAR,
        )
        await svc.feed.publish(marker, district, sequence=99)
        await wait_for(lambda: _employment_type_is(svc, member_id, "regular"), timeout=30)
        shown = (await svc.client.get(f"/members/{member_id}", headers=svc.admin)).json()
        assert (shown["name"], shown["card_number"], shown["status"]) == (None, None, "left")
        counts = (
            await svc.client.get("/members/counts", params={"district": district}, headers=svc.admin)
        ).json()
        assert {(c["status"], c["members"]) for c in counts} == {("active", 1), ("left", 1)}


async def _employment_type_is(svc: Notifications, member_id: uuid.UUID, value: str) -> bool:
    async with svc.engine.connect() as conn:
        query = sa.select(members.c.employment_type).where(members.c.member_id == member_id)
        return bool((await conn.execute(query)).scalar() == value)


async def _stored(svc: Notifications, member_id: uuid.UUID) -> bool:
    return await sealed_of(svc, member_id) is not None


async def _erased(svc: Notifications, member_id: uuid.UUID) -> bool:
    async with svc.engine.connect() as conn:
        row = (await conn.execute(sa.select(members).where(members.c.member_id == member_id))).one()
    return (
        row.erased_on is not None and row.name is None and row.card_number is None and row.birth_year is None
    )


async def _give_messages(svc: Notifications, *member_ids: uuid.UUID) -> None:
    """A message with a delivery attempt and preferences for each member (what planning and the
    dispatcher would have written)."""
    content_id = uuid.uuid4()
    async with svc.engine.begin() as conn:
        await conn.execute(
            contents.insert().values(
                content_id=content_id,
                caused_by=uuid.uuid4(),
                caused_type="test",
                template="welcome",
                category="membership",
                critical=False,
                params={},
            )
        )
        for member_id in member_ids:
            notification_id = uuid.uuid4()
            await conn.execute(
                notifications.insert().values(
                    notification_id=notification_id,
                    content_id=content_id,
                    caused_by=content_id,
                    recipient_kind="member",
                    recipient_id=str(member_id),
                    channel="email",
                    status="delivered",
                    priority=1,
                )
            )
            await conn.execute(
                delivery_attempts.insert().values(
                    notification_id=notification_id,
                    attempt=1,
                    channel="email",
                    outcome="delivered",
                    duration_ms=5,
                )
            )
            await conn.execute(
                preferences.insert().values(recipient_id=str(member_id), campaign_opt_out=True)
            )


async def _rows_of(svc: Notifications, recipient: str) -> tuple[int, int, int]:
    async with svc.engine.connect() as conn:
        n = (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(notifications)
                .where(notifications.c.recipient_id == recipient)
            )
        ).scalar_one()
        a = (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(delivery_attempts.join(notifications))
                .where(notifications.c.recipient_id == recipient)
            )
        ).scalar_one()
        p = (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(preferences)
                .where(preferences.c.recipient_id == recipient)
            )
        ).scalar_one()
    return int(n), int(a), int(p)
