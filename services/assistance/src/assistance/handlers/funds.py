"""Funds: the federation allocates (or tops up) a district's fund for a year and aid type."""

from __future__ import annotations

from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_events import assistance as ev

from assistance import commands as cmds
from assistance.adapters import funds
from assistance.domain.errors import DomainError
from assistance.domain.money import format_yuan, to_cents, to_yuan
from assistance.handlers._shared import acting

# DistrictBudgetAllocated carries the fund's total as `Yuan`: at most 12 digits before the point.
MOST_CENTS = 999_999_999_999_99


async def allocate_fund(uow: UnitOfWork, cmd: cmds.AllocateFund, scope: Scope) -> funds.Balance:
    scope(None, None)  # the federation allocates
    if cmd.aid_type not in ev.MONETARY_AID:
        raise DomainError(f"{cmd.aid_type.value} is a service and has no fund", field="aid_type")
    try:
        cents = to_cents(cmd.amount_yuan)
    except ValueError as exc:
        raise DomainError(str(exc), field="amount_yuan") from None
    if cents <= 0:
        raise DomainError("an allocation is above 0", field="amount_yuan")
    key = funds.FundKey(cmd.district, cmd.year, cmd.aid_type)
    balance = await funds.allocate(uow.session, key, cents, acting(uow))
    if balance.allocated_cents > MOST_CENTS:  # the caller's transaction rolls the top-up back
        raise DomainError(f"a fund's total stays at most {format_yuan(MOST_CENTS)} yuan", field="amount_yuan")
    uow.emit(
        ev.DistrictBudgetAllocated(
            district=cmd.district,
            year=cmd.year,
            aid_type=cmd.aid_type,
            amount_yuan=cmd.amount_yuan,
            allocated_total_yuan=to_yuan(balance.allocated_cents),
        ),
        district=cmd.district,
    )
    return balance
