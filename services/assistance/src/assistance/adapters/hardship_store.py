"""Loads and saves hardship records, and lists them for officers (income as exact yuan)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_events.assistance import HardshipCategory, HardshipCause, HardshipExitReason

from assistance.adapters.orm import hardship_records
from assistance.adapters.queries import Page, page_of, yuan
from assistance.domain.hardship import HardshipRecord, HardshipStatus, Household

ONE_ACTIVE_PER_MEMBER = "hardship_one_active_per_member"


class AlreadyRegistered(Exception):
    """The member's active record already exists (the partial unique index said so)."""


def _row(record: HardshipRecord) -> dict[str, Any]:
    h = record.household
    return {
        "record_id": record.record_id,
        "member_id": record.member_id,
        "district": record.district,
        "branch_id": record.branch_id,
        "category": h.category.value,
        "causes": [c.value for c in h.causes],
        "household_size": h.household_size,
        "members_affected": h.members_affected,
        "per_capita_income_cents": h.per_capita_income_cents,
        "status": record.status.value,
        "registered_on": record.registered_on,
        "review_due_on": record.review_due_on,
        "last_reviewed_on": record.last_reviewed_on,
        "exited_on": record.exited_on,
        "exit_reason": record.exit_reason.value if record.exit_reason else None,
        "version": record.version,
    }


def _record(row: Any) -> HardshipRecord:
    return HardshipRecord(
        record_id=row.record_id,
        member_id=row.member_id,
        district=row.district,
        branch_id=row.branch_id,
        household=Household(
            category=HardshipCategory(row.category),
            causes=[HardshipCause(c) for c in row.causes],
            household_size=row.household_size,
            members_affected=row.members_affected,
            per_capita_income_cents=row.per_capita_income_cents,
        ),
        status=HardshipStatus(row.status),
        registered_on=row.registered_on,
        review_due_on=row.review_due_on,
        last_reviewed_on=row.last_reviewed_on,
        exited_on=row.exited_on,
        exit_reason=HardshipExitReason(row.exit_reason) if row.exit_reason else None,
        version=row.version,
    )


class HardshipStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, record_id: UUID, *, for_update: bool = False) -> HardshipRecord | None:
        query = sa.select(hardship_records).where(hardship_records.c.record_id == record_id)
        row = (await self.session.execute(query.with_for_update() if for_update else query)).one_or_none()
        return _record(row) if row else None

    async def active_of(self, member_id: UUID) -> HardshipRecord | None:
        query = sa.select(hardship_records).where(
            hardship_records.c.member_id == member_id,
            hardship_records.c.status == HardshipStatus.ACTIVE.value,
        )
        row = (await self.session.execute(query.with_for_update())).one_or_none()
        return _record(row) if row else None

    async def add(self, record: HardshipRecord) -> None:
        """Insert in a savepoint: a concurrent registration that won the race (the partial
        unique index) becomes `AlreadyRegistered`, and the transaction stays usable."""
        try:
            async with self.session.begin_nested():
                await self.session.execute(sa.insert(hardship_records).values(_row(record)))
        except IntegrityError as exc:
            if ONE_ACTIVE_PER_MEMBER in str(exc.orig):
                raise AlreadyRegistered from None
            raise

    async def save(self, record: HardshipRecord) -> None:
        await self.session.execute(
            sa.update(hardship_records)
            .where(hardship_records.c.record_id == record.record_id)
            .values(**_row(record), updated_at=sa.func.now())
        )


RECORD_COLUMNS = [
    *(c for c in hardship_records.c if not c.name.endswith("_cents")),
    yuan(hardship_records.c.per_capita_income_cents, "per_capita_income_yuan"),
]


async def get_record(session: AsyncSession, record_id: UUID) -> Any:
    query = sa.select(*RECORD_COLUMNS).where(hardship_records.c.record_id == record_id)
    return (await session.execute(query)).one_or_none()


async def list_records(
    session: AsyncSession,
    page: int,
    size: int,
    *,
    review_overdue: bool | None,
    today: date,
    **filters: Any,
) -> Page:
    """Records matching the filters (None: any), the review due soonest first.
    `review_overdue`: only active records whose review was due before `today` (true), or
    only the others (false)."""
    query = sa.select(*RECORD_COLUMNS)
    for name, value in filters.items():
        if value is not None:
            query = query.where(hardship_records.c[name] == value)
    overdue = sa.and_(
        hardship_records.c.status == HardshipStatus.ACTIVE.value,
        hardship_records.c.review_due_on < today,
    )
    if review_overdue is not None:
        query = query.where(overdue if review_overdue else sa.not_(overdue))
    order = [hardship_records.c.review_due_on, hardship_records.c.record_id]
    return await page_of(session, query, order, page, size)
