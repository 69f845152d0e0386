"""A member was erased (PIPL): the member view has already nulled their name and card; here the
applicant's own words in their cases go too. Amounts, levels, decisions and the ledger stay:
they are the federation's records of money, and identify no one once the member is anonymous."""

from __future__ import annotations

import sqlalchemy as sa
from unionfed_chassis.db import UnitOfWork
from unionfed_events import membership as mev

from assistance.adapters.orm import cases


async def member_erased(uow: UnitOfWork, e: mev.MemberErased) -> None:
    """Blank the free-text description of every case of the member (idempotent)."""
    await uow.session.execute(
        sa.update(cases)
        .where(cases.c.member_id == e.member_id, cases.c.description.is_not(None))
        .values(description=None, updated_at=sa.func.now())
    )
