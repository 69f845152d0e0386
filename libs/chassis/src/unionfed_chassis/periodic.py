"""Periodic work in every replica: rounds on a timer, each handling due rows one per unit of work.

A row is picked with `FOR UPDATE SKIP LOCKED` by the caller's query, so replicas share the work
without handling a row twice; the handler re-checks the locked row (another replica may have
acted between the pick and the lock being granted), and only what it acted on is committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from uuid import UUID

from .db import UnitOfWork

UnitOfWorkFactory = Callable[[], AbstractAsyncContextManager[UnitOfWork]]
Pick = Callable[[UnitOfWork, list[UUID]], Awaitable[UUID | None]]
"""The id of the next due row, not among the skipped ones, locked for this unit of work; None when done."""
Handle = Callable[[UnitOfWork, UUID], Awaitable[bool]]
"""Act on the locked row; False if it no longer qualifies (nothing is committed then)."""


async def every(
    seconds: float, round_: Callable[[], Awaitable[bool]], log: logging.Logger, what: str
) -> None:
    """Run `round_` every `seconds` until cancelled; at once again when it says its batch was
    full (more may be due). A failed round is logged, without its message (it may carry data),
    and the next one goes on."""
    while True:
        try:
            full = await round_()
        except Exception as exc:
            log.warning("%s round failed: %s", what, type(exc).__name__, exc_info=True)
            full = False
        if not full:
            await asyncio.sleep(seconds)


async def each_due(
    unit_of_work: UnitOfWorkFactory,
    pick: Pick,
    handle: Handle,
    batch_size: int,
    log: logging.Logger,
    what: str,
) -> tuple[int, bool]:
    """Up to `batch_size` due rows, each in its own unit of work; returns how many were acted on
    and whether the batch was full. A row whose handling fails is logged (its id only) and left
    for the next round."""
    done, skip = 0, list[UUID]()
    for _ in range(batch_size):
        row_id = None
        try:
            async with unit_of_work() as uow:
                row_id = await pick(uow, skip)
                if row_id is None:
                    return done, False
                if await handle(uow, row_id):
                    await uow.commit()
                    done += 1
                else:  # the locked row no longer qualifies: not again this round
                    skip.append(row_id)
        except Exception as exc:
            if row_id is None:
                raise
            log.warning("%s of %s failed: %s", what, row_id, type(exc).__name__)
            skip.append(row_id)
    # Full only when every pick was handled: rows that keep failing wait for the next round.
    return done, done == batch_size
