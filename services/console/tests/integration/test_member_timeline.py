"""The member timeline over the real index: every event about the member across services, in
time order, each under its cause; by card number; a district officer's part only; and the query
goes through the (member_id, id) index on a million rows (EXPLAIN), answering fast."""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa
from console.adapters.event_queries import timeline_query
from console_testkit import Console, new_district
from indexed_rows import indexed, write
from sqlalchemy.dialects import postgresql


@pytest.fixture(scope="module")
async def console(console_service: Any) -> Any:
    async with console_service() as svc:
        yield svc


async def a_members_story(console: Console, district: str, member_id: str, card_no: str) -> list[Any]:
    joined = indexed(district, "MemberJoined", member_id=member_id, card_no=card_no, minutes=0)
    cid = joined.correlation_id
    requested = indexed(
        district,
        "AidRequested",
        member_id=member_id,
        correlation_id=None,
        causation_id=joined.event_id,
        minutes=1,
    )
    approved = indexed(
        district,
        "AidApproved",
        member_id=member_id,
        correlation_id=requested.correlation_id,
        causation_id=requested.event_id,
        minutes=2,
    )
    granted = indexed(
        district,
        "AidGranted",
        member_id=member_id,
        correlation_id=requested.correlation_id,
        causation_id=approved.event_id,
        minutes=3,
    )
    notified = indexed(
        district,
        "NotificationDelivered",
        member_id=member_id,
        correlation_id=requested.correlation_id,
        causation_id=granted.event_id,
        minutes=4,
    )
    other_member = indexed(district, "MemberJoined", member_id="someone-else", correlation_id=cid)
    # Indexed out of time order (topics are read in parallel): the timeline orders by time.
    story = [joined, requested, approved, granted, notified]
    await write(console.engine, notified, granted, joined, other_member, approved, requested)
    return story


async def test_the_timeline_threads_a_members_events_across_services(console: Console) -> None:
    d = new_district()
    story = await a_members_story(console, d, "m-story", f"{d}-card")
    response = await console.client.get("/api/members/m-story/timeline", headers=console.operator)
    assert response.status_code == 200
    timeline = response.json()
    assert [e["event_id"] for e in timeline["events"]] == [s.event_id for s in story]
    assert [e["depth"] for e in timeline["events"]] == [0, 1, 2, 3, 4]
    assert [e["caused_by"] for e in timeline["events"]] == [None, *[s.event_id for s in story[:-1]]]
    assert {e["service"] for e in timeline["events"]} == {"membership", "assistance", "notifications"}
    assert all(e["correlation_id"] for e in timeline["events"])
    assert timeline["truncated"] is False

    owner = await console.client.get(f"/api/members/by-card/{d}-card", headers=console.operator)
    assert owner.json() == {"card_no": f"{d}-card", "member_id": "m-story"}
    assert (
        await console.client.get("/api/members/by-card/no-such", headers=console.operator)
    ).status_code == 404


async def test_a_district_officer_sees_their_districts_events_of_the_member(console: Console) -> None:
    d, other = new_district(), new_district()
    await write(
        console.engine,
        indexed(d, "MemberJoined", member_id="m-moved"),
        indexed(other, "AidRequested", member_id="m-moved"),
    )
    mine = await console.client.get("/api/members/m-moved/timeline", headers=console.district_officer(d))
    assert [e["district"] for e in mine.json()["events"]] == [d]
    everything = await console.client.get("/api/members/m-moved/timeline", headers=console.operator)
    assert len(everything.json()["events"]) == 2


async def test_the_member_pages_search_by_card_and_show_the_timeline(console: Console) -> None:
    d = new_district()
    await a_members_story(console, d, "m-page", f"{d}-page-card")
    cookie = {"Cookie": f"{console.settings.session_cookie}={console.operator['Authorization'][7:]}"}
    found = await console.client.get("/members", params={"q": f"{d}-page-card"}, headers=cookie)
    assert found.status_code == 303 and found.headers["location"] == "/members/m-page"
    page = await console.client.get("/members/m-page", headers=cookie)
    assert page.status_code == 200
    assert page.text.count('class="timeline-entry"') == 5


MILLION = 1_000_000


async def test_the_timeline_uses_the_member_index_on_a_million_events(console: Console) -> None:
    started = time.perf_counter()
    async with console.engine.begin() as conn:
        await conn.execute(
            sa.text(
                """
                INSERT INTO stream_events (topic, partition, "offset", event_id, type, time, district,
                                           member_id, correlation_id, payload)
                SELECT 'unionfed.d.bulk.membership.events', 9, n, 'bulk-' || n,
                       'org.unionfed.membership.MemberJoined.v1', now(), 'bulk',
                       'bulk-member-' || (n % 200000), 'bulk-' || n, '{}'::jsonb
                FROM generate_series(1, :n) AS n
                """
            ),
            {"n": MILLION},
        )
        await conn.execute(sa.text("ANALYZE stream_events"))
    print(f"\n{MILLION} rows written in {time.perf_counter() - started:.1f} s")

    for district in (None, "bulk"):  # an operator's query, and a district officer's
        query = timeline_query("bulk-member-4242", district)
        compiled = query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
        async with console.engine.connect() as conn:
            plan = "\n".join(r[0] for r in (await conn.execute(sa.text(f"EXPLAIN {compiled}"))).all())
        assert "ix_stream_events_member" in plan, plan
        assert "Seq Scan" not in plan, plan

    started = time.perf_counter()
    response = await console.client.get("/api/members/bulk-member-4242/timeline", headers=console.operator)
    elapsed = time.perf_counter() - started
    assert len(response.json()["events"]) == 5
    print(f"timeline of one member among {MILLION} events: {elapsed * 1000:.1f} ms")
