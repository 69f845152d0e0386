"""The member timeline: every event about one member across services, in time order, each under
the event that caused it, with its correlation and causation ids. Searchable by member id or card
number (`member_cards`, from MemberJoined). Read from the console's index through its
(member_id, id) index; a district officer sees only their district's events of the member."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from unionfed_chassis.auth import Principal
from unionfed_chassis.errors import NotFound
from unionfed_chassis.http import RuntimeDep
from unionfed_chassis.inputs import ShortText, text
from unionfed_chassis.runtime import Runtime

from console.adapters import event_queries
from console.domain.timeline import TimelineEntry, thread
from console.entrypoints.http.access import READ, Allow
from console.entrypoints.http.pages import render
from console.entrypoints.http.shown import EventOut, event_out

router = APIRouter(tags=["members"])

MemberId = Annotated[
    str, Path(description="The member's id (the subject of membership's events)"), text(100, min_length=1)
]


class TimelineEventOut(EventOut):
    depth: int = Field(description="How many causes above it are in this timeline (0: none)")
    caused_by: str | None = Field(description="Event id of its cause, when that event is in this timeline")


class Timeline(BaseModel):
    member_id: str
    events: list[TimelineEventOut]
    truncated: bool = Field(description="True when the member has more events than one timeline shows")


class CardOwner(BaseModel):
    card_no: str
    member_id: str


def _entry_out(entry: TimelineEntry) -> TimelineEventOut:
    shown = event_out(entry.event)
    return TimelineEventOut(**shown.model_dump(), depth=entry.depth, caused_by=entry.caused_by)


async def _timeline(runtime: Runtime, principal: Principal, member_id: str) -> Timeline:
    district = None if principal.is_federation_wide else principal.district
    async with runtime.engine.connect() as conn:
        events = await event_queries.member_events(conn, member_id, district)
    truncated = len(events) >= event_queries.TIMELINE_LIMIT
    return Timeline(member_id=member_id, events=[_entry_out(e) for e in thread(events)], truncated=truncated)


@router.get("/api/members/{member_id}/timeline")
async def member_timeline(
    runtime: RuntimeDep, principal: Annotated[Principal, Allow("events", READ)], member_id: MemberId
) -> Timeline:
    """Every indexed event about the member, threaded by causation (a district officer: their
    district's events only)."""
    return await _timeline(runtime, principal, member_id)


@router.get("/api/members/by-card/{card_no}")
async def member_by_card(
    runtime: RuntimeDep,
    _: Annotated[Principal, Allow("events", READ)],
    card_no: Annotated[str, Path(), text(100, min_length=1)],
) -> CardOwner:
    """The member a card number was given to (from their MemberJoined)."""
    async with runtime.engine.connect() as conn:
        member_id = await event_queries.member_of_card(conn, card_no)
    if member_id is None:
        raise NotFound("card")
    return CardOwner(card_no=card_no, member_id=member_id)


@router.get("/members", include_in_schema=False)
async def members_page(
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Allow("events", READ)],
    q: ShortText | None = None,
) -> Response:
    query = (q or "").strip()
    if query:
        async with runtime.engine.connect() as conn:
            member_id = await event_queries.member_of_card(conn, query) or query
        return RedirectResponse(f"/members/{quote(member_id, safe='')}", status_code=303)
    return render(request, "members.html", principal, page="members", timeline=None, q="")


@router.get("/members/{member_id}", include_in_schema=False)
async def member_page(
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Allow("events", READ)],
    member_id: MemberId,
) -> HTMLResponse:
    timeline = await _timeline(runtime, principal, member_id)
    return render(request, "members.html", principal, page="members", timeline=timeline, q=member_id)
