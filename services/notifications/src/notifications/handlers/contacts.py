"""Members' contact points as membership publishes them on its private compacted topic: kept
sealed exactly as they came (opened only when sending, `adapters.contacts_store.open_contact`),
dropped on withdrawal. Records of one member may come back in another order after a rebalance or
a replay: the one membership published last (envelope time) wins, and a withdrawal is final
until membership publishes again after it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from unionfed_chassis.db import UnitOfWork
from unionfed_events import membership as mev

from notifications.adapters.orm import contact_points


async def keep_contact_points(uow: UnitOfWork, e: mev.MemberContactPoints, published_at: datetime) -> None:
    """Upsert the sealed box; an older record than the one held changes nothing."""
    row = {
        "member_id": e.member_id,
        "district": e.district,
        "branch_id": e.branch_id,
        "key_id": e.key_id,
        "sealed": e.sealed,
        "has_phone": e.has_phone,
        "has_email": e.has_email,
        "updated_at": published_at,
    }
    statement = insert(contact_points).values(row)
    newer = contact_points.c.updated_at < statement.excluded.updated_at
    await uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=["member_id"],
            set_={c: statement.excluded[c] for c in row if c != "member_id"},
            where=newer,
        )
    )


async def drop_contact_points(
    uow: UnitOfWork, e: mev.MemberContactPointsWithdrawn, published_at: datetime
) -> None:
    """Forget the member's contact points, unless membership published newer ones since."""
    await uow.session.execute(
        sa.delete(contact_points).where(
            contact_points.c.member_id == e.member_id, contact_points.c.updated_at <= published_at
        )
    )
