"""Dead-letter topic: where an event goes when it cannot be processed, with the reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from unionfed_events import topics

from .metrics import EVENTS_DEAD_LETTERED


@dataclass(frozen=True)
class DeadLetter:
    record: Any  # aiokafka ConsumerRecord
    reason: str
    attempts: int = 0


def dead_letter_headers(letter: DeadLetter, consumer: str) -> list[tuple[str, bytes]]:
    """The original headers plus why, where from and when (dlq_* headers)."""
    r = letter.record
    extra = {
        "dlq_reason": letter.reason[:2000],
        "dlq_consumer": consumer,
        "dlq_topic": r.topic,
        "dlq_partition": str(r.partition),
        "dlq_offset": str(r.offset),
        "dlq_attempts": str(letter.attempts),
        "dlq_time": datetime.now(UTC).isoformat(),
    }
    original = [(k, v) for k, v in (r.headers or ()) if not k.startswith("dlq_")]
    return original + [(k, v.encode()) for k, v in extra.items()]


async def send_dead_letters(producer: AIOKafkaProducer, consumer: str, letters: list[DeadLetter]) -> None:
    """Publish and wait for the broker's acknowledgement: only then may offsets be committed."""
    if not letters:
        return
    topic = topics.dead_letter(consumer)
    futures = [
        await producer.send(
            topic,
            value=letter.record.value,
            key=letter.record.key,
            headers=dead_letter_headers(letter, consumer),
        )
        for letter in letters
    ]
    for future in futures:
        await future
    EVENTS_DEAD_LETTERED.labels(consumer=consumer).inc(len(letters))
