from __future__ import annotations

import json

import pytest
from unionfed_events import Envelope, Event, InvalidPayload, UnknownEventType, decode, event_class
from unionfed_events.membership import MemberJoined
from unionfed_events.registry import all_event_classes, event_types


def test_event_class_finds_every_type() -> None:
    for cls in all_event_classes():
        assert event_class(cls.ce_type()) is cls
    assert len(event_types()) == len(all_event_classes())


def test_unknown_type_and_unknown_version() -> None:
    with pytest.raises(UnknownEventType, match="NoSuchEvent"):
        event_class("org.unionfed.membership.NoSuchEvent.v1")
    env = Envelope(source="/t", type="org.unionfed.membership.MemberJoined.v99", data=b"{}")
    with pytest.raises(UnknownEventType, match="v99"):
        decode(env)


def _joined_envelope(events: list[Event], **changes: object) -> Envelope:
    joined = next(e for e in events if isinstance(e, MemberJoined))
    data = json.loads(joined.model_dump_json())
    for key, value in changes.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    return Envelope.wrap(joined, source="/t").with_data(json.dumps(data).encode())


def test_invalid_payload_names_the_field(events: list[Event]) -> None:
    with pytest.raises(InvalidPayload, match=r"MemberJoined v1: .*employment_type"):
        decode(_joined_envelope(events, employment_type="astronaut"))
    with pytest.raises(InvalidPayload, match="card_number"):
        decode(_joined_envelope(events, card_number=None))
    with pytest.raises(InvalidPayload, match="surprise"):  # extra="forbid"
        decode(_joined_envelope(events, surprise=1))
    with pytest.raises(InvalidPayload, match="national_id_masked"):  # an unmasked id is refused
        decode(_joined_envelope(events, national_id_masked="110101199003071234"))


def test_invalid_json_is_an_invalid_payload(events: list[Event]) -> None:
    env = Envelope.wrap(events[0], source="/t").with_data(b"{not json")
    with pytest.raises(InvalidPayload):
        decode(env)
