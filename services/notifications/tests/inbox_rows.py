"""In-app rows written the way planning writes them (a `contents` row, then `delivered` in-app
`notifications` rows), each call in its own transaction: what the inbox tests read."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from notifications.adapters.orm import contents, notifications
from sqlalchemy.ext.asyncio import AsyncEngine

WELCOME = {"branch_name": "测试支部工会", "card_number": "T-000001"}


async def deliver_in_app(
    engine: AsyncEngine,
    recipient_ids: list[str],
    *,
    kind: str = "member",
    category: str = "account",
    critical: bool = False,
    channel: str = "in_app",
    status: str = "delivered",
    template: str = "welcome",
    params: dict[str, Any] | None = None,
) -> list[uuid.UUID]:
    """One event's content for `recipient_ids`, one statement inserting their rows; their ids."""
    content_id, caused_by = uuid.uuid4(), uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            contents.insert().values(
                content_id=content_id,
                caused_by=caused_by,
                caused_type="unionfed.membership.MemberJoined",
                template=template,
                category=category,
                critical=critical,
                params=WELCOME if params is None else params,
            )
        )
        rows = [
            {
                "content_id": content_id,
                "caused_by": caused_by,
                "recipient_kind": kind,
                "recipient_id": rid,
                "channel": channel,
                "status": status,
                "priority": 1,
                "delivered_at": sa.func.now() if status == "delivered" else None,
            }
            for rid in recipient_ids
        ]
        result = await conn.execute(
            notifications.insert().values(rows).returning(notifications.c.notification_id)
        )
        return [r.notification_id for r in result]
