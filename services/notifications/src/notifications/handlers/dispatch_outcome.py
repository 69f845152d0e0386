"""What a dispatcher round's attempts come to: the row's new values, the delivery log's row, the
event, the counters. Shared by the round's recording step (`handlers/dispatch.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from prometheus_client import Counter, Histogram
from unionfed_chassis.db import UnitOfWork
from unionfed_events.notifications import NotificationDelivered, NotificationFailed

from notifications.adapters.dispatch_store import Claimed
from notifications.domain.delivery import Decision, Verdict
from notifications.domain.model import Channel, SendResult

SENT = Counter("unionfed_notifications_sent_total", "Messages delivered", ["channel", "provider"])
FAILED = Counter(
    "unionfed_notifications_failed_total", "Failed delivery attempts", ["channel", "provider", "final"]
)
ATTEMPT_SECONDS = Histogram(
    "unionfed_notifications_attempt_seconds",
    "Time of one delivery attempt",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


@dataclass(frozen=True)
class Attempted:
    claimed: Claimed
    result: SendResult
    duration_ms: int


@dataclass
class RoundResult:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    lost: int = 0  # outcomes not recorded: the lease ran out first
    deferred: int = 0  # claimed but not sent: half the lease had passed (sent after the lease)
    full: bool = False


def utcnow() -> datetime:
    return datetime.now(UTC)


def failure_values(decision: Decision, result: SendResult) -> dict[str, Any]:
    values: dict[str, Any] = {
        "attempts": decision.attempts,
        "provider": result.provider,
        "last_error": result.error,
    }
    if decision.verdict == Verdict.RETRY:
        return values | {"next_attempt_at": decision.next_attempt_at}
    return values | {"status": "failed"}


def attempt_row(a: Attempted, decision: Decision) -> dict[str, Any]:
    return {
        "notification_id": a.claimed.notification_id,
        "attempt": decision.attempts,
        "channel": a.claimed.channel,
        "provider": a.result.provider,
        "subscription_id": UUID(a.claimed.recipient_id) if a.claimed.channel == Channel.WEBHOOK else None,
        "outcome": "delivered" if a.result.delivered else "failed",
        "status_code": a.result.status_code,
        "error": a.result.error,
        "duration_ms": a.duration_ms,
    }


def emit(uow: UnitOfWork, a: Attempted, decision: Decision) -> None:
    c = a.claimed
    common: dict[str, Any] = {
        "notification_id": c.notification_id,
        "recipient_id": c.recipient_id,
        "channel": Channel(c.channel),
        "template": c.template,
        "caused_by": c.caused_by,
        "attempts": decision.attempts,
        "provider": a.result.provider,
    }
    if decision.verdict == Verdict.DELIVERED:
        uow.emit(NotificationDelivered(**common, delivered_at=utcnow()), district=c.district)
    else:
        final = decision.verdict == Verdict.FAILED
        reason = a.result.error or "failed"
        uow.emit(NotificationFailed(**common, reason=reason, dead_lettered=final), district=c.district)


def count(outcome: RoundResult, a: Attempted, decision: Decision) -> None:
    channel, provider = a.claimed.channel, a.result.provider or "none"
    if decision.verdict == Verdict.DELIVERED:
        outcome.delivered += 1
        SENT.labels(channel=channel, provider=provider).inc()
        return
    final = decision.verdict == Verdict.FAILED
    if final:
        outcome.failed += 1
    else:
        outcome.retried += 1
    FAILED.labels(channel=channel, provider=provider, final=str(final).lower()).inc()
