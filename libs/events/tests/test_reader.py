"""Tolerant readers: what the contract check calls compatible, a consumer built on v1 accepts."""

from __future__ import annotations

import json

import pytest
from unionfed_events import Envelope, InvalidPayload, decode, is_known, read, reader
from unionfed_events.membership import EmploymentType, JoinChannel, MemberContactUpdated, MemberJoined
from unionfed_events.reader import reader_class


def _joined(events: list) -> MemberJoined:  # type: ignore[type-arg]
    return next(e for e in events if isinstance(e, MemberJoined))


def _envelope(event: MemberJoined, **changes: object) -> Envelope:
    data = json.loads(event.model_dump_json())
    data.update(changes)
    return Envelope.wrap(event, source="/test").with_data(json.dumps(data).encode())


def test_unknown_fields_are_ignored_by_readers_and_refused_by_producers(events: list) -> None:  # type: ignore[type-arg]
    envelope = _envelope(_joined(events), loyalty_tier="gold", nested={"a": [1, 2]})
    event = read(envelope, MemberJoined)
    assert isinstance(event, MemberJoined)
    assert not hasattr(event, "loyalty_tier")
    with pytest.raises(InvalidPayload, match="loyalty_tier"):
        decode(envelope)


def test_unknown_enum_values_are_kept_as_unknown_members(events: list) -> None:  # type: ignore[type-arg]
    envelope = _envelope(_joined(events), employment_type="platform_gig", channel="wechat_mini_app")
    event = read(envelope, MemberJoined)
    assert isinstance(event, MemberJoined)
    assert isinstance(event.employment_type, EmploymentType)
    assert event.employment_type.value == "platform_gig"
    assert event.employment_type.name == "UNKNOWN"
    assert not is_known(event.employment_type)
    assert event.employment_type not in set(EmploymentType)
    assert event.channel.value == "wechat_mini_app" and not is_known(event.channel)
    assert json.loads(event.model_dump_json())["employment_type"] == "platform_gig"
    assert is_known(_joined(events).employment_type)
    with pytest.raises(InvalidPayload, match="employment_type"):
        decode(envelope)
    # Producers stay strict: the unknown value is not added to the enum itself.
    with pytest.raises(ValueError):
        JoinChannel("wechat_mini_app")


def test_optional_enum_field_tolerates_null_and_unknown(events: list) -> None:  # type: ignore[type-arg]
    updated = next(e for e in events if isinstance(e, MemberContactUpdated))
    data = json.loads(updated.model_dump_json())
    for value, expected in ((None, None), ("gig", "gig"), ("regular", "regular")):
        envelope = Envelope.wrap(updated, source="/t").with_data(
            json.dumps({**data, "employment_type": value}).encode()
        )
        got = read(envelope, MemberContactUpdated).employment_type
        assert (got if got is None else got.value) == expected


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"employment_type": 7}, "employment_type"),  # a number is not a newer enum value
        ({"member_id": "not-a-uuid"}, "member_id"),
        ({"national_id_masked": "110101199003071234"}, "national_id_masked"),  # constraints hold
    ],
)
def test_invalid_payloads_stay_invalid_for_readers(events: list, changes: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidPayload, match=field) as raised:
        read(_envelope(_joined(events), **changes), MemberJoined)
    assert "110101199003071234" not in str(raised.value), "never echo the value"


def test_a_missing_required_field_is_invalid(events: list) -> None:  # type: ignore[type-arg]
    data = json.loads(_joined(events).model_dump_json())
    del data["branch_id"]
    envelope = Envelope.wrap(_joined(events), source="/t").with_data(json.dumps(data).encode())
    with pytest.raises(InvalidPayload, match="branch_id"):
        read(envelope, MemberJoined)


def test_reader_class_is_cached_and_keeps_the_contract_identity() -> None:
    reader = reader_class(MemberJoined)
    assert reader is reader_class(MemberJoined)
    assert issubclass(reader, MemberJoined)
    assert reader.ce_type() == MemberJoined.ce_type()
    assert reader.model_config["frozen"] is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"employment_type": 7}, "employment_type"),
        ({"national_id_masked": "110101199003071234"}, "national_id_masked"),
    ],
)
def test_a_bound_reader_reads_as_read_does(events: list, changes: dict, field: str) -> None:  # type: ignore[type-arg]
    """`reader(cls)` is what the consumer calls per record: the same tolerance, the same errors."""
    read_joined = reader(MemberJoined)
    tolerated = _envelope(_joined(events), employment_type="platform_gig", loyalty_tier="gold")
    event = read_joined(tolerated.data)
    assert event == read(tolerated, MemberJoined) and isinstance(event, MemberJoined)
    assert not is_known(event.employment_type)  # type: ignore[attr-defined]
    bad = _envelope(_joined(events), **changes)
    with pytest.raises(InvalidPayload, match=field) as raised:
        read_joined(bad.data)
    with pytest.raises(InvalidPayload) as by_read:
        read(bad, MemberJoined)
    assert str(raised.value) == str(by_read.value)
    assert "110101199003071234" not in str(raised.value), "never echo the value"
