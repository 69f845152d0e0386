"""The retry policy and the per-channel rate limit, with times passed in."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from notifications.domain.delivery import RetryPolicy, TokenBucket, Verdict
from notifications.domain.model import SendResult

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FAILED = SendResult(False, provider="p", error="SMTP 451")


def test_a_delivered_attempt_is_delivered_and_counted() -> None:
    decision = RetryPolicy(max_attempts=3).decide(SendResult(True, provider="p"), 1, NOW)
    assert decision.verdict == Verdict.DELIVERED
    assert decision.attempts == 2
    assert decision.next_attempt_at is None


def test_a_retryable_failure_waits_longer_each_time() -> None:
    policy = RetryPolicy(max_attempts=5, base=timedelta(seconds=10), cap=timedelta(hours=1), jitter=0)
    waits = [policy.decide(FAILED, before, NOW).next_attempt_at for before in range(4)]
    assert waits == [NOW + timedelta(seconds=s) for s in (10, 20, 40, 80)]


def test_the_wait_is_capped() -> None:
    policy = RetryPolicy(max_attempts=50, base=timedelta(seconds=10), cap=timedelta(minutes=5), jitter=0)
    assert policy.decide(FAILED, 30, NOW).next_attempt_at == NOW + timedelta(minutes=5)


def test_jitter_spreads_the_wait_within_its_bounds() -> None:
    policy = RetryPolicy(base=timedelta(seconds=100), jitter=0.2)
    rng = random.Random(7)
    waits = {policy.backoff(1, rng) for _ in range(50)}
    assert all(timedelta(seconds=80) <= w <= timedelta(seconds=120) for w in waits)
    assert len(waits) > 1


def test_the_last_attempt_fails_for_good() -> None:
    decision = RetryPolicy(max_attempts=3).decide(FAILED, 2, NOW)
    assert decision.verdict == Verdict.FAILED
    assert decision.attempts == 3


def test_a_non_retryable_failure_fails_at_once() -> None:
    refused = SendResult(
        False, provider="p", status_code=400, error="SMS gateway answered 400", retryable=False
    )
    decision = RetryPolicy(max_attempts=5).decide(refused, 0, NOW)
    assert decision.verdict == Verdict.FAILED
    assert decision.attempts == 1


def test_a_policy_needs_an_attempt() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


def test_the_bucket_lets_a_burst_through_then_spaces_sends_at_the_rate() -> None:
    bucket = TokenBucket(rate=10, burst=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(0.0) == pytest.approx(0.1)
    assert bucket.take(0.0) == pytest.approx(0.2)  # reserved in turn: no two wake together


def test_the_bucket_refills_with_time_up_to_its_burst() -> None:
    bucket = TokenBucket(rate=10, burst=2, now=0.0)
    bucket.take(0.0)
    bucket.take(0.0)
    assert bucket.take(0.1) == 0.0
    assert [bucket.take(100.0) for _ in range(2)] == [0.0, 0.0]
    assert bucket.take(100.0) > 0
