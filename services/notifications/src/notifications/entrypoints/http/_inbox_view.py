"""Inbox rows as their reader sees them: rendered at read time, in the reader's language, with
the name the member view has now (so an erased member's old messages no longer carry it)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cache
from typing import Any

from jinja2 import TemplateError
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.adapters import inbox_queries as q
from notifications.adapters import preferences_store
from notifications.adapters.templates import Renderer, UnknownTemplate
from notifications.domain.model import RecipientKind
from notifications.domain.preferences import DEFAULT_LANGUAGE
from notifications.entrypoints.schemas.inbox import InboxItem

log = logging.getLogger("unionfed.notifications.inbox")


@cache
def renderer() -> Renderer:
    return Renderer()


async def render_items(
    session: AsyncSession, kind: RecipientKind, recipient_id: str, rows: Sequence[Any]
) -> list[InboxItem]:
    if not rows:
        return []
    language = (await preferences_store.languages(session, [recipient_id])).get(
        recipient_id, DEFAULT_LANGUAGE
    )
    name = await q.member_name(session, kind, recipient_id)
    return [_item(row, language, name) for row in rows]


def _item(row: Any, language: str, name: str) -> InboxItem:
    try:
        rendered = renderer().render(row.template, language, {**row.params, "name": name})
        title, body = rendered.subject, rendered.text
    except (UnknownTemplate, TemplateError) as exc:
        # A template that no longer fits its stored parameters must not hide the whole inbox:
        # the item stays, titled by its event type. Logged without the parameters.
        log.warning(
            "inbox item %s: template %s failed: %s", row.notification_id, row.template, type(exc).__name__
        )
        title, body = row.caused_type, ""
    return InboxItem(
        notification_id=row.notification_id,
        event_type=row.caused_type,
        category=row.category,
        critical=row.critical,
        title=title,
        body=body,
        created_at=row.created_at,
        read_at=row.read_at,
    )
