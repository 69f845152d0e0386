"""What the notifications service deals in, plain Python: who a message is for, what it says once
rendered, and what a channel answered. Every part of the pipeline (planning, dispatch, channels,
the inbox) speaks these types."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Protocol
from uuid import UUID

from unionfed_events.notifications import Channel

__all__ = [
    "Category",
    "Channel",
    "ChannelSender",
    "Outgoing",
    "Priority",
    "RecipientKind",
    "Rendered",
    "SendResult",
]


class Category(StrEnum):
    """What a message is about; preferences choose channels per category."""

    ACCOUNT = "account"  # joining, transfer, leaving
    AID = "aid"  # the member's own aid cases
    CAMPAIGN = "campaign"  # invitations, enrolments, honours
    ALERT = "alert"  # officers: applications to decide, escalations
    DIGEST = "digest"  # officers: the hourly or daily summary of alerts
    WEBHOOK = "webhook"  # branch systems' subscriptions (no preferences: they chose event types)


class Priority(IntEnum):
    """Order in which the dispatcher takes due messages: a decision before a welcome before a
    campaign's fan-out, so a large fan-out never holds up one person's message."""

    CRITICAL = 0
    PERSONAL = 1
    BULK = 2


class RecipientKind(StrEnum):
    MEMBER = "member"
    OFFICER = "officer"
    SUBSCRIPTION = "subscription"  # a branch system's webhook endpoint


@dataclass(frozen=True)
class Rendered:
    """A message in the recipient's language: subject (e-mail, inbox title), plain text (SMS,
    e-mail, inbox), HTML (e-mail)."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Outgoing:
    """One message on its way out of one channel. `address` is the opened contact point (e-mail
    address, phone number, webhook URL): never log it."""

    notification_id: UUID
    channel: Channel
    address: str
    rendered: Rendered
    attempt: int


@dataclass(frozen=True)
class SendResult:
    """What one attempt came to: `provider` that took it (or tried last), the response code if the
    channel has one, the error (no personal data) if it failed, and whether retrying can help."""

    delivered: bool
    provider: str | None = None
    status_code: int | None = None
    error: str | None = None
    retryable: bool = True


class ChannelSender(Protocol):
    """A channel's way out (SMTP, an SMS gateway over HTTP, webhooks). Never raises for a failed
    delivery: it returns a SendResult that says why."""

    channel: Channel

    async def send(self, message: Outgoing) -> SendResult: ...
