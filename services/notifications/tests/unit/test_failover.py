"""Providers of one channel in order, each behind a circuit breaker (hand-written fake providers)."""

from __future__ import annotations

import uuid

import pytest
from notifications.adapters.failover import CircuitBreaker, FailoverSender, NoProvider
from notifications.domain.model import Channel, Outgoing, Rendered, SendResult


class ScriptedProvider:
    def __init__(self, name: str, *results: SendResult) -> None:
        self.name = name
        self._results = list(results)
        self.calls = 0

    async def send(self, message: Outgoing) -> SendResult:
        self.calls += 1
        result = self._results.pop(0) if self._results else SendResult(True, provider=self.name)
        return result

    async def close(self) -> None:
        return None


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def down(name: str) -> SendResult:
    return SendResult(False, provider=name, error="SMTP ConnectionRefusedError")


def message() -> Outgoing:
    return Outgoing(uuid.uuid4(), Channel.EMAIL, "a@example.org", Rendered("s", "t", ""), 1)


def test_a_breaker_opens_after_the_threshold_and_half_opens_after_the_cooldown() -> None:
    breaker = CircuitBreaker(threshold=2, cooldown=30)
    breaker.record_failure(0)
    assert breaker.available(1)
    breaker.record_failure(1)
    assert not breaker.available(2)
    assert breaker.available(31)
    breaker.record_failure(31)  # the half-open try failed: a whole cooldown again
    assert not breaker.available(60)
    assert breaker.available(61)
    breaker.record_success()
    assert breaker.available(61) and breaker.failures == 0


async def test_the_second_provider_delivers_when_the_first_fails_and_is_named() -> None:
    first, second = ScriptedProvider("a", down("a")), ScriptedProvider("b")
    sender = FailoverSender(Channel.EMAIL, [first, second], threshold=3, cooldown=30)
    result = await sender.send(message())
    assert result.delivered and result.provider == "b"
    assert (first.calls, second.calls) == (1, 1)


async def test_a_provider_that_keeps_failing_is_skipped_until_its_cooldown_ends() -> None:
    clock = Clock()
    first = ScriptedProvider("a", down("a"), down("a"))
    second = ScriptedProvider("b")
    sender = FailoverSender(Channel.EMAIL, [first, second], threshold=2, cooldown=30, clock=clock)
    for _ in range(4):
        assert (await sender.send(message())).provider == "b"
    assert first.calls == 2  # skipped once its breaker opened
    clock.now = 31
    assert (await sender.send(message())).provider == "a"  # tried again, and it is back
    assert first.calls == 3


async def test_a_non_retryable_failure_is_returned_without_asking_the_next_provider() -> None:
    refused = SendResult(
        False, provider="a", status_code=400, error="SMS gateway answered 400", retryable=False
    )
    first, second = ScriptedProvider("a", refused), ScriptedProvider("b")
    sender = FailoverSender(Channel.SMS, [first, second], threshold=1, cooldown=30)
    assert await sender.send(message()) == refused
    assert second.calls == 0
    assert sender.breakers["a"].failures == 0  # the message's fault, not the provider's


async def test_when_every_provider_fails_the_result_is_retryable_and_names_the_last() -> None:
    sender = FailoverSender(
        Channel.EMAIL, [ScriptedProvider("a", down("a")), ScriptedProvider("b", down("b"))], 3, 30
    )
    result = await sender.send(message())
    assert not result.delivered and result.retryable and result.provider == "b"


async def test_when_every_breaker_is_open_the_channel_says_so() -> None:
    clock = Clock()
    sender = FailoverSender(Channel.EMAIL, [ScriptedProvider("a", down("a"))], 1, 30, clock=clock)
    await sender.send(message())
    result = await sender.send(message())
    assert not result.delivered and result.retryable
    assert result.error == "every email provider is cooling down"


async def test_a_channel_without_providers_fails_closed_with_the_setting_to_set() -> None:
    result = await NoProvider(Channel.SMS, "SMS_PROVIDERS").send(message())
    assert not result.delivered and not result.retryable
    assert result.error == "no sms provider configured (SMS_PROVIDERS)"


def test_failover_needs_a_provider() -> None:
    with pytest.raises(ValueError):
        FailoverSender(Channel.EMAIL, [], 3, 30)
