"""`unionfed events tail`: one readable line per event on every unionfed topic."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from unionfed_events.envelope import Envelope, EnvelopeError
from unionfed_events.topics import parse_district

TOPIC_PATTERN = r"^unionfed\."
MAX_FIELDS = 4
MAX_VALUE_LEN = 40
Headers = Sequence[tuple[str, bytes]]


def short_type(ce_type: str) -> str:
    """'org.unionfed.membership.MemberJoined.v1' -> 'MemberJoined.v1' (the type as is otherwise)."""
    parts = ce_type.split(".")
    if len(parts) >= 2 and parts[-1].startswith("v") and parts[-1][1:].isdigit():
        return f"{parts[-2]}.{parts[-1]}"
    return ce_type


def mask(field: str, value: str) -> str:
    """Hide personal identifiers: national ids keep first 4/last 4, phones first 3/last 4."""
    name = field.lower()
    if "national_id" in name:
        keep_head, keep_tail = 4, 4
    elif "phone" in name:
        keep_head, keep_tail = 3, 4
    else:
        return value
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]


def key_fields(data: Any, skip: Iterable[str] = ()) -> list[str]:
    """Up to MAX_FIELDS short scalar top-level fields as key=value, masked where personal."""
    if not isinstance(data, dict):
        return []
    skipped = set(skip)
    out: list[str] = []
    for name, value in data.items():
        if name in skipped or value is None or isinstance(value, dict | list):
            continue
        text = json.dumps(value) if isinstance(value, bool) else str(value)
        if len(text) > MAX_VALUE_LEN:
            continue
        out.append(f"{name}={mask(name, text)}")
        if len(out) == MAX_FIELDS:
            break
    return out


def _is_known_type(ce_type: str) -> bool:
    try:
        from unionfed_events.registry import event_class

        event_class(ce_type)
    except Exception:  # unknown type, or a domain module not written yet: both mean "unknown"
        return False
    return True


def decode(headers: Headers | None, value: bytes | None) -> Envelope | None:
    try:
        return Envelope.from_headers(headers or [], value)
    except (EnvelopeError, UnicodeDecodeError):  # a header value that is not UTF-8: not ours either
        return None


def matches(
    envelope: Envelope | None, topic: str, types: Sequence[str] = (), districts: Sequence[str] = ()
) -> bool:
    """Type filter by short name, case-insensitive ('memberjoined' matches 'MemberJoined.v1')."""
    if types:
        if envelope is None:
            return False
        wanted = {t.lower() for t in types}
        short = short_type(envelope.type).lower()
        if short not in wanted and short.rsplit(".", 1)[0] not in wanted:
            return False
    if districts:
        district = (envelope.district if envelope else None) or parse_district(topic)
        if district not in set(districts):
            return False
    return True


def format_event_line(
    topic: str,
    partition: int,
    offset: int,
    headers: Headers | None,
    value: bytes | None,
) -> str:
    """time, short type, district, subject, key fields; never raises on a foreign record."""
    envelope = decode(headers, value)
    if envelope is None:
        return f"(not a CloudEvent) {topic} {partition}/{offset}"
    try:
        data = json.loads(envelope.data or b"{}")
    except ValueError:
        data = None
    district = envelope.district or parse_district(topic) or "-"
    subject = envelope.subject or "-"
    fields = key_fields(data, skip=("district",))
    if data is None:
        fields = ["(data is not JSON)"]
    known = "" if _is_known_type(envelope.type) else " (unknown type)"
    when = envelope.time.strftime("%H:%M:%S")
    line = f"{when}  {short_type(envelope.type):<28} {district:<10} {subject:<38} {' '.join(fields)}"
    return line.rstrip() + known


async def tail_events(
    bootstrap: str,
    emit: Callable[[str], None],
    *,
    types: Sequence[str] = (),
    districts: Sequence[str] = (),
    from_beginning: bool = False,
    limit: int | None = None,
) -> int:
    """Print matching events until `limit` is reached (or forever); returns how many were printed."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        # A throwaway group never commits: tailing must not move any service's offsets.
        group_id=None,
        client_id=f"unionfed-tail-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest" if from_beginning else "latest",
        metadata_max_age_ms=5000,  # pick up topics created while tailing
    )
    await consumer.start()
    printed = 0
    try:
        consumer.subscribe(pattern=TOPIC_PATTERN)
        async for record in consumer:
            envelope = decode(record.headers, record.value)
            if not matches(envelope, record.topic, types, districts):
                continue
            emit(
                format_event_line(record.topic, record.partition, record.offset, record.headers, record.value)
            )
            printed += 1
            if limit is not None and printed >= limit:
                break
    finally:
        await consumer.stop()
    return printed
