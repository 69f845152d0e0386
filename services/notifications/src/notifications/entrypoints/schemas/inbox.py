"""Response models of the in-app inbox."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field
from unionfed_chassis.routes import Public


class InboxItem(Public):
    """One message, rendered in the reader's language when it is read."""

    notification_id: UUID
    event_type: str = Field(description="The CloudEvents type of the event it tells about")
    category: str
    critical: bool = Field(description="About the reader's own case: sent whatever the preferences")
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class UnreadCount(Public):
    unread: int


class MarkedRead(Public):
    notification_id: UUID
    read_at: datetime


class AllMarkedRead(Public):
    marked: int = Field(description="Items that were unread")
