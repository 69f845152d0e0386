"""How the consumer sorts a batch's records before any database work: deliveries of the handled
types, dead letters for records that are not CloudEvents or carry an invalid payload, and skipped
records of other types — read type first, so a skipped record's envelope is never parsed."""

from __future__ import annotations

from typing import Any

from aiokafka.structs import ConsumerRecord
from unionfed_chassis.consumer import EventConsumer
from unionfed_events import Envelope
from unionfed_events.membership import BranchEstablished, BranchKind, MemberLeft

SOURCE = "/branch-systems/xuhui/b012"


async def _ignore(uow: Any, deliveries: Any) -> None:
    return None


def _record(
    offset: int, headers: list[tuple[str, bytes | None]], value: bytes | None
) -> ConsumerRecord[Any, Any]:
    return ConsumerRecord(
        topic="t",
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=None,
        value=value,
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=len(value or b""),
        headers=headers,  # type: ignore[arg-type]
    )


def _branch(branch_id: str) -> Envelope:
    event = BranchEstablished(
        branch_id=branch_id,
        district="xuhui",
        name="A branch",
        kind=BranchKind.ENTERPRISE,
        industry="logistics",
        established_on="2025-01-01",
    )
    return Envelope.wrap(event, source=SOURCE, district="xuhui")


def _without(envelope: Envelope, *names: str) -> list[tuple[str, bytes | None]]:
    return [(k, v) for k, v in envelope.headers() if k not in names]


def test_decode_sorts_records_and_skips_other_types_unparsed() -> None:
    consumer = EventConsumer(
        "decode-test", {BranchEstablished: _ignore}, topics=["t"], domain="m", source="/t"
    )
    good, bad_payload, no_id, no_type = _branch("b-1"), _branch("b-2"), _branch("b-3"), _branch("b-4")
    left = MemberLeft(
        member_id="0190a5c2-7a4e-7c3d-8f00-0000000000a1",
        branch_id="b-1",
        district="xuhui",
        reason="other",
        left_on="2025-01-01",
    )
    other = Envelope.wrap(left, source=SOURCE)
    # Another type whose envelope is broken too: skipped on its type, the rest is not read.
    other_broken = [(k, b"yesterday" if k == "ce_time" else v) for k, v in _without(other, "ce_id")]
    records = [
        _record(0, good.headers(), good.data),
        _record(1, bad_payload.headers(), b'{"branch_id": 42}'),
        _record(2, _without(no_id, "ce_id"), no_id.data),
        _record(3, _without(no_type, "ce_type"), no_type.data),
        _record(4, other_broken, other.data),
        _record(5, [("x-foreign", b"\xff")], b"not a cloud event"),
    ]

    deliveries, letters, skipped = consumer._decode(records)

    assert [(d.record.offset, d.envelope) for d in deliveries] == [(0, good)]
    assert isinstance(deliveries[0].event, BranchEstablished) and deliveries[0].event.branch_id == "b-1"
    reasons = {letter.record.offset: letter.reason for letter in letters}
    assert set(reasons) == {1, 2, 3, 5}
    assert reasons[1].startswith("InvalidPayload") and "branch_id" in reasons[1]
    assert reasons[2].startswith("EnvelopeError") and "ce_id" in reasons[2]
    assert reasons[3].startswith("EnvelopeError") and "ce_type" in reasons[3]
    assert [(r.offset, t) for r, t in skipped] == [(4, other.type)]
