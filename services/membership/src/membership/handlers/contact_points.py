"""Members' contact points for the notifications service: sealed to its public key and sent on
the private compacted topic `topics.CONTACT_POINTS` (key: member id), in the same transaction as
the change that causes them. A withdrawal is followed by a tombstone, so compaction forgets them."""

from __future__ import annotations

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
    phone = vault.decrypt(phone_enc) if phone_enc else None
    email = vault.unseal(email_enc).decode() if email_enc else None
    sealed = vault.seal_contact(phone, email) if phone or email else None
    publish_contact_points(uow, member, sealed, vault.contact_key.key_id)


def withdraw_contact_points(uow: UnitOfWork, member: Member, reason: ev.ContactWithdrawalReason) -> None:
    """Tell notifications to drop the member's contact points, then tombstone the key."""
    uow.send_to(
        topics.CONTACT_POINTS,
        ev.MemberContactPointsWithdrawn(member_id=member.member_id, reason=reason),
        district=member.district,
        branch=member.branch_id,
    )
    uow.tombstone(topics.CONTACT_POINTS, str(member.member_id))
