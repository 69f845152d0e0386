"""Dead letters for the console's tests: real ones on the broker (the chassis' `send_dead_letters`,
as a failing consumer writes them) and their rows in the console's index.

`index_dead_letters` reads a group's DLQ topic from the broker and indexes what it finds the way
the index shows records (headers as text, payload as JSON, identifiers masked), for tests that run
before or without the console's indexer; the index's unique position makes a row the indexer
wrote too a no-op."""

from __future__ import annotations

import json
import uuid
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from console.adapters.event_store import insert_events
from console.domain.indexed import IndexedEvent
from sqlalchemy.ext.asyncio import AsyncEngine
from unionfed_chassis.dead_letter import DeadLetter, send_dead_letters
from unionfed_chassis.dead_letter_reading import read_dead_letters
from unionfed_chassis.stored_dead_letter import StoredDeadLetter
from unionfed_chassis.topic_admin import ensure_topics
from unionfed_events import Envelope
from unionfed_events.display import mask, mask_text
from unionfed_events.topics import TopicSpec, dead_letter

JOINED = "org.unionfed.membership.MemberJoined.v1"
NATIONAL_ID = "310101199001011234"


def joined_record(topic: str, offset: int, district: str) -> ConsumerRecord[bytes, bytes]:
    """A MemberJoined as it sat on `topic` before a consumer failed it (with a full national ID)."""
    member = f"m-{uuid.uuid4().hex[:8]}"
    env = Envelope(
        source="/unionfed/membership",
        type=JOINED,
        subject=member,
        district=district,
        data=json.dumps({"member_id": member, "national_id": NATIONAL_ID}).encode(),
    )
    headers = list(env.headers())
    return ConsumerRecord(topic, 0, offset, 0, 0, env.key, env.data, None, 0, len(env.data), headers)


async def dead_letter_records(
    bootstrap: str,
    producer: AIOKafkaProducer,
    group: str,
    records: list[ConsumerRecord[bytes, bytes]],
    reason: str,
) -> None:
    """`records` dead-lettered by `group` (a fresh one-partition DLQ topic: offsets 0, 1, …)."""
    await ensure_topics(bootstrap, [TopicSpec(dead_letter(group), 1)])
    await send_dead_letters(
        producer, group, [DeadLetter(r, f"{reason} #{i}", 3) for i, r in enumerate(records)]
    )


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: mask(k, v) if isinstance(v, str) else _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def as_indexed(letter: StoredDeadLetter) -> IndexedEvent:
    envelope = letter.envelope
    try:
        payload = _masked(json.loads(letter.value or b""))
    except ValueError:
        payload = None
    return IndexedEvent(
        topic=letter.topic,
        partition=letter.partition,
        offset=letter.offset,
        event_id=envelope.id if envelope else None,
        type=envelope.type if envelope else None,
        time=None,
        district=envelope.district if envelope else None,
        branch_id=None,
        subject=envelope.subject if envelope else None,
        member_id=None,
        correlation_id=None,
        causation_id=None,
        actor=None,
        headers={k: mask_text(v.decode("utf-8", "replace")) for k, v in letter.headers},
        payload=payload,
    )


async def index_dead_letters(engine: AsyncEngine, bootstrap: str, group: str) -> list[StoredDeadLetter]:
    """Every dead letter of `group` on the broker, indexed; returns them."""
    letters = await read_dead_letters(bootstrap, group, idle=0.5)
    async with engine.begin() as conn:
        await insert_events(conn, [as_indexed(d) for d in letters])
    return letters
