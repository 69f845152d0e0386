"""Deadlines of aid cases, checked in the background: a case waiting too long at one level
escalates to the level above (at the federation, one alert); granted money aid finance has not
paid within its time expires and its reservation goes back to the fund.

Every replica runs this loop. Each case is picked with `FOR UPDATE SKIP LOCKED` and handled in
its own unit of work, so two replicas never act on the same case at once, and the pick's
condition (re-checked on the locked row) excludes a case another replica has just handled.
The actor is the service: a unit of work outside a request acts on the service's account.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_chassis.db import UnitOfWork
from unionfed_events import assistance as ev

from assistance.adapters.orm import cases, payments
from assistance.adapters.repository import CaseRepository
from assistance.domain.case import AidCase, CaseStatus
from assistance.handlers._shared import acting, emit_for_case, now
from assistance.handlers.cases import close_as_cancelled

log = logging.getLogger("unionfed.assistance.deadlines")

EXPIRED = "expired"
BATCH_SIZE = 50  # cases of each kind per round; a full batch starts the next round at once

UnitOfWorkFactory = Callable[[], AbstractAsyncContextManager[UnitOfWork]]
Pick = Callable[[AsyncSession, datetime, list[UUID]], Awaitable[UUID | None]]
Act = Callable[[UnitOfWork, AidCase, datetime, datetime], Awaitable[bool]]


def escalation_due(case: AidCase, cutoff: datetime) -> bool:
    """Pending since before `cutoff` and not escalated yet at its current level (an escalation
    to a new level starts its wait at that moment; the federation's alert is raised once)."""
    return (
        case.status is CaseStatus.PENDING
        and case.waiting_since is not None
        and case.waiting_since < cutoff
        and (case.escalated_at is None or case.escalated_at <= case.waiting_since)
    )


def expiry_due(case: AidCase, cutoff: datetime) -> bool:
    return case.status is CaseStatus.GRANTED and case.granted_at is not None and case.granted_at < cutoff


async def _first_id(session: AsyncSession, query: sa.Select[Any]) -> UUID | None:
    found: UUID | None = (
        await session.execute(query.limit(1).with_for_update(skip_locked=True))
    ).scalar_one_or_none()
    return found


async def next_waiting(session: AsyncSession, cutoff: datetime, skip: list[UUID]) -> UUID | None:
    """The longest-waiting case due for escalation that no other replica holds."""
    query = (
        sa.select(cases.c.case_id)
        .where(
            cases.c.status == CaseStatus.PENDING.value,
            cases.c.waiting_since < cutoff,
            sa.or_(cases.c.escalated_at.is_(None), cases.c.escalated_at <= cases.c.waiting_since),
            cases.c.case_id.notin_(skip),
        )
        .order_by(cases.c.waiting_since)
    )
    return await _first_id(session, query)


async def next_expired(session: AsyncSession, cutoff: datetime, skip: list[UUID]) -> UUID | None:
    """The oldest grant past its time with no payment finance still holds."""
    payment_pending = sa.exists().where(payments.c.case_id == cases.c.case_id, payments.c.status == "pending")
    query = (
        sa.select(cases.c.case_id)
        .where(
            cases.c.status == CaseStatus.GRANTED.value,
            cases.c.granted_at < cutoff,
            ~payment_pending,
            cases.c.case_id.notin_(skip),
        )
        .order_by(cases.c.granted_at)
    )
    return await _first_id(session, query)


async def escalate(uow: UnitOfWork, case: AidCase, at: datetime, cutoff: datetime) -> bool:
    """Move the case to the level above (or raise the federation's alert) as of `at`, and say so."""
    if not escalation_due(case, cutoff):
        return False
    source, target, since = case.escalate(acting(uow), at)
    await CaseRepository(uow.session).save(case)
    emit_for_case(
        uow,
        case,
        ev.AidCaseEscalated(
            case_id=case.case_id,
            district=case.district,
            branch_id=case.branch_id,
            from_level=source,
            to_level=target,
            waiting_since=since,
        ),
    )
    return True


async def expire(uow: UnitOfWork, case: AidCase, at: datetime, cutoff: datetime) -> bool:
    """Cancel the lapsed grant as `expired`; its reservation goes back to the fund."""
    if not expiry_due(case, cutoff):
        return False
    await close_as_cancelled(uow, CaseRepository(uow.session), case, EXPIRED)
    return True


@dataclass
class RoundResult:
    escalated: int = 0
    expired: int = 0
    full: bool = False  # a batch was full: more may be due


@dataclass
class DeadlineWatch:
    unit_of_work: UnitOfWorkFactory
    escalate_after: timedelta
    grant_expiry: timedelta
    every_seconds: float
    batch_size: int = BATCH_SIZE

    async def run(self) -> None:
        """Check the deadlines every `every_seconds` until cancelled. A failed round is logged
        and the next one goes on."""
        while True:
            try:
                result = await self.run_round(now())
            except Exception as exc:
                log.warning("deadline round failed: %s", type(exc).__name__, exc_info=True)
                result = RoundResult()
            if not result.full:
                await asyncio.sleep(self.every_seconds)

    async def run_round(self, at: datetime) -> RoundResult:
        """One round as of `at`: escalations, then expiries."""
        escalated, full_e = await self._each(next_waiting, escalate, at, at - self.escalate_after)
        expired, full_x = await self._each(next_expired, expire, at, at - self.grant_expiry)
        if escalated or expired:
            log.info("deadlines: %d cases escalated, %d grants expired", escalated, expired)
        return RoundResult(escalated, expired, full_e or full_x)

    async def _each(self, pick: Pick, act: Act, at: datetime, cutoff: datetime) -> tuple[int, bool]:
        """Up to `batch_size` cases, each in its own unit of work. A case that fails is logged
        (its id only) and left for the next round."""
        done, skip = 0, list[UUID]()
        for _ in range(self.batch_size):
            case_id = None
            try:
                async with self.unit_of_work() as uow:
                    case_id = await pick(uow.session, cutoff, skip)
                    if case_id is None:
                        return done, False
                    case = await CaseRepository(uow.session).get(case_id, for_update=True)
                    if case is not None and await act(uow, case, at, cutoff):
                        await uow.commit()
                        done += 1
                    else:  # the locked row no longer qualifies: not again this round
                        skip.append(case_id)
            except Exception as exc:
                if case_id is None:
                    raise
                log.warning("deadline on case %s failed: %s", case_id, type(exc).__name__)
                skip.append(case_id)
        # Full only when every pick was handled: cases that keep failing wait for the next round.
        return done, done == self.batch_size
