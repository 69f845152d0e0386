"""The medical mutual-aid plans (one per year) and the members enrolled in them."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from assistance.adapters.orm import mutual_aid_enrolments, mutual_aid_plans
from assistance.domain.mutual_aid import MutualAidPlan


async def put_plan(session: AsyncSession, plan: MutualAidPlan) -> None:
    values = {"year": plan.year, "share_percent": plan.share_percent, "cap_cents": plan.cap_cents}
    statement = insert(mutual_aid_plans).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["year"],
            set_={
                "share_percent": statement.excluded.share_percent,
                "cap_cents": statement.excluded.cap_cents,
                "updated_at": sa.func.now(),
            },
        )
    )


async def plan(session: AsyncSession, year: int) -> MutualAidPlan | None:
    query = sa.select(mutual_aid_plans).where(mutual_aid_plans.c.year == year)
    row = (await session.execute(query)).one_or_none()
    return MutualAidPlan(row.year, row.share_percent, row.cap_cents) if row else None


async def enrol(session: AsyncSession, year: int, member_id: UUID, district: str, on: date) -> bool:
    """Enrol the member for the year; False when they already were (nothing changes)."""
    statement = (
        insert(mutual_aid_enrolments)
        .values(year=year, member_id=member_id, district=district, enrolled_on=on)
        .on_conflict_do_nothing(index_elements=["year", "member_id"])
        .returning(mutual_aid_enrolments.c.member_id)
    )
    return (await session.execute(statement)).first() is not None


async def enrolment(session: AsyncSession, year: int, member_id: UUID) -> Any:
    query = sa.select(mutual_aid_enrolments).where(
        mutual_aid_enrolments.c.year == year, mutual_aid_enrolments.c.member_id == member_id
    )
    return (await session.execute(query)).one_or_none()
