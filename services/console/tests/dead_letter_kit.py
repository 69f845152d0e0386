"""Dead letters for the console's tests: real ones on the broker (the chassis' `send_dead_letters`,
as a failing consumer writes them), and the wait for the console's indexer to have them."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from console.adapters.orm import stream_events
from sqlalchemy.ext.asyncio import AsyncEngine
from unionfed_chassis.dead_letter import DeadLetter, send_dead_letters
from unionfed_chassis.topic_admin import ensure_topics
from unionfed_devstack.testing import wait_for
from unionfed_events import Envelope
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


async def wait_indexed(engine: AsyncEngine, group: str, count: int) -> None:
    """Until the console's index holds `count` records of `group`'s DLQ topic."""
    query = sa.select(sa.func.count()).where(stream_events.c.topic == dead_letter(group))

    async def indexed() -> bool:
        async with engine.connect() as conn:
            return bool((await conn.execute(query)).scalar_one() >= count)

    await wait_for(indexed, timeout=60)
