"""Members' contact points as membership publishes them on its private compacted topic: kept
sealed exactly as they came (opened only when sending, `adapters.contacts_store.open_contact`),
dropped on withdrawal (and on erasure, `handlers.erasure`). One member's records share a key, so
they arrive in order; a record applied again (a replayed dead letter) or late still never
replaces a newer box: the one membership published last (envelope time) wins."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from unionfed_chassis.db import UnitOfWork
from unionfed_events import membership as mev

from notifications.adapters.orm import contact_points, members


async def keep_contact_points(uow: UnitOfWork, e: mev.MemberContactPoints, published_at: datetime) -> None:
    """Upsert the sealed box; an older record than the one held changes nothing, and neither
    does a record of a member the view knows as erased (a replay of the topic before compaction)."""
    erased = sa.select(members.c.erased_on).where(members.c.member_id == e.member_id)
    if await uow.session.scalar(erased) is not None:
        return
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
