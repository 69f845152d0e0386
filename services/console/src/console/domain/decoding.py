"""One Kafka record -> the `IndexedEvent` the console keeps. Plain Python, no I/O, never raises:
a record that is not a CloudEvent, or whose value is not JSON, is indexed all the same (with
type or payload None), so the index shows everything the streams carried.

Personal identifiers are masked here, before anything is stored: fields named like a national
id, a phone number or an e-mail address at any depth of the payload (and in headers), and
national ids or mobile numbers quoted inside free text (a dead letter's reason, a name field)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
from unionfed_events.display import (
    SHORTEST_IDENTIFIER,
    holds_identifier,
    identifier_windows,
    mask,
    mask_text,
    mask_text_within,
)
from unionfed_events.envelope import SPECVERSION
from unionfed_events.topics import parse_district

from console.domain.indexed import IndexedEvent

# Membership events whose subject is the member (the others' subject is an application, a
# branch or a branch system's request id).
MEMBER_SUBJECT_EVENTS = frozenset(
    {
        "MemberJoined",
        "MemberTransferred",
        "MemberLeft",
        "MemberReinstated",
        "MemberContactUpdated",
        "MemberContactPoints",
        "MemberContactPointsWithdrawn",
        "MemberErased",
    }
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_NOT_JSON = object()
_PERSONAL_WORDS = ("national_id", "phone", "email", "e_mail")
_REQUIRED_ATTRS = frozenset({"id", "source", "type", "specversion", "time"})
# Header -> CloudEvents attribute, for every attribute `Envelope.from_headers` reads.
_ATTR_OF_HEADER = {
    f"ce_{attr}": attr
    for attr in (
        *_REQUIRED_ATTRS,
        *("subject", "correlationid", "causationid", "district", "branch", "traceparent"),
        *("sequence", "actor", "actorrole"),
    )
}


class KafkaRecord(Protocol):
    """What the indexer reads of an aiokafka ConsumerRecord."""

    topic: str
    partition: int
    offset: int
    headers: Sequence[tuple[str, bytes | None]]
    value: bytes | None


def index_record(record: KafkaRecord) -> IndexedEvent:
    """The row of one record: decoded CloudEvents columns, headers and payload masked."""
    raw_headers = record.headers or ()
    texts, attrs = read_headers(raw_headers)
    event = cloud_event(attrs)
    text, data = _parse_json(record.value)
    payload = None
    if data is not _NOT_JSON:
        payload = masked_payload(text, data, identifier_windows(record.value or b""))
    where = (record.topic, record.partition, record.offset)
    headers = masked_headers(
        texts, digits=bool(identifier_windows(b"\n".join(v for _, v in raw_headers if v)))
    )
    if event is None:
        return IndexedEvent(
            *where,
            event_id=None,
            type=None,
            time=None,
            district=parse_district(record.topic),
            branch_id=_data_text(data, "branch_id"),
            subject=None,
            member_id=member_of(None, None, data),
            correlation_id=None,
            causation_id=None,
            actor=None,
            headers=headers,
            payload=payload,
        )
    ce_type, time = event
    subject = attrs.get("subject")
    return IndexedEvent(
        *where,
        event_id=attrs["id"],
        type=ce_type,
        time=time,
        district=attrs.get("district") or parse_district(record.topic),
        branch_id=attrs.get("branch") or _data_text(data, "branch_id"),
        subject=subject and _storable(subject),
        member_id=member_of(ce_type, subject, data),
        correlation_id=attrs.get("correlationid"),
        causation_id=attrs.get("causationid"),
        actor=attrs.get("actor"),
        headers=headers,
        payload=payload,
        card_no=_data_text(data, "card_number") if event_name(ce_type) == "MemberJoined" else None,
    )


def read_headers(headers: Sequence[tuple[str, bytes | None]]) -> tuple[dict[str, str], dict[str, str]]:
    """One pass over the headers: every header as text (a null value as "", bytes that are not
    UTF-8 with replacement characters), and the CloudEvents attributes among them as
    `Envelope.from_headers` reads them (a null one counts as absent), none at all when one of
    them is not UTF-8 (then the record is not a CloudEvent, as for `display.decode`)."""
    try:  # every value UTF-8 (all but a few records): the texts in one comprehension
        texts = {name: value.decode() for name, value in headers}  # type: ignore[union-attr]
    except (AttributeError, UnicodeDecodeError):  # a null value, or bytes that are not UTF-8
        return _read_odd_headers(headers)
    return texts, {attr: texts[name] for name, attr in _ATTR_OF_HEADER.items() if name in texts}


def _read_odd_headers(
    headers: Sequence[tuple[str, bytes | None]],
) -> tuple[dict[str, str], dict[str, str]]:
    texts: dict[str, str] = {}
    attrs: dict[str, str] = {}
    garbled = False
    for name, value in headers:
        if value is None:
            texts[name] = ""
            continue
        attr = _ATTR_OF_HEADER.get(name)
        try:
            text = value.decode()
        except UnicodeDecodeError:
            text = value.decode("utf-8", errors="replace")
            garbled = garbled or attr is not None
        texts[name] = text
        if attr is not None:
            attrs[attr] = text
    return texts, {} if garbled else attrs


def cloud_event(attrs: dict[str, str]) -> tuple[str, datetime] | None:
    """The type and time of a valid CloudEvent (`Envelope.from_attrs`'s checks: the required
    attributes present, our spec version, a non-empty id, a well-formed time and sequence),
    else None. Checked here rather than by building an `Envelope`: it is the index's hot path."""
    if not attrs.keys() >= _REQUIRED_ATTRS:
        return None
    if attrs["specversion"] != SPECVERSION or not attrs["id"]:
        return None
    try:
        time = datetime.fromisoformat(attrs["time"].replace("Z", "+00:00"))
        if "sequence" in attrs:
            int(attrs["sequence"])
    except ValueError:
        return None
    return attrs["type"], _aware(time)


def event_name(ce_type: str) -> str | None:
    """'org.unionfed.membership.MemberJoined.v1' -> 'MemberJoined'; None for a foreign type."""
    parts = ce_type.split(".")
    return parts[-2] if len(parts) >= 5 and parts[0] == "org" and parts[1] == "unionfed" else None


def member_of(ce_type: str | None, subject: str | None, data: Any) -> str | None:
    """The member an event is about: the subject of membership's member events, else
    `member_id` in the data (assistance, campaigns), else a recipient id that is a member's
    UUID (notifications, honours; an officer's or a team's id never matches a member's)."""
    if ce_type and subject:
        parts = ce_type.split(".")
        if len(parts) >= 5 and parts[-3] == "membership" and parts[-2] in MEMBER_SUBJECT_EVENTS:
            return subject
    member_id = _data_text(data, "member_id")
    if member_id:
        return member_id
    recipient = _data_text(data, "recipient_id")
    return recipient if recipient and _UUID.match(recipient) else None


def masked_headers(texts: dict[str, str], digits: bool = True) -> dict[str, str]:
    """The headers' texts (`read_headers`) as stored: personal ones masked, NUL replaced;
    `digits` False when no value holds a run of 11 digits (`identifier_windows`)."""
    # One scan of all values says whether any holds an identifier (most records: none).
    digits = digits and holds_identifier("\n".join(texts.values()))
    out = dict(texts)
    for name, text in texts.items():
        if _is_personal(name):
            out[name] = mask_value(name, text)
        elif digits and len(text) >= SHORTEST_IDENTIFIER:  # shorter text holds no identifier
            out[name] = mask_text(text)
        if "\x00" in text:
            out[name] = _storable(out[name])
    return out


class RawJson(str):
    """JSON text, masked, stored as it is (the index parses it into jsonb)."""

    __slots__ = ()


def masked_payload(text: str, data: Any, windows: list[tuple[int, int]] | None = None) -> Any:
    """The payload to store: the record's own JSON text with its identifiers masked when that is
    safe to do on the text (most records: a few scans, no serialising), else the parsed data
    masked value by value; `windows` as for `mask_json_text`."""
    masked = mask_json_text(text, windows)
    return mask_json(data) if masked is None else RawJson(masked)


def mask_json_text(text: str, windows: list[tuple[int, int]] | None = None) -> str | None:
    """`text` (valid JSON) with what `mask_json` masks masked, or None when only the parsed
    walk can tell: an escape sequence (a quote or a digit may hide behind one), or a personal
    field name over something other than a string (a list of phone numbers, a number).
    `windows`: `identifier_windows` of the text's bytes, when the caller has them."""
    if "\\" in text:
        return None
    if windows is None:
        windows = identifier_windows(text.encode())
    lowered = text.lower()
    if any(word in lowered for word in _PERSONAL_WORDS):
        # Masking by field name replaces characters with others, never with digits: the
        # windows of the text still hold every identifier left.
        keyed = _mask_keyed_strings(text, lowered)
        if keyed is None:
            return None
        text = keyed
    return mask_text_within(text, windows)


def _mask_keyed_strings(text: str, lowered: str) -> str | None:
    """Every string value under a personal field name masked by that name; None when such a
    name holds something else. Without escapes every `"` opens or closes a string, so a word
    inside a string is inside a key when that string is followed by a colon."""
    if len(lowered) != len(text):  # lower() changed a length: positions would not line up
        return None
    values: dict[int, tuple[int, str]] = {}  # value start -> (value end, field name)
    for word in _PERSONAL_WORDS:
        at = lowered.find(word)
        while at != -1:
            if text.count('"', 0, at) % 2 == 1:  # inside a string
                key_start, key_end = text.rfind('"', 0, at) + 1, text.find('"', at)
                colon = _skip_space(text, key_end + 1)
                if colon < len(text) and text[colon] == ":":
                    value = _skip_space(text, colon + 1)
                    if text[value] == '"':
                        values[value + 1] = (text.find('"', value + 1), text[key_start:key_end])
                    elif not text.startswith("null", value):
                        return None
            at = lowered.find(word, at + 1)
    pieces, done = [], 0
    for start in sorted(values):
        end, field = values[start]
        pieces += [text[done:start], mask_value(field, text[start:end])]
        done = end
    return "".join(pieces) + text[done:]


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def mask_json(value: Any, field: str = "") -> Any:
    """A copy of parsed JSON with personal identifiers masked at any depth; `field` is the name
    the value sits under (a list's items are masked by their list's name)."""
    if isinstance(value, str):
        return mask_value(field, value)
    if isinstance(value, dict):
        return {_storable(k): mask_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v, field) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool) and _is_personal(field):
        return mask_value(field, str(value))  # a phone number sent as a JSON number
    return value


def mask_value(field: str, text: str) -> str:
    text = _storable(text)
    name = field.lower()
    if "email" in name or "e_mail" in name:
        return mask_email(text)
    if "national_id" in name or "phone" in name:
        return mask(name, text)
    return mask_text(text)


def mask_email(text: str) -> str:
    """'wang.fang@example.org' -> 'w********@example.org': the domain says which provider, the
    rest stays hidden."""
    local, at, domain = text.partition("@")
    if not at:
        return "*" * len(text)
    return local[:1] + "*" * max(len(local) - 1, 0) + "@" + domain


def _storable(text: str) -> str:
    """PostgreSQL text and jsonb refuse the NUL character, which JSON may carry escaped."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


@functools.lru_cache(maxsize=1024)
def _is_personal(field: str) -> bool:
    name = field.lower()
    return any(word in name for word in _PERSONAL_WORDS)


def _parse_json(value: bytes | None) -> tuple[str, Any]:
    if value is None:
        return "", _NOT_JSON
    try:
        text = value.decode()
    except UnicodeDecodeError:
        return "", _NOT_JSON
    try:
        return text, orjson.loads(value)
    except orjson.JSONDecodeError:  # not JSON, or JSON orjson refuses (a lone surrogate, an
        pass  # integer beyond 64 bits, NaN) that the standard parser reads
    try:
        return text, json.loads(text)
    except (ValueError, RecursionError):
        return "", _NOT_JSON


def _data_text(data: Any, name: str) -> str | None:
    if not isinstance(data, dict):
        return None
    value = data.get(name)
    return value if isinstance(value, str) and value else None


def _aware(time: datetime) -> datetime:
    return time if time.tzinfo is not None else time.replace(tzinfo=UTC)
