"""Loads and saves aid cases (row plus audit trail) and reads the facts an application needs."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_events.assistance import AidType, ApprovalLevel, Decision, ServiceOutcome

from assistance.adapters.orm import aid_windows, case_steps, cases, hardship_records, members
from assistance.domain.case import OPEN_STATUSES, AidCase, CaseStatus, Step

_CASE_FIELDS = [
    "member_id",
    "district",
    "branch_id",
    "origin",
    "requested_cents",
    "approved_cents",
    "reserved_cents",
    "budget_year",
    "requested_on",
    "waiting_since",
    "escalated_at",
    "granted_at",
    "closed_at",
    "caseworker",
    "flag",
    "flagged_at",
    "campaign_id",
    "description",
    "version",
]


def _case_row(case: AidCase) -> dict[str, Any]:
    row = {name: getattr(case, name) for name in _CASE_FIELDS}
    row.update(
        case_id=case.case_id,
        aid_type=case.aid_type.value,
        status=case.status.value,
        levels=[lv.value for lv in case.levels],
        current_level=case.current_level.value if case.current_level else None,
        outcome=case.outcome.value if case.outcome else None,
    )
    return row


def _step_row(case_id: UUID, step: Step) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "level": step.level.value if step.level else None,
        "decision": step.decision.value,
        "actor": step.actor,
        "actor_role": step.actor_role,
        "at": step.at,
        "comment": step.comment,
        "amount_cents": step.amount_cents,
        "waited_seconds": step.waited_seconds,
    }


def _step(row: Any) -> Step:
    return Step(
        ApprovalLevel(row.level) if row.level else None,
        Decision(row.decision),
        row.actor,
        row.actor_role,
        row.at,
        row.comment,
        row.amount_cents,
        row.waited_seconds,
    )


def case_from_row(row: Any, trail: list[Step]) -> AidCase:
    values = {name: getattr(row, name) for name in _CASE_FIELDS}
    return AidCase(
        case_id=row.case_id,
        aid_type=AidType(row.aid_type),
        status=CaseStatus(row.status),
        levels=[ApprovalLevel(lv) for lv in row.levels],
        current_level=ApprovalLevel(row.current_level) if row.current_level else None,
        outcome=ServiceOutcome(row.outcome) if row.outcome else None,
        trail=trail,
        **values,
    )


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, case_id: UUID, *, for_update: bool = False) -> AidCase | None:
        query = sa.select(cases).where(cases.c.case_id == case_id)
        row = (await self.session.execute(query.with_for_update() if for_update else query)).one_or_none()
        if row is None:
            return None
        return case_from_row(row, await self.trail(case_id))

    async def trail(self, case_id: UUID) -> list[Step]:
        rows = await self.session.execute(
            sa.select(case_steps).where(case_steps.c.case_id == case_id).order_by(case_steps.c.step_id)
        )
        return [_step(r) for r in rows]

    async def add(self, case: AidCase) -> None:
        await self.session.execute(sa.insert(cases).values(_case_row(case)))
        await self._save_steps(case)

    async def save(self, case: AidCase) -> None:
        row = _case_row(case)
        await self.session.execute(
            sa.update(cases).where(cases.c.case_id == case.case_id).values(**row, updated_at=sa.func.now())
        )
        await self._save_steps(case)

    async def _save_steps(self, case: AidCase) -> None:
        if case.new_steps:
            await self.session.execute(
                sa.insert(case_steps), [_step_row(case.case_id, s) for s in case.new_steps]
            )
            case.new_steps.clear()

    async def open_cases_of(self, member_id: UUID) -> list[AidCase]:
        rows = await self.session.execute(
            sa.select(cases)
            .where(cases.c.member_id == member_id, cases.c.status.in_([s.value for s in OPEN_STATUSES]))
            .order_by(cases.c.created_at)
            .with_for_update()
        )
        return [case_from_row(r, await self.trail(r.case_id)) for r in rows.all()]

    async def has_open_case(self, member_id: UUID, aid_type: AidType) -> bool:
        query = sa.select(sa.literal(1)).where(
            cases.c.member_id == member_id,
            cases.c.aid_type == aid_type.value,
            cases.c.status.in_([s.value for s in OPEN_STATUSES]),
        )
        return (await self.session.execute(query.limit(1))).first() is not None

    async def committed_this_year(self, member_id: UUID, aid_type: AidType, year: int) -> int:
        """Cents asked for (or approved, or paid) this year in cases not rejected or cancelled."""
        amount = sa.func.coalesce(cases.c.approved_cents, cases.c.requested_cents, 0)
        query = sa.select(sa.func.coalesce(sa.func.sum(amount), 0)).where(
            cases.c.member_id == member_id,
            cases.c.aid_type == aid_type.value,
            cases.c.budget_year == year,
            cases.c.status.notin_([CaseStatus.REJECTED.value, CaseStatus.CANCELLED.value]),
        )
        return int((await self.session.execute(query)).scalar_one())


async def member_for_update(session: AsyncSession, member_id: UUID) -> Any:
    """The member's row in the service's view, locked: applications for one member queue here,
    so two concurrent applications cannot both pass the one-open-case and cap rules."""
    query = sa.select(members).where(members.c.member_id == member_id).with_for_update()
    return (await session.execute(query)).one_or_none()


async def hardship_registered(session: AsyncSession, member_id: UUID) -> bool:
    query = sa.select(sa.literal(1)).where(
        hardship_records.c.member_id == member_id, hardship_records.c.status == "active"
    )
    return (await session.execute(query)).first() is not None


async def window_open_for(session: AsyncSession, aid_type: AidType, member: Any, on: date) -> Any:
    """The aid window (a drive's) open on `on` whose districts and industries cover the member."""
    query = sa.select(aid_windows).where(
        aid_windows.c.aid_type == aid_type.value,
        aid_windows.c.opens_on <= on,
        aid_windows.c.closes_on >= on,
        sa.or_(
            sa.func.cardinality(aid_windows.c.districts) == 0,
            sa.literal(member.district) == sa.any_(aid_windows.c.districts),
        ),
        sa.or_(
            sa.func.cardinality(aid_windows.c.industries) == 0,
            sa.literal(member.industry or "") == sa.any_(aid_windows.c.industries),
        ),
    )
    return (await session.execute(query.limit(1))).first()


async def payment_in_progress(session: AsyncSession, case_id: UUID) -> bool:
    """Whether finance holds a payment of the case it has not confirmed yet."""
    query = sa.text("SELECT 1 FROM payments WHERE case_id = :c AND status = 'pending' LIMIT 1")
    return (await session.execute(query, {"c": case_id})).first() is not None
