"""Routes of the in-app inbox: one's own messages (member or officer token), keyed by the token's
subject. Someone else's notification id is a 404, like an id that does not exist: the answer
never tells whether it does."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import anyio
from fastapi import APIRouter, Query, Request
from sse_starlette import EventSourceResponse
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import RuntimeDep, UowDep
from unionfed_chassis.routes import Page, PageNo, PageSize

from notifications.adapters import inbox_queries as q
from notifications.domain.errors import NotFound
from notifications.domain.model import Category
from notifications.entrypoints.http._inbox_view import render_items
from notifications.entrypoints.http._me import recipient_of
from notifications.entrypoints.http.access import READ, WRITE, Allow
from notifications.entrypoints.http.inbox_stream import (
    HEARTBEAT_SECONDS,
    SHUTDOWN_GRACE_SECONDS,
    inbox_events,
)
from notifications.entrypoints.schemas import inbox as s

InboxReader = Annotated[Principal, Allow("inbox", READ)]
InboxWriter = Annotated[Principal, Allow("inbox", WRITE)]

router = APIRouter(tags=["inbox"])


@router.get("/me/inbox", response_model=Page[s.InboxItem])
async def my_inbox(
    uow: UowDep,
    principal: InboxReader,
    unread: Annotated[bool, Query(description="Only messages not read yet")] = False,
    category: Category | None = None,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> Any:
    """One's in-app messages, newest first, rendered in one's language."""
    kind, recipient_id = recipient_of(principal)
    rows, total = await q.page(
        uow.session, kind, recipient_id, page, page_size, unread_only=unread, category=category
    )
    items = await render_items(uow.session, kind, recipient_id, rows)
    return {"items": items, "total": total, "page": page, "page_size": page_size}


@router.get("/me/inbox/unread-count", response_model=s.UnreadCount)
async def my_unread_count(uow: UowDep, principal: InboxReader) -> Any:
    """How many of one's in-app messages are unread (the badge)."""
    kind, recipient_id = recipient_of(principal)
    return {"unread": await q.unread_count(uow.session, kind, recipient_id)}


@router.post("/me/inbox/read-all", response_model=s.AllMarkedRead)
async def mark_all_read(uow: UowDep, principal: InboxWriter) -> Any:
    """Mark every unread message read."""
    kind, recipient_id = recipient_of(principal)
    marked = await q.mark_all_read(uow.session, kind, recipient_id)
    await uow.commit()
    return {"marked": marked}


@router.post("/me/inbox/{notification_id}/read", response_model=s.MarkedRead)
async def mark_read(notification_id: UUID, uow: UowDep, principal: InboxWriter) -> Any:
    """Mark one message read (again is harmless: the first reading's time stays)."""
    kind, recipient_id = recipient_of(principal)
    read_at = await q.mark_read(uow.session, kind, recipient_id, notification_id)
    if read_at is None:
        raise NotFound("notification")
    await uow.commit()
    return {"notification_id": notification_id, "read_at": read_at}


@router.get(
    "/me/inbox/stream",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}},
)
async def my_inbox_stream(
    request: Request, runtime: RuntimeDep, principal: InboxReader
) -> EventSourceResponse:
    """Live inbox (server-sent events): `unread` with the count on connect, then `notification`
    with each new message (an `InboxItem`) followed by `unread`; a comment line every
    15 seconds keeps proxies from closing it. Holds no database connection between events."""
    kind, recipient_id = recipient_of(principal)
    shutdown = anyio.Event()
    events = inbox_events(runtime, request.app.state.inbox_listener, kind, recipient_id, shutdown)
    return EventSourceResponse(
        events, ping=HEARTBEAT_SECONDS, shutdown_event=shutdown, shutdown_grace_period=SHUTDOWN_GRACE_SECONDS
    )
