"""Notification domain events: the outcome of delivering a notification to a member or officer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from .base import Event

DOMAIN = "notifications"


class Channel(StrEnum):
    """Delivery channel of a notification."""

    IN_APP = "in_app"
    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"


class NotificationDelivered(Event):
    """A notification reached its recipient's channel."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "NotificationDelivered"

    notification_id: UUID = Field(description="Id of the notification.")
    recipient_id: str = Field(min_length=1, description="Member id, officer id or webhook subscriber id.")
    channel: Channel = Field(description="Channel it was delivered through.")
    template: str = Field(min_length=1, description="Id of the message template used.")
    caused_by: UUID = Field(description="Id (`ce_id`) of the event that caused the notification.")
    delivered_at: datetime = Field(description="When the channel accepted the notification.")
    attempts: int = Field(ge=1, description="Delivery attempts it took.")
    provider: str | None = Field(
        default=None, description="Which provider of the channel delivered it (e-mail, SMS failover)."
    )

    def subject(self) -> str:
        return str(self.notification_id)


class NotificationFailed(Event):
    """Delivering a notification failed; after the last attempt it is dead-lettered."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "NotificationFailed"

    notification_id: UUID = Field(description="Id of the notification.")
    recipient_id: str = Field(min_length=1, description="Member id, officer id or webhook subscriber id.")
    channel: Channel = Field(description="Channel the delivery was tried on.")
    template: str = Field(min_length=1, description="Id of the message template used.")
    caused_by: UUID = Field(description="Id (`ce_id`) of the event that caused the notification.")
    reason: str = Field(description="Why the last attempt failed (no personal data).")
    attempts: int = Field(ge=1, description="Delivery attempts made so far.")
    dead_lettered: bool = Field(description="True if no further attempt will be made.")
    provider: str | None = Field(default=None, description="Provider of the last attempt, if any.")

    def subject(self) -> str:
        return str(self.notification_id)


class AudienceNotified(Event):
    """One chunk of a campaign's audience (an `AudienceTargeted` event) was notified on one channel:
    one summary instead of one `NotificationDelivered` per member of a 100,000-member fan-out."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AudienceNotified"

    campaign_id: UUID = Field(description="Id of the campaign.")
    district: str = Field(description="District of the chunk's members.")
    chunk: int = Field(ge=1, description="Number of the `AudienceTargeted` chunk in its district.")
    channel: Channel = Field(description="Channel of the notifications.")
    notified: int = Field(ge=0, description="Members of the chunk notified on this channel.")
    skipped: int = Field(ge=0, description="Members skipped: opted out, unreachable or erased.")
    caused_by: UUID = Field(description="Id (`ce_id`) of the `AudienceTargeted` event.")

    def subject(self) -> str:
        return str(self.campaign_id)


EVENTS: list[type[Event]] = [NotificationDelivered, NotificationFailed, AudienceNotified]
