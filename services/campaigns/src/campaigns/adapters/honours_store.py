"""Honours awarded; the table's UNIQUE (honour, recipient, year) is the last word on "once a year"."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from campaigns.adapters.engagement_store import page_rows, where_given
from campaigns.adapters.orm import honours

ONCE_A_YEAR = "honours_once_a_year"


class AlreadyHonoured(Exception):
    """The recipient already holds this honour for the year (maybe from a concurrent request)."""


async def add(session: AsyncSession, **values: Any) -> None:
    """Insert in a savepoint, so a concurrent award that won the race becomes AlreadyHonoured and
    the transaction stays usable."""
    try:
        async with session.begin_nested():
            await session.execute(honours.insert().values(**values))
    except IntegrityError as exc:
        if ONCE_A_YEAR in str(exc.orig):
            raise AlreadyHonoured from None
        raise


async def holds(session: AsyncSession, honour: str, recipient_id: str, year: int) -> bool:
    c = honours.c
    query = sa.select(sa.literal(1)).where(
        c.honour == honour, c.recipient_id == recipient_id, c.award_year == year
    )
    return (await session.execute(query)).first() is not None


async def get(session: AsyncSession, honour_id: Any) -> Any:
    return (await session.execute(sa.select(honours).where(honours.c.honour_id == honour_id))).one_or_none()


async def listing(session: AsyncSession, page: int, size: int, **filters: Any) -> tuple[list[Any], int]:
    """Honours, latest first."""
    query = where_given(sa.select(honours), honours, **filters)
    return await page_rows(session, query, [honours.c.awarded_on.desc(), honours.c.honour_id], page, size)
