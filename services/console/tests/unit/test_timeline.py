"""Threading a member's events by causation: each under its cause, in time order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.domain.stored import StoredEvent
from console.domain.timeline import thread

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def event(row: int, name: str, minute: int, cause: str | None = None) -> StoredEvent:
    return StoredEvent(
        id=row,
        topic="unionfed.d.x.membership.events",
        partition=0,
        offset=row,
        event_id=name,
        type=f"org.unionfed.x.{name}.v1",
        time=T0 + timedelta(minutes=minute),
        district="x",
        branch_id=None,
        subject="m-1",
        member_id="m-1",
        correlation_id="c-1",
        causation_id=cause,
        actor=None,
    )


def test_each_event_follows_its_cause_indented_under_it() -> None:
    events = [
        event(5, "notified", 4, cause="granted"),
        event(1, "joined", 0),
        event(3, "approved", 2, cause="requested"),
        event(2, "requested", 1, cause="joined"),
        event(6, "left", 5),
        event(4, "granted", 3, cause="approved"),
    ]
    entries = thread(events)
    assert [(e.event.event_id, e.depth, e.caused_by) for e in entries] == [
        ("joined", 0, None),
        ("requested", 1, "joined"),
        ("approved", 2, "requested"),
        ("granted", 3, "approved"),
        ("notified", 4, "granted"),
        ("left", 0, None),
    ]


def test_a_cause_outside_the_timeline_leaves_the_event_a_root_in_time_order() -> None:
    entries = thread([event(2, "b", 1, cause="elsewhere"), event(1, "a", 0)])
    assert [(e.event.event_id, e.depth) for e in entries] == [("a", 0), ("b", 0)]


def test_a_causation_cycle_loses_no_event() -> None:
    entries = thread([event(1, "a", 0, cause="b"), event(2, "b", 1, cause="a")])
    assert sorted(e.event.event_id or "" for e in entries) == ["a", "b"]
