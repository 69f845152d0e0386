"""How indexed events leave the console (JSON API, table rows, export lines) and the filter every
events route takes from its query, scoped to the caller.

The index holds payloads already masked; they are masked again on the way out (the indexer's
`mask_json`: by field name, and national-ID and phone-number patterns in any text), so a row
written before a masking rule existed never reaches a screen or an export file unmasked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from unionfed_chassis.auth import Principal
from unionfed_chassis.inputs import ShortText, text
from unionfed_chassis.routes import BranchFilter, DistrictFilter, TextFilter, scoped
from unionfed_events.display import key_fields, short_type

from console.domain.decoding import mask_json, mask_value
from console.domain.filters import EventFilter, InvalidFilter, build_filter
from console.domain.jq_filter import MAX_LENGTH as JQ_MAX_LENGTH
from console.domain.stored import StoredEvent
from console.entrypoints.http.access import READ, Allow

_KEY_FIELDS_SKIP = ("member_id", "district", "branch_id")


class EventOut(BaseModel):
    id: int = Field(description="Row id in the console's index: the cursor of pages and streams")
    topic: str
    partition: int
    offset: int
    event_id: str | None
    type: str | None
    short_type: str | None
    service: str | None = Field(description="The producing service (from the source, else the topic)")
    time: datetime | None
    district: str | None
    branch_id: str | None
    subject: str | None
    member_id: str | None
    correlation_id: str | None
    causation_id: str | None
    actor: str | None
    key_fields: list[str] = Field(description="A few short payload fields as name=value, masked")
    headers: dict[str, str]
    payload: Any


def event_out(e: StoredEvent) -> EventOut:
    payload = mask_json(e.payload)
    return EventOut(
        id=e.id,
        topic=e.topic,
        partition=e.partition,
        offset=e.offset,
        event_id=e.event_id,
        type=e.type,
        short_type=short_type(e.type) if e.type else None,
        service=service_of(e),
        time=e.time,
        district=e.district,
        branch_id=e.branch_id,
        subject=e.subject,
        member_id=e.member_id,
        correlation_id=e.correlation_id,
        causation_id=e.causation_id,
        actor=e.actor,
        key_fields=key_fields(payload, skip=_KEY_FIELDS_SKIP),
        headers={name: mask_value(name, str(value)) for name, value in e.headers.items()},
        payload=payload,
    )


def service_of(e: StoredEvent) -> str | None:
    source = e.headers.get("ce_source") or ""
    if source.startswith("/unionfed/"):
        return source.removeprefix("/unionfed/").split("/")[0] or None
    parts = e.topic.split(".")
    return parts[-2] if len(parts) >= 3 and parts[-1] == "events" else None


JqText = Annotated[str, text(JQ_MAX_LENGTH)]


async def scoped_filter(
    principal: Annotated[Principal, Allow("events", READ)],
    type: Annotated[
        list[ShortText],
        Query(description="Event types: short names (MemberJoined) or full CloudEvents types"),
    ] = [],  # noqa: B006 (FastAPI copies query defaults)
    district: DistrictFilter = None,
    branch: BranchFilter = None,
    subject: TextFilter = None,
    correlation: Annotated[ShortText | None, Query(description="Correlation id")] = None,
    header: Annotated[list[ShortText], Query(description="Header filters, each name=value")] = [],  # noqa: B006
    jq: Annotated[JqText | None, Query(description="jq expression over the payload (a subset)")] = None,
) -> EventFilter:
    """The filter of the query; a district officer's is their district (another one: 403)."""
    district, branch = scoped(principal, district, branch)
    try:
        return build_filter(
            types=type,
            district=district,
            branch=branch,
            subject=subject,
            correlation=correlation,
            headers=header,
            jq=jq,
        )
    except InvalidFilter as exc:
        raise RequestValidationError(
            [{"loc": ("query", exc.field), "msg": exc.reason, "type": "value_error"}]
        ) from None


def may_see(principal: Principal, e: StoredEvent) -> bool:
    return principal.is_federation_wide or (e.district is not None and e.district == principal.district)
