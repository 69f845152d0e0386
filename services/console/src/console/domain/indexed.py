"""One record of a unionfed topic as the console keeps it: what it is, where it sits, whom it is
about, and its payload with personal identifiers masked (the index never holds a full national ID
or phone number, whatever the topic carried)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class IndexedEvent:
    topic: str
    partition: int
    offset: int
    # From the CloudEvents headers; None for a record that is not a CloudEvent.
    event_id: str | None
    type: str | None
    time: datetime | None
    district: str | None
    branch_id: str | None
    subject: str | None
    # The member the event is about (the subject of member events, `member_id` in the data of
    # others): the member timeline's key.
    member_id: str | None
    correlation_id: str | None
    causation_id: str | None
    actor: str | None
    # Every header as text (masked), dead letters' dlq_* included.
    headers: dict[str, str] = field(default_factory=dict)
    # The data as JSON, masked; None when it is not JSON.
    payload: Any = None
    # The card number a MemberJoined gave the member (search by card), else None.
    card_no: str | None = None
