"""Officers registered for alerts: their unit (from their token) and their addresses, sealed to
the service's own contact key; opened here only to show them masked."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_chassis.auth import Principal
from unionfed_chassis.contact_seal import ContactKeyring, ContactPoints, UnknownContactKey, seal

from notifications.adapters.orm import officers
from notifications.domain.contact_addresses import mask_email, mask_phone

log = logging.getLogger("unionfed.notifications.officers")


async def register(
    session: AsyncSession,
    principal: Principal,
    contact: ContactPoints,
    digest: str,
    key_id: str,
    public_key: str,
) -> None:
    """Create or replace the caller's registration; the unit is the token's, as of now."""
    has_any = contact.phone is not None or contact.email is not None
    values: dict[str, Any] = {
        "role": principal.role.value,
        "district": principal.district,
        "branch_id": principal.branch,
        "key_id": key_id if has_any else None,
        "sealed": seal(public_key, contact) if has_any else None,
        "digest": digest,
    }
    statement = insert(officers).values(officer_id=principal.subject, **values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[officers.c.officer_id], set_={**values, "updated_at": sa.func.now()}
        )
    )


async def get(session: AsyncSession, officer_id: str) -> Any:
    return (await session.execute(officers.select().where(officers.c.officer_id == officer_id))).one_or_none()


async def remove(session: AsyncSession, officer_id: str) -> bool:
    result = await session.execute(officers.delete().where(officers.c.officer_id == officer_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def listing(
    session: AsyncSession, page: int, size: int, *, district: str | None, branch_id: str | None
) -> tuple[Sequence[Any], int]:
    where = []
    if district is not None:
        where.append(officers.c.district == district)
    if branch_id is not None:
        where.append(officers.c.branch_id == branch_id)
    rows = await session.execute(
        officers.select().where(*where).order_by(officers.c.officer_id).limit(size).offset((page - 1) * size)
    )
    total = await session.scalar(sa.select(sa.func.count()).select_from(officers).where(*where))
    return rows.all(), total or 0


def masked(row: Any, keyring: ContactKeyring) -> dict[str, Any]:
    """The row as an answer shows it: addresses masked (None when unset or no longer openable)."""
    email = phone = None
    if row.sealed is not None and row.key_id is not None:
        try:
            contact = keyring.unseal(row.key_id, row.sealed)
            email = mask_email(contact.email) if contact.email else None
            phone = mask_phone(contact.phone) if contact.phone else None
        except UnknownContactKey:
            log.warning("officer %s: addresses sealed to a key no longer held", row.officer_id)
    return {
        "officer_id": row.officer_id,
        "role": row.role,
        "district": row.district,
        "branch_id": row.branch_id,
        "email": email,
        "phone": phone,
        "digest": row.digest,
        "updated_at": row.updated_at,
    }
