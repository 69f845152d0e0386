"""The fund ledger: every movement is one statement that checks, moves and journals at once.

A reservation is `UPDATE … WHERE available >= amount`: PostgreSQL takes the fund row's lock, so
concurrent approvals queue on it and each sees the balance the previous one left; the one that
finds too little updates nothing and is refused with the shortage. No read-then-write window
exists to race in, and the table's CHECK refuses any commit that would overspend anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_events.assistance import AidType

from assistance.adapters.orm import funds
from assistance.domain.case import Actor
from assistance.domain.errors import FundShortage


@dataclass(frozen=True)
class FundKey:
    district: str
    year: int
    aid_type: AidType

    def __str__(self) -> str:
        return f"{self.district}:{self.year}:{self.aid_type.value}"


@dataclass(frozen=True)
class Balance:
    allocated_cents: int
    reserved_cents: int
    spent_cents: int

    @property
    def available_cents(self) -> int:
        return self.allocated_cents - self.reserved_cents - self.spent_cents


# (kind, change of reserved, change of spent, condition); :c is the amount in cents.
_MOVES = {
    "reserve": ("reserved_cents + :c", "spent_cents", "allocated_cents - reserved_cents - spent_cents >= :c"),
    "release": ("reserved_cents - :c", "spent_cents", "reserved_cents >= :c"),
    "spend": ("reserved_cents - :c", "spent_cents + :c", "reserved_cents >= :c"),
}

_KEY = "district = :district AND year = :year AND aid_type = :aid_type"


def _move_sql(kind: str) -> sa.TextClause:
    reserved, spent, condition = _MOVES[kind]
    return sa.text(
        f"WITH moved AS (UPDATE funds SET reserved_cents = {reserved}, spent_cents = {spent}, "
        f"updated_at = now() WHERE {_KEY} AND {condition} "
        "RETURNING allocated_cents, reserved_cents, spent_cents) "
        "INSERT INTO fund_entries (district, year, aid_type, kind, amount_cents, case_id, "
        "allocated_after_cents, reserved_after_cents, spent_after_cents, actor, actor_role) "
        f"SELECT :district, :year, :aid_type, '{kind}', :c, :case_id, allocated_cents, reserved_cents, "
        "spent_cents, :actor, :actor_role FROM moved "
        "RETURNING allocated_after_cents, reserved_after_cents, spent_after_cents"
    )


_SQL = {kind: _move_sql(kind) for kind in _MOVES}

_ALLOCATE = sa.text(
    "WITH moved AS (INSERT INTO funds (district, year, aid_type, allocated_cents, reserved_cents, spent_cents) "
    "VALUES (:district, :year, :aid_type, :c, 0, 0) ON CONFLICT (district, year, aid_type) DO UPDATE "
    "SET allocated_cents = funds.allocated_cents + :c, updated_at = now() "
    "RETURNING allocated_cents, reserved_cents, spent_cents) "
    "INSERT INTO fund_entries (district, year, aid_type, kind, amount_cents, case_id, "
    "allocated_after_cents, reserved_after_cents, spent_after_cents, actor, actor_role) "
    "SELECT :district, :year, :aid_type, 'allocate', :c, NULL, allocated_cents, reserved_cents, "
    "spent_cents, :actor, :actor_role FROM moved "
    "RETURNING allocated_after_cents, reserved_after_cents, spent_after_cents"
)


def _params(key: FundKey, cents: int, case_id: UUID | None, by: Actor) -> dict[str, object]:
    return {
        "district": key.district,
        "year": key.year,
        "aid_type": key.aid_type.value,
        "c": cents,
        "case_id": case_id,
        "actor": by.subject,
        "actor_role": by.role,
    }


async def balance(session: AsyncSession, key: FundKey) -> Balance | None:
    row = (
        await session.execute(
            sa.select(funds.c.allocated_cents, funds.c.reserved_cents, funds.c.spent_cents).where(
                funds.c.district == key.district,
                funds.c.year == key.year,
                funds.c.aid_type == key.aid_type.value,
            )
        )
    ).one_or_none()
    return Balance(*row) if row else None


async def allocate(session: AsyncSession, key: FundKey, cents: int, by: Actor) -> Balance:
    row = (await session.execute(_ALLOCATE, _params(key, cents, None, by))).one()
    return Balance(*row)


async def reserve(session: AsyncSession, key: FundKey, case_id: UUID, cents: int, by: Actor) -> Balance:
    """Hold `cents` for the case, or raise FundShortage naming what is missing."""
    row = (await session.execute(_SQL["reserve"], _params(key, cents, case_id, by))).one_or_none()
    if row is None:
        current = await balance(session, key)
        raise FundShortage(str(key), cents, current.available_cents if current else 0)
    return Balance(*row)


async def release(session: AsyncSession, key: FundKey, case_id: UUID, cents: int, by: Actor) -> Balance:
    return await _must_move("release", session, key, case_id, cents, by)


async def spend(session: AsyncSession, key: FundKey, case_id: UUID, cents: int, by: Actor) -> Balance:
    return await _must_move("spend", session, key, case_id, cents, by)


async def adjust_hold(
    session: AsyncSession, key: FundKey, case_id: UUID, change_cents: int, by: Actor
) -> None:
    """Reserve more (change > 0) or release some (change < 0) of what a case holds."""
    if change_cents > 0:
        await reserve(session, key, case_id, change_cents, by)
    elif change_cents < 0:
        await release(session, key, case_id, -change_cents, by)


async def _must_move(
    kind: str, session: AsyncSession, key: FundKey, case_id: UUID, cents: int, by: Actor
) -> Balance:
    row = (await session.execute(_SQL[kind], _params(key, cents, case_id, by))).one_or_none()
    if row is None:  # a case never holds more than its fund reserved for it: a bug, not input
        raise RuntimeError(f"fund {key} does not hold {cents} cents for case {case_id}")
    return Balance(*row)
