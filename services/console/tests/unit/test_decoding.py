"""Decoding a record into the console's index row: CloudEvents columns, the member it is about,
personal identifiers masked at any depth, and records that are not CloudEvents or not JSON."""

from __future__ import annotations

import json
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from console.domain.decoding import (
    RawJson,
    index_record,
    mask_json,
    mask_json_text,
)
from unionfed_events import Envelope, Event
from unionfed_events import assistance as aev
from unionfed_events import membership as mev
from unionfed_events import notifications as nev
from unionfed_events.display import holds_identifier, identifier_windows, mask, mask_text, mask_text_within

NATIONAL_ID = "110101199003071234"
PHONE = "13812345678"


@dataclass
class Record:
    topic: str
    value: bytes | None
    headers: list[tuple[str, bytes | None]] = field(default_factory=list)
    partition: int = 1
    offset: int = 7


def stored(payload: Any) -> Any:
    """The payload as the index stores it (masked JSON text is parsed by PostgreSQL)."""
    return json.loads(payload) if isinstance(payload, RawJson) else payload


def record(event: Event, topic: str, **wrap: Any) -> Record:
    envelope = Envelope.wrap(event, source="/unionfed/test", **wrap)
    return Record(topic, envelope.data, list(envelope.headers()))


def joined(member_id: uuid.UUID) -> mev.MemberJoined:
    return mev.MemberJoined(
        member_id=member_id,
        card_number="C-000042",
        name="王芳",
        branch_id="east-b1",
        district="east",
        industry="logistics",
        employment_type=mev.EmploymentType.REGULAR,
        joined_on=date(2024, 5, 1),
        channel=mev.JoinChannel.OFFICER,
        national_id_masked="1101**********1234",
    )


def test_a_member_joined_gives_every_column_and_the_card() -> None:
    member_id = uuid.uuid4()
    rec = record(
        joined(member_id),
        "unionfed.d.east.membership.events",
        district="east",
        branch="east-b1",
        actor="op-7",
    )

    row = index_record(rec)

    assert (row.topic, row.partition, row.offset) == ("unionfed.d.east.membership.events", 1, 7)
    assert row.type == "org.unionfed.membership.MemberJoined.v1"
    assert row.district == "east" and row.branch_id == "east-b1" and row.actor == "op-7"
    assert row.subject == row.member_id == str(member_id)
    assert row.correlation_id == row.event_id and row.causation_id is None
    assert row.time is not None and row.time.tzinfo is not None
    assert row.card_no == "C-000042"
    assert row.headers["ce_type"] == row.type
    assert isinstance(row.payload, RawJson)  # masked on the text: no serialising
    assert stored(row.payload)["name"] == "王芳"


def test_district_from_the_topic_and_branch_from_the_data_when_the_headers_lack_them() -> None:
    member_id = uuid.uuid4()
    row = index_record(record(joined(member_id), "unionfed.d.north.membership.events"))
    assert row.district == "north"
    assert row.branch_id == "east-b1"


def test_an_assistance_event_is_about_the_member_in_its_data() -> None:
    member_id = uuid.uuid4()
    rec = Record(
        "unionfed.d.east.assistance.events",
        json.dumps({"case_id": "c-1", "member_id": str(member_id)}).encode(),
        list(
            Envelope(source="/unionfed/assistance", type=aev.AidRequested.ce_type(), subject="c-1").headers()
        ),
    )
    row = index_record(rec)
    assert row.member_id == str(member_id)
    assert row.subject == "c-1"
    assert row.card_no is None


def test_a_notification_is_about_its_recipient_when_that_is_a_member_id() -> None:
    member_id = str(uuid.uuid4())
    headers = list(
        Envelope(source="/unionfed/notifications", type=nev.NotificationDelivered.ce_type()).headers()
    )
    to_member = Record(
        "unionfed.fed.notifications.events", json.dumps({"recipient_id": member_id}).encode(), headers
    )
    to_officer = Record("unionfed.fed.notifications.events", b'{"recipient_id": "officer-3"}', headers)
    assert index_record(to_member).member_id == member_id
    assert index_record(to_officer).member_id is None


def test_a_registration_request_is_masked_at_any_depth_and_in_free_text() -> None:
    data = {
        "request_id": "r-1",
        "national_id": NATIONAL_ID,
        "phone": PHONE,
        "email": "wang.fang@example.org",
        "name": f"note quoting {NATIONAL_ID} and {PHONE}",
        "contacts": [{"phone": PHONE, "Email": "li@example.org"}],
        "phones": [PHONE, int(PHONE)],
    }
    headers = list(
        Envelope(source="/branch-system/acme", type=mev.MemberRegistrationRequested.ce_type()).headers()
    )
    row = index_record(
        Record("unionfed.d.east.sys.acme.membership.inbound", json.dumps(data).encode(), headers)
    )

    payload = stored(row.payload)
    text = json.dumps(payload, ensure_ascii=False)
    assert NATIONAL_ID not in text and PHONE not in text
    assert "wang.fang" not in text and "li@" not in text
    assert payload["national_id"] == "1101**********1234"
    assert payload["phone"] == "138****5678"
    assert payload["email"] == "w********@example.org"
    assert payload["contacts"][0] == {"phone": "138****5678", "Email": "l*@example.org"}
    assert payload["phones"] == ["138****5678", "138****5678"]
    assert payload["request_id"] == "r-1"


def test_headers_are_text_and_a_dead_letters_reason_is_masked() -> None:
    member_id = uuid.uuid4()
    rec = record(joined(member_id), "unionfed.dlq.notifications", district="east")
    rec.headers += [
        ("dlq_reason", f"IntegrityError: duplicate key ({NATIONAL_ID})".encode()),
        ("dlq_offset", b"12"),
        ("binary", b"\xff\xfe"),
        ("empty", None),
    ]
    row = index_record(rec)
    assert row.headers["dlq_reason"] == "IntegrityError: duplicate key (1101**********1234)"
    assert row.headers["dlq_offset"] == "12"
    assert row.headers["binary"] == "\ufffd\ufffd"
    assert row.headers["empty"] == ""
    assert row.type == "org.unionfed.membership.MemberJoined.v1"
    assert row.district == "east"  # the original's header; the dead-letter topic has no district


def test_a_record_that_is_not_a_cloud_event_is_still_indexed() -> None:
    row = index_record(Record("unionfed.d.east.membership.events", b'{"member_id": "m-1"}', [("x", b"1")]))
    assert row.type is None and row.event_id is None and row.time is None
    assert row.district == "east"
    assert stored(row.payload) == {"member_id": "m-1"}
    assert row.member_id == "m-1"


def test_a_value_that_is_not_json_is_indexed_without_payload() -> None:
    member_id = uuid.uuid4()
    rec = record(joined(member_id), "unionfed.d.east.membership.events")
    for value in (b"\x00\x01 binary", b"{truncated", None):
        rec.value = value
        row = index_record(rec)
        assert row.payload is None
        assert row.type == "org.unionfed.membership.MemberJoined.v1"
        assert row.subject == str(member_id)


def test_a_bad_cloud_event_header_makes_a_plain_record_not_an_error() -> None:
    headers = [
        ("ce_id", b"1"),
        ("ce_type", b"t"),
        ("ce_source", b"s"),
        ("ce_specversion", b"1.0"),
        ("ce_time", b"yesterday"),
    ]
    row = index_record(Record("unionfed.fed.campaigns.events", b"[]", list(headers)))
    assert row.type is None and stored(row.payload) == []
    assert row.headers["ce_time"] == "yesterday"


def test_nul_characters_become_replacement_characters() -> None:
    # PostgreSQL's text and jsonb refuse NUL, which JSON may carry as \\u0000.
    assert mask_json({"a\x00": ["x\x00y"]}) == {"a\ufffd": ["x\ufffdy"]}


def test_a_naive_time_is_taken_as_utc() -> None:
    headers = list(Envelope(source="s", type="t", time=datetime(2026, 1, 1, 12)).headers())
    row = index_record(Record("unionfed.fed.campaigns.events", b"{}", headers))
    assert row.time == datetime(2026, 1, 1, 12, tzinfo=UTC)


PAYLOADS = [
    {"national_id_masked": "1101**********1234", "name": "王芳", "member_id": str(uuid.uuid4())},
    {"national_id": NATIONAL_ID, "phone": PHONE, "email": "wang.fang@example.org", "note": None},
    {"outer": {"mobile_phone": PHONE, "e_mail": "x@y.z"}, "text": f"call {PHONE} or see {NATIONAL_ID}"},
    {"reason": f"IntegrityError ({NATIONAL_ID})", "PHONE_NUMBER": "021-6543-2100", "email": None},
    {"phones": [PHONE], "n": 1},
    {"phone": 13812345678},
    {"ids": "11010119900307123X110101199003071234 x13812345678,13912345678"},
    {"text": "12345678901234567890123 4401011990030712345"},
    {"a": "phone", "note": "my phone: 13812345678", "phone_ok": None, "x": {"Phone": "021-6543-2100"}},
    {"quote": 'say "13812345678"', "tab": "a\t13812345678"},
    [{"Email": "li@example.org"}, "13812345678x", "a13812345678"],
    "110101199003071234",
    12345678901234,
]


def test_masking_the_json_text_gives_what_masking_the_parsed_data_gives() -> None:
    for data in PAYLOADS:
        for text in (json.dumps(data, ensure_ascii=False), json.dumps(data, indent=2, ensure_ascii=False)):
            masked = mask_json_text(text)
            if masked is not None:
                assert json.loads(masked) == mask_json(data), text


def test_the_text_is_masked_in_place_unless_a_list_a_number_or_an_escape_needs_the_walk() -> None:
    taken = [mask_json_text(json.dumps(data, ensure_ascii=False)) is not None for data in PAYLOADS]
    assert taken == [True, True, True, True, False, False, True, True, True, False, True, True, True]


def test_one_scan_masks_what_an_id_pass_then_a_phone_pass_masked() -> None:
    national_id = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
    phone = re.compile(r"(?<![0-9A-Za-z])1\d{10}(?![0-9A-Za-z])")

    def two_passes(text: str) -> str:
        text = national_id.sub(lambda m: mask("national_id", m.group()), text)
        return phone.sub(lambda m: mask("phone", m.group()), text)

    rng = random.Random(11)
    for _ in range(3000):
        text = "".join(
            rng.choice("0123456789" * 6 + "1" * 20 + 'Xx a-"٣中') for _ in range(rng.randint(0, 60))
        )
        assert mask_text(text) == two_passes(text), text
        assert holds_identifier(text) == (mask_text(text) != text), text


# A UUID whose last group holds an 11-digit run starting with 1, and a trace id with long runs.
HEX_UUID = "0c56cfa7-57dc-4e60-a758-a13812345678"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_digits_inside_a_uuid_or_a_trace_id_are_not_masked() -> None:
    for text in (HEX_UUID, TRACEPARENT, "ab13812345678", "13812345678cd", "x110101199003071234"):
        assert mask_text(text) == text
    rec = record(joined(uuid.UUID(HEX_UUID)), "unionfed.d.east.membership.events", traceparent=TRACEPARENT)
    rec.headers.append(("dlq_reason", f"member {HEX_UUID} failed".encode()))
    row = index_record(rec)
    assert row.member_id == row.subject == HEX_UUID
    assert row.headers["ce_subject"] == HEX_UUID
    assert row.headers["ce_traceparent"] == TRACEPARENT
    assert row.headers["dlq_reason"] == f"member {HEX_UUID} failed"
    assert stored(row.payload)["member_id"] == HEX_UUID


def test_phones_and_ids_in_free_text_are_masked_next_to_punctuation_and_cjk() -> None:
    cases = {
        f"电话{PHONE}": "电话138****5678",
        f"身份证{NATIONAL_ID}，请核对": "身份证1101**********1234，请核对",
        f"ids: {PHONE},{NATIONAL_ID[:-1]}X.": "ids: 138****5678,1101**********123X.",
        f"(tel:{PHONE})": "(tel:138****5678)",
        f"member_{PHONE}": "member_138****5678",
    }
    for text, masked in cases.items():
        assert mask_text(text) == masked, text
    rec = Record(
        "unionfed.dlq.notifications", json.dumps({"note": f"电话{PHONE}"}, ensure_ascii=False).encode()
    )
    rec.headers = [("dlq_reason", f"重复的身份证{NATIONAL_ID}".encode())]
    row = index_record(rec)
    assert row.headers["dlq_reason"] == "重复的身份证1101**********1234"
    assert stored(row.payload) == {"note": "电话138****5678"}


def test_a_known_cloud_event_header_that_is_not_utf8_makes_a_plain_record() -> None:
    rec = record(joined(uuid.uuid4()), "unionfed.d.east.membership.events")
    rec.headers = [(n, b"\xff" if n == "ce_actorrole" else v) for n, v in rec.headers] + [
        ("ce_actorrole", b"\xff")
    ]
    row = index_record(rec)
    assert row.type is None and row.event_id is None
    assert row.headers["ce_actorrole"] == "\ufffd"
    ok = record(joined(uuid.uuid4()), "unionfed.d.east.membership.events")
    ok.headers += [("ce_unknownext", b"\xff"), ("ce_sequence", b"x")]
    assert index_record(ok).type is None  # a malformed sequence: not a valid CloudEvent
    ok.headers = [h for h in ok.headers if h[0] != "ce_sequence"]
    assert index_record(ok).type == "org.unionfed.membership.MemberJoined.v1"


def test_masking_within_the_byte_scans_windows_gives_what_mask_text_gives() -> None:
    rng = random.Random(12)
    alphabet = "0123456789" * 6 + "1" * 20 + 'Xx a-"王１٣'  # CJK, a full-width and an Arabic-Indic digit
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        assert mask_text_within(text, identifier_windows(text.encode())) == mask_text(text), text
    assert identifier_windows(TRACEPARENT.replace("4736", "47x6").encode() + b" 1381234567") == []
    assert identifier_windows(PHONE.encode()) == [(0, 13)]
    assert identifier_windows(f"电话{PHONE}，".encode()) == [(0, 16)]  # non-ASCII counts as digits
