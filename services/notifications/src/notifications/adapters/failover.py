"""Several providers for one channel, tried in order, each behind a circuit breaker.

A provider that failed `threshold` times in a row (retryable failures: it is down or refusing) is
skipped for `cooldown` seconds, so messages go straight to the next provider instead of each
waiting for the first to time out; after the cooldown it is tried again, and one success closes
its breaker. A non-retryable failure (the provider says the message itself is wrong: a malformed
number) is the message's fault: it is returned at once, no other provider is asked, and the
breaker does not count it. Breakers live in the process: each replica learns on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

from notifications.domain.model import Channel, Outgoing, SendResult


class Provider(Protocol):
    """One way out for a channel (an SMTP server, an SMS gateway). Never raises for a failed send."""

    name: str

    async def send(self, message: Outgoing) -> SendResult: ...

    async def close(self) -> None: ...


class CircuitBreaker:
    def __init__(self, threshold: int, cooldown: float) -> None:
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        self.threshold = threshold
        self.cooldown = cooldown
        self.failures = 0
        self._opened_at: float | None = None

    def available(self, now: float) -> bool:
        """Closed, or open for longer than the cooldown (then one more try: half-open)."""
        return self._opened_at is None or now - self._opened_at >= self.cooldown

    def record_success(self) -> None:
        self.failures = 0
        self._opened_at = None

    def record_failure(self, now: float) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self._opened_at = now  # (re)opens: a failed half-open try waits a whole cooldown again


class FailoverSender:
    """A `ChannelSender` over ordered providers; the SendResult names the provider that delivered
    (or the last one tried)."""

    def __init__(
        self,
        channel: Channel,
        providers: Sequence[Provider],
        threshold: int,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not providers:
            raise ValueError("at least one provider")
        self.channel = channel
        self.providers = list(providers)
        self.breakers = {p.name: CircuitBreaker(threshold, cooldown) for p in self.providers}
        self._clock = clock

    async def send(self, message: Outgoing) -> SendResult:
        last: SendResult | None = None
        for provider in self.providers:
            breaker = self.breakers[provider.name]
            if not breaker.available(self._clock()):
                continue
            result = await provider.send(message)
            if result.delivered:
                breaker.record_success()
                return result
            if not result.retryable:
                return result
            breaker.record_failure(self._clock())
            last = result
        return last or SendResult(
            delivered=False, error=f"every {self.channel.value} provider is cooling down", retryable=True
        )

    async def close(self) -> None:
        for provider in self.providers:
            await provider.close()


class NoProvider:
    """The channel when no provider is configured: every message fails, not retryable, with a reason
    that says what to configure. Never pretends to deliver."""

    def __init__(self, channel: Channel, setting: str) -> None:
        self.channel = channel
        self._reason = f"no {channel.value} provider configured ({setting})"

    async def send(self, message: Outgoing) -> SendResult:
        return SendResult(delivered=False, error=self._reason, retryable=False)

    async def close(self) -> None:
        return None
