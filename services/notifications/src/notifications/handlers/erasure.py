"""A member was erased (PIPL): the member view has nulled their name and card (chassis); here the
service drops everything else it holds about them — contact points, preferences, and their
notifications with the delivery log of each (an in-app inbox is those rows). `contents` rows are
shared by every recipient of an event and name no recipient, so they stay."""

from __future__ import annotations

import sqlalchemy as sa
from unionfed_chassis.db import UnitOfWork
from unionfed_events import membership as mev

from notifications.adapters.orm import contact_points, delivery_attempts, notifications, preferences
from notifications.domain.model import RecipientKind


async def member_erased(uow: UnitOfWork, e: mev.MemberErased) -> None:
    """Delete the member's rows (idempotent: a redelivery finds nothing left)."""
    recipient = str(e.member_id)
    theirs = sa.select(notifications.c.notification_id).where(
        notifications.c.recipient_kind == RecipientKind.MEMBER.value,
        notifications.c.recipient_id == recipient,
    )
    await uow.session.execute(
        sa.delete(delivery_attempts).where(delivery_attempts.c.notification_id.in_(theirs))
    )
    await uow.session.execute(
        sa.delete(notifications).where(
            notifications.c.recipient_kind == RecipientKind.MEMBER.value,
            notifications.c.recipient_id == recipient,
        )
    )
    await uow.session.execute(sa.delete(preferences).where(preferences.c.recipient_id == recipient))
    await uow.session.execute(sa.delete(contact_points).where(contact_points.c.member_id == e.member_id))
