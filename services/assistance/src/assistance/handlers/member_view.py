"""The service's own view of members and branches, applied from membership's events.

Each event carries the member's version in membership (`sequence`). A transfer is published to
both districts' topics, which are read independently, so a member's events can arrive out of
order across topics: state (branch, district, status) changes only for a newer version, while
what only MemberJoined says (name, card, joining date) is filled in whenever it arrives.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from unionfed_chassis.db import UnitOfWork
from unionfed_events import membership as mev

from assistance.adapters.orm import branches, members

_NEWER = members.c.version < sa.literal_column("excluded.version")


def _newer(column: str) -> Any:
    return sa.case((_NEWER, sa.literal_column(f"excluded.{column}")), else_=getattr(members.c, column))


async def _upsert(
    uow: UnitOfWork, row: dict[str, Any], state: tuple[str, ...], facts: tuple[str, ...]
) -> None:
    statement = insert(members).values(row)
    updates: dict[str, Any] = {c: _newer(c) for c in state}
    updates |= {c: sa.func.coalesce(getattr(members.c, c), statement.excluded[c]) for c in facts}
    updates["version"] = sa.func.greatest(members.c.version, statement.excluded.version)
    updates["updated_at"] = sa.func.now()
    await uow.session.execute(statement.on_conflict_do_update(index_elements=["member_id"], set_=updates))


async def member_joined(uow: UnitOfWork, e: mev.MemberJoined, version: int) -> None:
    row = {
        "member_id": e.member_id,
        "card_number": e.card_number,
        "name": e.name,
        "branch_id": e.branch_id,
        "district": e.district,
        "industry": e.industry,
        "employment_type": e.employment_type.value,
        "status": "active",
        "joined_on": e.joined_on,
        "version": version,
    }
    await _upsert(
        uow,
        row,
        ("branch_id", "district", "industry", "status"),
        ("card_number", "name", "employment_type", "joined_on"),
    )


async def member_transferred(uow: UnitOfWork, e: mev.MemberTransferred, version: int) -> None:
    industry = (
        await uow.session.execute(
            sa.select(branches.c.industry).where(branches.c.branch_id == e.to_branch_id)
        )
    ).scalar_one_or_none()
    row = {
        "member_id": e.member_id,
        "card_number": e.card_number,
        "branch_id": e.to_branch_id,
        "district": e.to_district,
        "industry": industry,
        "status": "active",
        "version": version,
    }
    state = (
        ("branch_id", "district", "status", "industry") if industry else ("branch_id", "district", "status")
    )
    await _upsert(uow, row, state, ("card_number",))


async def member_status(
    uow: UnitOfWork, member_id: Any, branch_id: str, district: str, status: str, version: int, on: Any = None
) -> None:
    row = {
        "member_id": member_id,
        "branch_id": branch_id,
        "district": district,
        "status": status,
        "left_on": on,
        "version": version,
    }
    await _upsert(uow, row, ("branch_id", "district", "status", "left_on"), ())


async def contact_updated(uow: UnitOfWork, e: mev.MemberContactUpdated, version: int) -> None:
    row = {
        "member_id": e.member_id,
        "branch_id": e.branch_id,
        "district": e.district,
        "employment_type": e.employment_type.value if e.employment_type else None,
        "status": "active",
        "version": version,
    }
    # The status here is only a placeholder for a member first heard of by this event (only
    # active members update contacts): as a fact it never replaces a known status.
    await _upsert(uow, row, ("employment_type",), ("status",))


async def branch_established(uow: UnitOfWork, e: mev.BranchEstablished) -> None:
    row = {
        "branch_id": e.branch_id,
        "district": e.district,
        "name": e.name,
        "industry": e.industry,
        "status": "open",
    }
    statement = insert(branches).values(row)
    await uow.session.execute(statement.on_conflict_do_nothing(index_elements=["branch_id"]))


async def branch_closed(uow: UnitOfWork, e: mev.BranchClosed) -> None:
    await uow.session.execute(
        sa.update(branches)
        .where(branches.c.branch_id == e.branch_id)
        .values(status="closed", updated_at=sa.func.now())
    )
