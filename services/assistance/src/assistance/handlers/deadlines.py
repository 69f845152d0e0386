"""Deadlines of aid cases, checked in the background: a case waiting too long at one level
escalates to the level above (at the federation, one alert); granted money aid finance has not
paid within its time expires and its reservation goes back to the fund.

Every replica runs this loop. Each case is picked with `FOR UPDATE SKIP LOCKED` and handled in
its own unit of work, so two replicas never act on the same case at once, and the pick's
condition (re-checked on the locked row) excludes a case another replica has just handled.
The actor is the service: a unit of work outside a request acts on the service's account.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.periodic import UnitOfWorkFactory, each_due, every
from unionfed_events import assistance as ev

from assistance.adapters.orm import cases, payments
from assistance.adapters.repository import CaseRepository
from assistance.domain.case import AidCase, CaseStatus
from assistance.handlers._shared import acting, emit_for_case, now
from assistance.handlers.cases import close_as_cancelled

log = logging.getLogger("unionfed.assistance.deadlines")

EXPIRED = "expired"
BATCH_SIZE = 50  # cases of each kind per round; a full batch starts the next round at once

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
        """Check the deadlines every `every_seconds` until cancelled."""

        async def round_() -> bool:
            return (await self.run_round(now())).full

        await every(self.every_seconds, round_, log, "deadline")

    async def run_round(self, at: datetime) -> RoundResult:
        """One round as of `at`: escalations, then expiries."""
        escalated, full_e = await self._each(next_waiting, escalate, at, at - self.escalate_after)
        expired, full_x = await self._each(next_expired, expire, at, at - self.grant_expiry)
        if escalated or expired:
            log.info("deadlines: %d cases escalated, %d grants expired", escalated, expired)
        return RoundResult(escalated, expired, full_e or full_x)

    async def _each(self, pick: Pick, act: Act, at: datetime, cutoff: datetime) -> tuple[int, bool]:
        async def picked(uow: UnitOfWork, skip: list[UUID]) -> UUID | None:
            return await pick(uow.session, cutoff, skip)

        async def handle(uow: UnitOfWork, case_id: UUID) -> bool:
            case = await CaseRepository(uow.session).get(case_id, for_update=True)
            return case is not None and await act(uow, case, at, cutoff)

        return await each_due(self.unit_of_work, picked, handle, self.batch_size, log, "deadline on case")
