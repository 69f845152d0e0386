"""The console's index over the real broker and database: events of several services end in
`stream_events` with their columns, personal data masked, every record once however often it is
read, the partitions' ends right."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from console_testkit import Console, new_district
from unionfed_devstack.testing import wait_for


@pytest.fixture(scope="module")
async def console(console_service: Any) -> Any:
    async with console_service() as svc:
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

    async with console_service(districts=[own]) as fresh:
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
