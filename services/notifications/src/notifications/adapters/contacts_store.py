"""Where a recipient can be reached, opened only at the moment of sending."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_chassis.contact_seal import ContactKeyring, ContactPoints

from notifications.adapters.orm import contact_points, officers
from notifications.domain.model import RecipientKind


async def open_contact(
    session: AsyncSession, keyring: ContactKeyring, kind: RecipientKind, recipient_id: str
) -> ContactPoints | None:
    """The recipient's phone and e-mail, or None when there is nothing to open (never given,
    withdrawn, erased). Raises `UnknownContactKey` for a record sealed to a key not held."""
    if kind == RecipientKind.MEMBER:
        query = sa.select(contact_points.c.key_id, contact_points.c.sealed).where(
            contact_points.c.member_id == UUID(recipient_id)
        )
    elif kind == RecipientKind.OFFICER:
        query = sa.select(officers.c.key_id, officers.c.sealed).where(officers.c.officer_id == recipient_id)
    else:
        return None
    row = (await session.execute(query)).one_or_none()
    if row is None or row.sealed is None or row.key_id is None:
        return None
    return keyring.unseal(row.key_id, row.sealed)
