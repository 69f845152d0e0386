"""The audit extension attributes `actor` and `actorrole` travel as ce_* headers and back."""

from __future__ import annotations

from unionfed_events import Envelope, Event


def test_actor_round_trips_through_kafka_headers(events: list[Event]) -> None:
    envelope = Envelope.wrap(
        events[0], source="/unionfed/test", actor="officer-7", actorrole="district_officer"
    )
    headers = envelope.headers()
    assert ("ce_actor", b"officer-7") in headers and ("ce_actorrole", b"district_officer") in headers
    back = Envelope.from_headers(headers, envelope.data)
    assert (back.actor, back.actorrole) == ("officer-7", "district_officer")


def test_an_event_without_an_actor_has_no_actor_headers(events: list[Event]) -> None:
    headers = dict(Envelope.wrap(events[0], source="/unionfed/test").headers())
    assert "ce_actor" not in headers and "ce_actorrole" not in headers
