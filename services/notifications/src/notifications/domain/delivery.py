"""What one delivery attempt leads to, plain Python: the retry policy (exponential backoff with
jitter, a bounded number of attempts) and the per-channel rate limit (a token bucket). Times are
passed in, so the rules are tested without clocks or sleeps."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from notifications.domain.model import SendResult

UNREACHABLE = "unreachable"
# A member's contact points have not arrived (yet): retried like a busy provider, and after the
# last attempt the message fails with this reason (the member gave no phone or e-mail at all).
CONTACT_NOT_YET_KNOWN = "contact points not received"


class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"  # no further attempt: dead-lettered


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    attempts: int  # attempts made, this one included
    next_attempt_at: datetime | None = None  # for RETRY


@dataclass(frozen=True)
class RetryPolicy:
    """`max_attempts` tries per message; the wait after attempt n is `base * 2**(n-1)`, capped at
    `cap`, then spread by up to ±`jitter` of itself so that messages which failed together (a
    provider outage) do not all come back in the same second."""

    max_attempts: int = 5
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")

    def backoff(self, attempt: int, rng: random.Random | None = None) -> timedelta:
        """The wait after failed attempt number `attempt` (1-based)."""
        raw = min(self.base * (2 ** max(attempt - 1, 0)), self.cap)
        spread = (rng or random).uniform(-self.jitter, self.jitter)
        return raw * (1 + spread)

    def decide(
        self, result: SendResult, attempts_before: int, now: datetime, rng: random.Random | None = None
    ) -> Decision:
        """Delivered; retried later when the failure is retryable and attempts remain; else failed."""
        attempts = attempts_before + 1
        if result.delivered:
            return Decision(Verdict.DELIVERED, attempts)
        if result.retryable and attempts < self.max_attempts:
            return Decision(Verdict.RETRY, attempts, now + self.backoff(attempts, rng))
        return Decision(Verdict.FAILED, attempts)


class TokenBucket:
    """At most `rate` sends per second on average, bursts up to `burst`. `take(now)` returns how
    long to wait before the send may go (0 if at once) and reserves its token, so concurrent
    senders queue up fairly instead of all waking at the same instant."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._at = now

    def take(self, now: float) -> float:
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate
