"""The live stream: a page with the filter form and a table fed by server-sent events, a JSON
page of the filtered events, one event, and the export of the filtered set as JSON lines.

The live stream reads the console's index (never the broker): it starts after the newest row
(or after `after` / `Last-Event-ID`), sends matching rows in id order with the row id as the
SSE id, and waits for the indexer's notification (or a short poll) when it has caught up. A
client that reconnects with its last id misses nothing and gets nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse, ServerSentEvent
from unionfed_chassis.auth import Principal
from unionfed_chassis.errors import NotFound
from unionfed_chassis.http import RuntimeDep
from unionfed_chassis.runtime import Runtime

from console.adapters import event_queries
from console.adapters.event_bell import bell_for
from console.domain.filters import EventFilter
from console.domain.stored import StoredEvent
from console.entrypoints.http.access import READ, Allow
from console.entrypoints.http.pages import TEMPLATES, render
from console.entrypoints.http.shown import EventOut, event_out, may_see, scoped_filter

router = APIRouter(tags=["events"])

FilterDep = Annotated[EventFilter, Depends(scoped_filter)]
PAGE_ROWS = 100
STREAM_BATCH = 200
# Rows a request may look at for a jq expression before it answers with what it found so far.
SCAN_LIMIT = 20_000
EXPORT_DEFAULT = 10_000
EXPORT_MAX = 100_000
EXPORT_SCAN_LIMIT = 1_000_000
PING_SECONDS = 15
MAX_ROW_ID = 2**63 - 1  # the index's bigint: a larger number is no row, not a database error
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Row id in the console's index")]


class EventPage(BaseModel):
    items: list[EventOut]
    next_before: int | None = Field(description="Pass as `before` for the next (older) page; null at the end")
    scanned: int = Field(description="Index rows looked at (a jq filter may scan more rows than it returns)")


@router.get("/api/events")
async def list_events(
    runtime: RuntimeDep,
    event_filter: FilterDep,
    before: Annotated[
        int | None,
        Query(ge=1, le=MAX_ROW_ID, description="Only rows below this id (the previous page's next_before)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> EventPage:
    """Indexed events matching the filter, newest first."""
    async with runtime.engine.connect() as conn:
        found = await event_queries.find(
            conn, event_filter, cursor=before, limit=limit, scan_limit=SCAN_LIMIT, newest_first=True
        )
    return EventPage(
        items=[event_out(e) for e in found.events],
        next_before=found.cursor if found.more else None,
        scanned=found.scanned,
    )


@router.get("/api/events/stream", response_class=EventSourceResponse)
async def stream_events(
    runtime: RuntimeDep,
    event_filter: FilterDep,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_ROW_ID, description="Start after this row id (default: the newest)")
    ] = None,
    view: Annotated[
        Literal["json", "html"], Query(description="Each event as JSON, or as a table row")
    ] = "json",
    last_event_id: Annotated[str | None, Header()] = None,
) -> EventSourceResponse:
    """Server-sent events: every new indexed event matching the filter, as it is indexed."""
    resumed = _row_id(last_event_id)
    start = max(n for n in (after, resumed, -1) if n is not None)
    if start < 0:
        async with runtime.engine.connect() as conn:
            start = await event_queries.newest_id(conn)
    return EventSourceResponse(_live(runtime, event_filter, start, view), ping=PING_SECONDS)


def _row_id(text: str | None) -> int | None:
    """The browser's `Last-Event-ID` as a row id; anything else is ignored (it is only a hint)."""
    if text and len(text) <= 19 and text.isascii() and text.isdigit() and int(text) <= MAX_ROW_ID:
        return int(text)
    return None


async def _live(
    runtime: Runtime, event_filter: EventFilter, cursor: int, view: str
) -> AsyncIterator[ServerSentEvent]:
    bell = bell_for(runtime.settings.asyncpg_dsn)
    while True:
        armed = bell.armed()
        async with runtime.engine.connect() as conn:
            found = await event_queries.find(
                conn,
                event_filter,
                cursor=cursor,
                limit=STREAM_BATCH,
                scan_limit=SCAN_LIMIT,
                newest_first=False,
            )
        cursor = found.cursor if found.cursor is not None else cursor
        for e in found.events:
            shown = event_out(e)
            data = row_html(shown) if view == "html" else shown.model_dump_json()
            yield ServerSentEvent(data=data, id=str(e.id))
        if not found.more:
            await bell.wait(armed)


def row_html(event: EventOut) -> str:
    return TEMPLATES.get_template("_event_row.html").render(e=event)


@router.get("/api/events/export")
async def export_events(
    runtime: RuntimeDep,
    event_filter: FilterDep,
    limit: Annotated[int, Query(ge=1, le=EXPORT_MAX, description="At most this many lines")] = EXPORT_DEFAULT,
    before: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID, description="Only rows below this id")] = None,
) -> StreamingResponse:
    """The filtered events as JSON lines (newest first, at most `limit`), streamed as a file."""
    name = f"unionfed-events-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.jsonl"
    return StreamingResponse(
        _export_lines(runtime, event_filter, limit, before),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _export_lines(
    runtime: Runtime, event_filter: EventFilter, limit: int, cursor: int | None
) -> AsyncIterator[str]:
    sent = scanned = 0
    while sent < limit and scanned < EXPORT_SCAN_LIMIT:
        # A connection per batch: a slow download does not hold one of the pool's connections.
        async with runtime.engine.connect() as conn:
            found = await event_queries.find(
                conn,
                event_filter,
                cursor=cursor,
                limit=min(1000, limit - sent),
                scan_limit=SCAN_LIMIT,
                newest_first=True,
            )
        yield "".join(event_out(e).model_dump_json() + "\n" for e in found.events)
        sent += len(found.events)
        scanned += found.scanned
        cursor = found.cursor
        if not found.more:
            return


@router.get("/api/events/{event_row_id}")
async def get_event(
    runtime: RuntimeDep,
    principal: Annotated[Principal, Allow("events", READ)],
    event_row_id: RowId,
) -> EventOut:
    """One indexed event, whole (masked payload and headers)."""
    return event_out(await _visible_event(runtime, principal, event_row_id))


async def _visible_event(runtime: Runtime, principal: Principal, event_row_id: int) -> StoredEvent:
    async with runtime.engine.connect() as conn:
        event = await event_queries.one(conn, event_row_id)
    if event is None or not may_see(principal, event):  # another district's: as if absent
        raise NotFound("event")
    return event


@router.get("/stream", include_in_schema=False)
async def stream_page(
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Allow("events", READ)],
    event_filter: FilterDep,
) -> HTMLResponse:
    async with runtime.engine.connect() as conn:
        newest = await event_queries.newest_id(conn)
        found = await event_queries.find(
            conn, event_filter, cursor=newest + 1, limit=PAGE_ROWS, scan_limit=SCAN_LIMIT, newest_first=True
        )
    query = event_filter.query_items()
    return render(
        request,
        "stream.html",
        principal,
        page="stream",
        events=[event_out(e) for e in found.events],
        event_filter=event_filter,
        stream_query=[*query, ("after", str(newest)), ("view", "html")],
        export_query=query,
    )


@router.get("/stream/events/{event_row_id}", include_in_schema=False)
async def event_detail(
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Allow("events", READ)],
    event_row_id: RowId,
) -> HTMLResponse:
    event = event_out(await _visible_event(runtime, principal, event_row_id))
    return render(
        request,
        "_event_detail.html",
        principal,
        page="stream",
        e=event,
        payload=json.dumps(event.payload, indent=2, ensure_ascii=False),
        headers=json.dumps(event.headers, indent=2, ensure_ascii=False),
    )
