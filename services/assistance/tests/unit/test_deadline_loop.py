"""The deadline loop outlives a failed round (the database away for a while, say)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from assistance.handlers.deadlines import DeadlineWatch, RoundResult


class FlakyWatch(DeadlineWatch):
    rounds: int = 0

    async def run_round(self, at: datetime) -> RoundResult:
        self.rounds += 1
        if self.rounds <= 2:
            raise ConnectionError("database unreachable")
        return RoundResult()


@contextlib.asynccontextmanager
async def no_unit_of_work() -> AsyncIterator[object]:
    raise AssertionError("not used: run_round is replaced")
    yield  # pragma: no cover


async def test_a_failed_round_is_logged_and_the_next_one_goes_on(caplog) -> None:
    watch = FlakyWatch(
        no_unit_of_work,  # type: ignore[arg-type]
        escalate_after=timedelta(hours=1),
        grant_expiry=timedelta(days=1),
        every_seconds=0.01,
    )
    task = asyncio.create_task(watch.run())
    for _ in range(500):
        if watch.rounds >= 4:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert watch.rounds >= 4
    failures = [r for r in caplog.records if "deadline round failed" in r.getMessage()]
    assert len(failures) == 2
