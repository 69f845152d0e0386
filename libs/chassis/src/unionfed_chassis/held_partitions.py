"""Partitions a consumer holds back while their first unapplied event fails with a transient error.

Holding a partition = seek it back to that event, pause it, and resume it after a backoff: the
broker then delivers it again, while the consumer's other partitions keep moving. Offsets are
committed for every partition at its position, so a held one is committed no further than its
event. The retry window is bounded (`retry_seconds`); what happens at its end is the consumer's call.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from aiokafka import TopicPartition


class PartitionControl(Protocol):
    """The part of aiokafka's consumer a held partition needs (FastStream's `msg.consumer`)."""

    def seek(self, partition: TopicPartition, offset: int) -> None: ...
    def pause(self, *partitions: TopicPartition) -> None: ...
    def resume(self, *partitions: TopicPartition) -> None: ...
    def assignment(self) -> set[TopicPartition]: ...


@dataclass
class Hold:
    """One partition waiting to retry the event at `offset`."""

    offset: int
    since: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: float = field(default_factory=time.monotonic)
    attempts: int = 1
    backoff: float = 0.0
    resume: asyncio.TimerHandle | None = None

    def elapsed(self) -> float:
        return time.monotonic() - self.started


class HeldPartitions:
    """Per-partition retry state of one consumer instance (not shared, not persisted: a new
    owner after a rebalance starts the window again from the committed offset)."""

    def __init__(self, first_backoff: float, max_backoff: float) -> None:
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self._holds: dict[TopicPartition, Hold] = {}

    def __contains__(self, tp: TopicPartition) -> bool:
        return tp in self._holds

    def failed(self, tp: TopicPartition, offset: int) -> Hold:
        """Record a transient failure of the event at `offset`; a new event starts a new window."""
        hold = self._holds.get(tp)
        if hold is None or hold.offset != offset:
            self.release(tp)
            hold = self._holds[tp] = Hold(offset, backoff=self.first_backoff)
        else:
            hold.attempts += 1
        return hold

    def hold(self, tp: TopicPartition, control: PartitionControl) -> float:
        """Rewind and pause `tp`, resume it after the next backoff; returns that backoff."""
        hold = self._holds[tp]
        delay, hold.backoff = hold.backoff, min(hold.backoff * 2, self.max_backoff)
        control.seek(tp, hold.offset)
        control.pause(tp)
        hold.resume = asyncio.get_running_loop().call_later(delay, _resume, control, tp)
        return delay

    def release(self, tp: TopicPartition) -> None:
        """The partition moved on (event applied or dead-lettered) or is no longer ours."""
        hold = self._holds.pop(tp, None)
        if hold is not None and hold.resume is not None:
            hold.resume.cancel()

    def release_all(self, partitions: Any) -> None:
        for tp in list(partitions):
            self.release(tp)

    def oldest(self) -> datetime | None:
        """Since when the longest-held partition has been retrying (None: nothing held)."""
        return min((h.since for h in self._holds.values()), default=None)

    def __len__(self) -> int:
        return len(self._holds)


def _resume(control: PartitionControl, tp: TopicPartition) -> None:
    # The partition may have been revoked meanwhile; its new owner reads from the committed offset.
    with contextlib.suppress(Exception):
        if tp in control.assignment():
            control.resume(tp)
