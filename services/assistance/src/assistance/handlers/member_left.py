"""A member left the union: their open cases are flagged for an officer, never dropped, and their
hardship record exits."""

from __future__ import annotations

from uuid import UUID

from unionfed_chassis.db import UnitOfWork
from unionfed_events import assistance as ev
from unionfed_events import membership as mev

from assistance.adapters.repository import CaseRepository
from assistance.handlers import hardship
from assistance.handlers._shared import acting, emit_for_case, now

MEMBER_LEFT = "member_left"


async def flag_open_cases(uow: UnitOfWork, member_id: UUID) -> int:
    """Flag each open case of the member (once: a redelivered MemberLeft flags nothing new).
    The service itself is the actor (a consumer's unit of work acts on the service's account)."""
    repo = CaseRepository(uow.session)
    flagged = 0
    by = acting(uow)
    for case in await repo.open_cases_of(member_id):
        if case.raise_flag(by, now(), MEMBER_LEFT):
            await repo.save(case)
            emit_for_case(
                uow,
                case,
                ev.AidCaseFlagged(
                    case_id=case.case_id,
                    member_id=case.member_id,
                    district=case.district,
                    branch_id=case.branch_id,
                    reason=MEMBER_LEFT,
                ),
            )
            flagged += 1
    return flagged


async def member_left(uow: UnitOfWork, e: mev.MemberLeft) -> None:
    """What the member view's consumer does after recording that the member left."""
    await flag_open_cases(uow, e.member_id)
    await hardship.exit_on_member_left(uow, e.member_id, e.left_on)
