"""Who is on the hardship registry, from assistance's events (for audiences by hardship status).

Registration and exit of one member are published on the member's district topic; a transfer
between districts could still interleave two topics, so the event time decides: an older event
never undoes a newer one."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.dialects.postgresql import insert
from unionfed_chassis.db import UnitOfWork

from campaigns.adapters.orm import hardship_view


async def set_registered(uow: UnitOfWork, member_id: UUID, registered: bool, as_of: datetime) -> None:
    statement = insert(hardship_view).values(member_id=member_id, registered=registered, as_of=as_of)
    newer = statement.excluded.as_of > hardship_view.c.as_of
    await uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=["member_id"],
            set_={"registered": statement.excluded.registered, "as_of": statement.excluded.as_of},
            where=newer,
        )
    )
