"""The console's index over the real broker and database: events of several services end in
`stream_events` with their columns, personal data masked, every record once however often it is
read, the partitions' ends right."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from console.settings import ConsoleSettings
from console_testkit import Console, new_district
from unionfed_devstack.feeds import DomainFeed
from unionfed_devstack.testing import wait_for
from unionfed_events import Envelope, topics
from unionfed_events import assistance as aev
from unionfed_events import membership as mev
from unionfed_events import notifications as nev


@pytest.fixture(scope="module")
async def console(console_service: Any) -> Any:
    # Every topic of this file is new: earlier tests' records on the shared broker are skipped.
    async with console_service(districts=[]) as svc:
        yield svc


async def rows(console: Console, sql: str, **params: Any) -> list[Any]:
    async with console.engine.connect() as conn:
        return list((await conn.execute(sa.text(sql), params)).mappings())


async def wait_rows(console: Console, count: int, sql: str, **params: Any) -> list[Any]:
    """The rows of `sql` once there are `count` of them."""

    async def enough() -> list[Any] | None:
        found = await rows(console, sql, **params)
        return found if len(found) >= count else None

    found: list[Any] = await wait_for(enough)
    assert len(found) == count
    return found


async def test_a_member_joined_is_indexed_with_its_columns_and_card(console: Console) -> None:
    district = new_district()
    branch = await console.feed.branch(district)
    member_id = await console.feed.join(district, branch)

    [row] = await wait_rows(console, 1, "SELECT * FROM stream_events WHERE member_id = :m", m=str(member_id))
    assert row["type"] == "org.unionfed.membership.MemberJoined.v1"
    assert row["district"] == district
    assert row["branch_id"] == branch
    assert row["subject"] == str(member_id)
    assert row["topic"] == f"unionfed.d.{district}.membership.events"
    assert row["headers"]["ce_type"] == row["type"]
    assert row["payload"]["member_id"] == str(member_id)
    assert row["correlation_id"] and row["event_id"] and row["time"] is not None
    cards = await rows(console, "SELECT card_no FROM member_cards WHERE member_id = :m", m=str(member_id))
    assert [c["card_no"] for c in cards] == [row["payload"]["card_number"]]
    ends = await rows(
        console,
        "SELECT next_offset FROM partition_ends WHERE topic = :t AND partition = :p",
        t=row["topic"],
        p=row["partition"],
    )
    assert ends[0]["next_offset"] == row["offset"] + 1


async def test_a_record_that_is_not_a_cloud_event_is_indexed(console: Console) -> None:
    district = new_district()
    topic = f"unionfed.d.{district}.membership.events"
    marker = [("x-marker", uuid.uuid4().hex.encode())]
    await console.producer.send_and_wait(topic, b"not json at all", headers=marker)
    await console.producer.send_and_wait(topic, None, key=b"tombstone", headers=marker)

    found = await wait_rows(
        console, 2, "SELECT * FROM stream_events WHERE headers->>'x-marker' = :m", m=marker[0][1].decode()
    )
    assert [(r["type"], r["payload"], r["district"]) for r in found] == [(None, None, district)] * 2


async def test_a_console_given_its_districts_skips_what_other_districts_already_hold(
    console: Console, console_service: Any
) -> None:
    own, other = new_district(), new_district()
    own_member = await console.feed.join(own, await console.feed.branch(own))
    foreign_member = await console.feed.join(other, await console.feed.branch(other))
    [foreign] = await wait_rows(
        console, 1, "SELECT * FROM stream_events WHERE member_id = :m", m=str(foreign_member)
    )

    # Every topic, as in production: the skip itself is what is tested (the kit narrows a test
    # console's topics to its districts by default).
    every_topic = ConsoleSettings.model_fields["index_topic_pattern"].default
    async with console_service(districts=[own], index_topic_pattern=every_topic) as fresh:
        # After the foreign member, on the same partition: once this is indexed, the member's
        # record has been passed over (a partition is read in order).
        marker = uuid.uuid4().hex
        await fresh.producer.send_and_wait(
            foreign["topic"], b"{}", partition=foreign["partition"], headers=[("x-marker", marker.encode())]
        )
        await wait_rows(fresh, 1, "SELECT * FROM stream_events WHERE headers->>'x-marker' = :m", m=marker)
        await wait_rows(fresh, 1, "SELECT * FROM stream_events WHERE member_id = :m", m=str(own_member))
        assert (
            await rows(fresh, "SELECT id FROM stream_events WHERE member_id = :m", m=str(foreign_member))
            == []
        )


async def test_events_of_several_services_are_indexed_under_the_member(console: Console) -> None:
    district = new_district()
    branch = await console.feed.branch(district)
    member_id = await console.feed.join(district, branch)
    requested = aev.AidRequested(
        case_id=uuid.uuid4(),
        member_id=member_id,
        aid_type=aev.AidType.LIVING,
        amount_yuan=Decimal("800"),
        district=district,
        branch_id=branch,
        requested_on=date(2026, 11, 1),
        levels=[aev.ApprovalLevel.BRANCH],
        trail=[],
    )
    aid = await DomainFeed(console.producer, "assistance").publish(requested, district)
    delivered = nev.NotificationDelivered(
        notification_id=uuid.uuid4(),
        recipient_id=str(member_id),
        channel=nev.Channel.IN_APP,
        template="aid-requested",
        caused_by=uuid.UUID(aid.id),
        delivered_at=datetime.now(UTC),
        attempts=1,
    )
    await DomainFeed(console.producer, "notifications").publish(delivered, district)

    found = await wait_rows(
        console, 3, "SELECT * FROM stream_events WHERE member_id = :m ORDER BY id", m=str(member_id)
    )
    by_type = {r["type"].split(".")[-2]: r for r in found}
    assert set(by_type) == {"MemberJoined", "AidRequested", "NotificationDelivered"}
    assert by_type["AidRequested"]["topic"] == f"unionfed.d.{district}.assistance.events"
    assert by_type["AidRequested"]["subject"] == str(requested.case_id)
    assert by_type["AidRequested"]["branch_id"] == branch
    assert by_type["NotificationDelivered"]["topic"] == f"unionfed.d.{district}.notifications.events"
    assert {r["district"] for r in found} == {district}


async def test_a_registration_request_with_a_full_national_id_is_indexed_masked(console: Console) -> None:
    district = new_district()
    national_id, phone = "11010119900307123X", "13912345678"
    request = mev.MemberRegistrationRequested(
        request_id=f"req-{uuid.uuid4().hex[:12]}",
        branch_id=f"{district}-b1",
        name="赵磊",
        national_id=national_id,
        phone=phone,
        employer="上海浦江物业有限公司",
        employment_type=mev.EmploymentType.REGULAR,
        email="zhao.lei@example.org",
    )
    envelope = Envelope.wrap(request, source="/branch-system/acme", district=district)
    inbound = topics.system_inbound("membership", district, "acme")
    await console.producer.send_and_wait(inbound, envelope.data, key=envelope.key, headers=envelope.headers())

    [row] = await wait_rows(console, 1, "SELECT * FROM stream_events WHERE event_id = :e", e=envelope.id)
    assert row["topic"] == inbound
    assert row["payload"]["national_id"] == "1101**********123X"
    assert row["payload"]["phone"] == "139****5678"
    assert row["payload"]["email"] == "z*******@example.org"
    [stored] = await rows(console, "SELECT s::text AS text FROM stream_events s WHERE id = :i", i=row["id"])
    assert (
        national_id not in stored["text"] and phone not in stored["text"] and "zhao.lei" not in stored["text"]
    )
