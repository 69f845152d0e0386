"""Members' contact points for the notifications service: sealed to its public key and sent on
the private compacted topic `topics.CONTACT_POINTS` (key: member id), in the same transaction as
the change that causes them. A withdrawal is followed by a tombstone, so compaction forgets them."""

from __future__ import annotations

import asyncio
from uuid import UUID

from unionfed_chassis.db import UnitOfWork
from unionfed_events import Envelope, topics
from unionfed_events import membership as ev

from membership.adapters.repository import Repository
from membership.adapters.vault import NationalIdVault
from membership.domain.model import Member


def contact_points_event(member: Member, sealed: str, key_id: str) -> ev.MemberContactPoints:
    return ev.MemberContactPoints(
        member_id=member.member_id,
        branch_id=member.branch_id,
        district=member.district,
        sealed=sealed,
        key_id=key_id,
        has_phone=member.phone_masked is not None,
        has_email=member.email_masked is not None,
    )


def publish_contact_points(
    uow: UnitOfWork, member: Member, sealed: str | None, key_id: str, caused_by: Envelope | None = None
) -> None:
    """Stage the member's sealed contact points; nothing when they have neither phone nor e-mail."""
    if sealed is None:
        return
    uow.send_to(
        topics.CONTACT_POINTS,
        contact_points_event(member, sealed, key_id),
        district=member.district,
        branch=member.branch_id,
        caused_by=caused_by,
    )


async def republish_contact_points(uow: UnitOfWork, vault: NationalIdVault, member: Member) -> None:
    """Seal the member's stored phone and e-mail again (current key, current branch) and stage them."""
    phone_enc, email_enc = await Repository(uow.session).contact_of(member.member_id)
    publish_contact_points(uow, member, _resealed(vault, phone_enc, email_enc), vault.contact_key.key_id)


def _resealed(vault: NationalIdVault, phone_enc: bytes | None, email_enc: bytes | None) -> str | None:
    phone = vault.decrypt(phone_enc) if phone_enc else None
    email = vault.unseal(email_enc).decode() if email_enc else None
    return vault.seal_contact(phone, email) if phone or email else None


async def republish_active_batch(
    uow: UnitOfWork, vault: NationalIdVault, after: UUID | None, limit: int
) -> tuple[int, UUID | None]:
    """Re-seal (with the current key) the contact points of up to `limit` active members after
    `after` in id order: how many were staged, and where the next batch starts (None: done).
    After a key rotation notifications can drop the old key once every batch went out."""
    batch = await Repository(uow.session).active_members_after(after, limit)
    # Milliseconds of CPU per hundred members: off the event loop.
    boxes = await asyncio.to_thread(lambda: [_resealed(vault, p, e) for _, p, e in batch])
    for (member, _, _), sealed in zip(batch, boxes, strict=True):
        publish_contact_points(uow, member, sealed, vault.contact_key.key_id)
    return len(batch), (batch[-1][0].member_id if len(batch) == limit else None)


def withdraw_contact_points(uow: UnitOfWork, member: Member, reason: ev.ContactWithdrawalReason) -> None:
    """Tell notifications to drop the member's contact points, then tombstone the key."""
    uow.send_to(
        topics.CONTACT_POINTS,
        ev.MemberContactPointsWithdrawn(member_id=member.member_id, reason=reason),
        district=member.district,
        branch=member.branch_id,
    )
    uow.tombstone(topics.CONTACT_POINTS, str(member.member_id))
