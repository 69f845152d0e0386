"""Request and answer shapes of the dead-letters API, and how a letter or an outcome becomes one."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError
from unionfed_chassis.dead_letter_replay import ReplayOutcome
from unionfed_chassis.inputs import Reason, ShortText

from console.domain.dead_letters import ShownLetter

MAX_SHOWN = 500  # the page and a filter's redrive: beyond this, narrow the filter
DLQ_TOPIC_PATTERN = r"^unionfed\.dlq\.[A-Za-z0-9._-]{1,200}$"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "say why: the reason is recorded with the redrive")
    return value.strip()


class LetterPosition(BaseModel):
    topic: str = Field(pattern=DLQ_TOPIC_PATTERN, max_length=213, description="The DLQ topic")
    partition: int = Field(ge=0, le=100_000)
    offset: int = Field(ge=0, le=2**62)


class LetterFilter(BaseModel):
    group: ShortText | None = None
    reason: ShortText | None = Field(None, description="Text in the dead-letter reason")
    origin_topic: ShortText | None = Field(None, description="Text in the topic the record came from")


class RedriveRequest(BaseModel):
    reason: Annotated[Reason, AfterValidator(_not_blank)] = Field(
        description="Why (recorded with the redrive, e.g. the fix that was deployed)"
    )
    positions: list[LetterPosition] | None = Field(None, min_length=1, max_length=MAX_SHOWN)
    filter: LetterFilter | None = Field(None, description="Every letter matching it (instead of positions)")


class LetterOut(BaseModel):
    position: str
    group: str
    topic: str
    partition: int
    offset: int
    type: str | None
    event_id: str | None
    reason: str
    origin: str
    attempts: str
    dead_lettered_at: str | None
    payload: object
    redriven_by: str | None
    redriven_at: str | None
    redrive_reason: str | None


class LettersOut(BaseModel):
    items: list[LetterOut]
    total: int = Field(description="Matching letters (at most the first MAX_SHOWN are listed)")


class RedriveResult(BaseModel):
    position: str
    group: str
    outcome: str
    event_id: str | None
    earlier_by: str | None = None
    earlier_at: str | None = None
    earlier_reason: str | None = None
    same_event_as: str | None = None


class RedriveAnswer(BaseModel):
    replayed: int
    results: list[RedriveResult]


def letter_out(letter: ShownLetter) -> LetterOut:
    r = letter.redrive
    at = letter.dead_lettered_at
    return LetterOut(
        position=letter.position,
        group=letter.group,
        topic=letter.topic,
        partition=letter.partition,
        offset=letter.offset,
        type=letter.type,
        event_id=letter.event_id,
        reason=letter.reason,
        origin=letter.origin,
        attempts=letter.attempts,
        dead_lettered_at=at.isoformat() if at else None,
        payload=letter.payload,
        redriven_by=r.by if r else None,
        redriven_at=r.at if r else None,
        redrive_reason=r.reason if r else None,
    )


def redrive_result(o: ReplayOutcome) -> RedriveResult:
    earlier = o.earlier
    return RedriveResult(
        position=f"{o.position.topic}/{o.position.partition}/{o.position.offset}",
        group=o.position.group,
        outcome=str(o.outcome),
        event_id=o.event_id,
        earlier_by=earlier.by if earlier else None,
        earlier_at=earlier.at if earlier else None,
        earlier_reason=earlier.reason if earlier else None,
        same_event_as=o.same_event_as,
    )
