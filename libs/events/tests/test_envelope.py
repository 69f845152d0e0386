from __future__ import annotations

from datetime import datetime
from uuid import UUID

import pytest
from unionfed_events import Envelope, EnvelopeError, Event, decode, header_attrs

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
ALL_HEADERS = {
    "content-type",
    "ce_id",
    "ce_source",
    "ce_type",
    "ce_specversion",
    "ce_time",
    "ce_subject",
    "ce_correlationid",
    "ce_causationid",
    "ce_district",
    "ce_branch",
    "ce_traceparent",
    "ce_sequence",
}


def wrap(event: Event, **extra: object) -> Envelope:
    return Envelope.wrap(
        event,
        source="/unionfed/test",
        district="xuhui",
        branch="xuhui-b012",
        causationid="0190a5c2-7a4e-7c3d-8f00-0000000000ff",
        traceparent=TRACEPARENT,
        sequence=7,
        **extra,  # type: ignore[arg-type]
    )


def test_round_trip_every_sample_event_through_kafka_headers(events: list[Event]) -> None:
    for event in events:
        env = wrap(event)
        headers = env.headers()
        names = [name for name, _ in headers]
        assert set(names) == ALL_HEADERS, event.ce_type()
        assert len(names) == len(set(names))
        assert all(isinstance(v, bytes) for _, v in headers)

        back = Envelope.from_headers(headers, env.data)
        assert back == env
        assert back.key == event.subject().encode()  # type: ignore[union-attr]
        assert decode(back) == event


def test_header_values_follow_cloudevents() -> None:
    from unionfed_events.membership import MemberReinstated

    event = MemberReinstated(
        member_id="0190a5c2-7a4e-7c3d-8f00-0000000000a1",
        branch_id="xuhui-b012",
        district="xuhui",
        reinstated_on="2025-03-01",
    )
    env = wrap(event, correlationid="corr-1")
    h = env.headers_dict()
    assert h["content-type"] == "application/json"
    assert h["ce_specversion"] == "1.0"
    assert h["ce_type"] == "org.unionfed.membership.MemberReinstated.v1"
    assert h["ce_source"] == "/unionfed/test"
    assert h["ce_id"] == str(env.id)
    assert h["ce_subject"] == "0190a5c2-7a4e-7c3d-8f00-0000000000a1"
    assert h["ce_correlationid"] == "corr-1"
    assert h["ce_district"] == "xuhui"
    assert h["ce_branch"] == "xuhui-b012"
    assert h["ce_traceparent"] == TRACEPARENT
    assert h["ce_sequence"] == "7"
    assert datetime.fromisoformat(h["ce_time"]).utcoffset() is not None  # RFC 3339 with offset


def test_correlation_id_defaults_to_the_event_id(events: list[Event]) -> None:
    env = Envelope.wrap(events[0], source="/t")
    assert env.correlationid == str(env.id)
    assert UUID(env.id).version == 7


@pytest.mark.parametrize("ce_id", ["branch-sys-42/000017", "A", "0190a5c2-7a4e-7c3d-8f00-0000000000ff"])
def test_any_non_empty_ce_id_is_accepted_as_it_is(events: list[Event], ce_id: str) -> None:
    """CloudEvents lets a producer choose its ids; branch systems need not send UUIDs."""
    env = wrap(events[0])
    headers = [(k, ce_id.encode() if k == "ce_id" else v) for k, v in env.headers()]
    assert Envelope.from_headers(headers, env.data).id == ce_id


def test_from_headers_accepts_a_mapping_and_str_values(events: list[Event]) -> None:
    env = wrap(events[0])
    back = Envelope.from_headers(env.headers_dict(), env.data)
    assert back == env


def test_unknown_headers_are_ignored(events: list[Event]) -> None:
    env = wrap(events[0])
    back = Envelope.from_headers([*env.headers(), ("ce_somethingnew", b"x"), ("x-other", b"y")], env.data)
    assert back == env


@pytest.mark.parametrize("missing", ["ce_type", "ce_id", "ce_source", "ce_specversion", "ce_time"])
def test_missing_required_attribute_is_an_envelope_error(events: list[Event], missing: str) -> None:
    env = wrap(events[0])
    headers = [(k, v) for k, v in env.headers() if k != missing]
    with pytest.raises(EnvelopeError, match=missing):
        Envelope.from_headers(headers, env.data)


def test_wrong_specversion_and_bad_attribute_values_are_envelope_errors(events: list[Event]) -> None:
    env = wrap(events[0])
    swapped = [(k, b"0.3" if k == "ce_specversion" else v) for k, v in env.headers()]
    with pytest.raises(EnvelopeError, match="specversion"):
        Envelope.from_headers(swapped, env.data)
    empty_id = [(k, b"" if k == "ce_id" else v) for k, v in env.headers()]
    with pytest.raises(EnvelopeError, match="ce_id"):
        Envelope.from_headers(empty_id, env.data)
    bad_time = [(k, b"yesterday" if k == "ce_time" else v) for k, v in env.headers()]
    with pytest.raises(EnvelopeError):
        Envelope.from_headers(bad_time, env.data)
    with pytest.raises(EnvelopeError):
        Envelope.from_headers(None, b"{}")


def test_header_attrs_reads_known_attributes_in_one_pass(events: list[Event]) -> None:
    env = wrap(events[0])
    headers = [
        *env.headers(),
        ("x-foreign-trace", b"\xff\xfe"),  # binary, not ours: not decoded, spoils nothing
        ("ce_somethingnew", None),
        ("tracestate", None),
    ]
    attrs = header_attrs(headers)
    assert attrs["type"] == env.type and attrs["id"] == env.id and attrs["sequence"] == "7"
    assert "somethingnew" not in attrs and "content-type" not in attrs
    assert Envelope.from_attrs(attrs, env.data) == env
    assert header_attrs([(k.encode(), v) for k, v in env.headers()]) == header_attrs(env.headers())


def test_header_attrs_refuses_a_known_attribute_that_is_not_utf8(events: list[Event]) -> None:
    env = wrap(events[0])
    with pytest.raises(UnicodeDecodeError):
        header_attrs([(k, b"\xff\xfe" if k == "ce_subject" else v) for k, v in env.headers()])


def test_a_null_known_attribute_counts_as_missing(events: list[Event]) -> None:
    env = wrap(events[0])
    headers = [(k, None if k == "ce_id" else v) for k, v in env.headers()]
    assert "id" not in header_attrs(headers)
    with pytest.raises(EnvelopeError, match="ce_id"):
        Envelope.from_headers(headers, env.data)
