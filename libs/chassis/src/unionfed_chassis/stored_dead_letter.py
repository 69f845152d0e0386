"""A dead letter as read back from its topic `unionfed.dlq.<group>`: the original record (key,
value, headers as they came) plus the `dlq_*` headers `dead_letter.py` added (why, where from,
how many attempts, when), and its own place on the DLQ topic, which names it in replay records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from unionfed_events import topics
from unionfed_events.display import decode
from unionfed_events.envelope import Envelope

DLQ_PREFIX = topics.dead_letter("")  # "unionfed.dlq."
DLQ_HEADER_PREFIX = "dlq_"


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


@dataclass(frozen=True, order=True)
class DeadLetterPosition:
    """Where a dead letter sits on its DLQ topic: what an operator selects to replay."""

    topic: str
    partition: int
    offset: int

    @property
    def group(self) -> str:
        return group_of(self.topic)

    @property
    def key(self) -> str:
        """Its identity in the replay records: `<group>/<partition>/<offset>`."""
        return f"{self.group}/{self.partition}/{self.offset}"


@dataclass(frozen=True)
class StoredDeadLetter:
    """One record read from a DLQ topic; topic/partition/offset are its place on the DLQ topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()

    @classmethod
    def from_record(cls, record: Any) -> StoredDeadLetter:
        """From an aiokafka ConsumerRecord (or anything with the same attributes)."""
        headers = tuple((str(k), bytes(v) if v is not None else b"") for k, v in (record.headers or ()))
        return cls(record.topic, record.partition, record.offset, record.key, record.value, headers)

    @property
    def position(self) -> DeadLetterPosition:
        return DeadLetterPosition(self.topic, self.partition, self.offset)

    def header(self, name: str) -> str | None:
        for k, v in reversed(self.headers):  # the last one wins, as the chassis appends dlq_*
            if k == name:
                return v.decode("utf-8", errors="replace")
        return None

    @property
    def original_topic(self) -> str | None:
        return self.header("dlq_topic") or None

    @property
    def original_partition(self) -> int | None:
        return _int(self.header("dlq_partition"))

    @property
    def original_offset(self) -> int | None:
        return _int(self.header("dlq_offset"))

    @property
    def reason(self) -> str:
        return self.header("dlq_reason") or ""

    @property
    def consumer(self) -> str | None:
        return self.header("dlq_consumer")

    @property
    def attempts(self) -> int | None:
        return _int(self.header("dlq_attempts"))

    @property
    def time(self) -> datetime | None:
        text = self.header("dlq_time")
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
        except ValueError:
            return None

    @property
    def original_headers(self) -> list[tuple[str, bytes]]:
        """The headers the record had before it was dead-lettered (every dlq_* dropped)."""
        return [(k, v) for k, v in self.headers if not k.startswith(DLQ_HEADER_PREFIX)]

    @property
    def envelope(self) -> Envelope | None:
        return decode(self.original_headers, self.value)

    def identity(self) -> tuple[str, ...]:
        """What makes two dead letters "the same": the event id, else the original coordinates."""
        envelope = self.envelope
        if envelope is not None:
            return ("event", str(envelope.id))
        if self.original_topic is not None:
            return ("record", self.original_topic, str(self.original_partition), str(self.original_offset))
        return ("dlq", self.topic, str(self.partition), str(self.offset))


def group_of(dlq_topic: str) -> str:
    """The consumer group whose dead letters a `unionfed.dlq.<group>` topic holds."""
    return dlq_topic.removeprefix(DLQ_PREFIX)


def letter_key(letter: StoredDeadLetter) -> str:
    """A dead letter's identity in the replay records: its group and place on the DLQ topic."""
    return letter.position.key
