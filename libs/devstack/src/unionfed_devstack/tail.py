"""`unionfed events tail`: one readable line per event on every unionfed topic."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence

from unionfed_events.display import Headers, decode, is_known_type, key_fields, matches, short_type
from unionfed_events.topics import parse_district

TOPIC_PATTERN = r"^unionfed\."


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
    known = "" if is_known_type(envelope.type) else " (unknown type)"
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
