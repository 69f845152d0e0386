"""Dead letters as the console shows them: one indexed record of a `unionfed.dlq.<group>` topic
(its `dlq_*` headers say why and where from; the index keeps them masked), with whether and how it
was redriven. Plain Python: the page and the API both render these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from unionfed_events import topics
from unionfed_events.display import short_type

DLQ_PREFIX = topics.dead_letter("")


@dataclass(frozen=True)
class LetterQuery:
    """What an operator narrows the dead letters to; `district` is the caller's scope (a district
    officer sees only letters whose origin topic is in their district), never a user's filter."""

    group: str | None = None
    reason: str | None = None
    origin_topic: str | None = None
    district: str | None = None


@dataclass(frozen=True)
class Redrive:
    """The latest redrive of a letter: by the console (with a reason and an outcome) or, seen in
    the index of `unionfed.dlq-replays`, by `unionfed dlq replay` (reason only if given)."""

    by: str
    at: str
    reason: str | None
    outcome: str


@dataclass(frozen=True)
class ShownLetter:
    topic: str
    partition: int
    offset: int
    type: str | None
    event_id: str | None
    headers: dict[str, str]
    payload: Any
    redrive: Redrive | None

    @property
    def group(self) -> str:
        return self.topic.removeprefix(DLQ_PREFIX)

    @property
    def short_type(self) -> str:
        return short_type(self.type) if self.type else "(not a CloudEvent)"

    @property
    def reason(self) -> str:
        return self.headers.get("dlq_reason", "")

    @property
    def origin_topic(self) -> str:
        return self.headers.get("dlq_topic", "?")

    @property
    def origin(self) -> str:
        """Where the record came from: `topic partition/offset`."""
        h = self.headers
        return f"{h.get('dlq_topic', '?')} {h.get('dlq_partition', '?')}/{h.get('dlq_offset', '?')}"

    @property
    def attempts(self) -> str:
        return self.headers.get("dlq_attempts", "-")

    @property
    def dead_lettered_at(self) -> datetime | None:
        text = self.headers.get("dlq_time")
        try:
            return datetime.fromisoformat(text) if text else None
        except ValueError:
            return None

    @property
    def position(self) -> str:
        """The id the page and the API use for one letter: `<dlq topic>/<partition>/<offset>`."""
        return f"{self.topic}/{self.partition}/{self.offset}"
