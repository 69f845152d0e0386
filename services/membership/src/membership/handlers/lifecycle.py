"""A member's life after joining: transfers, leaving, reinstatement, contact changes."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from unionfed_chassis.db import UnitOfWork
from unionfed_events import membership as ev

from membership import commands as cmds
from membership.adapters.repository import Repository, history_row
from membership.adapters.vault import NationalIdVault
from membership.domain.email import validate_email
from membership.domain.enums import LeaveReason, MemberStatus
from membership.domain.errors import DomainError, InvalidTransition, NotFound
from membership.domain.model import Member
from membership.domain.phone import validate_mobile
from membership.handlers._shared import Scope, move_member, open_branch, refuse_if_active
from membership.handlers.contact_points import republish_contact_points, withdraw_contact_points


async def _load_member(repo: Repository, member_id: UUID, scope: Scope) -> Member:
    member = await repo.get_member(member_id, for_update=True)
    if member is None:
        raise NotFound(f"member {member_id}")
    scope(member.district, member.branch_id)
    return member


async def transfer_member(
    uow: UnitOfWork, cmd: cmds.TransferMember, vault: NationalIdVault, scope: Scope
) -> Member:
    """Move a member to another branch, also across districts (both districts hear of it), and
    re-publish their contact points with the new unit. The caller needs scope over both ends:
    the member's unit and the receiving branch."""
    repo = Repository(uow.session)
    member = await _load_member(repo, cmd.member_id, scope)
    target = await repo.get_branch(cmd.to_branch_id, lock="share")
    if target is None:
        raise DomainError(f"no branch with id {cmd.to_branch_id}", field="to_branch_id")
    scope(target.district, target.branch_id)
    on = cmd.on or date.today()
    old_branch = member.branch_id
    try:
        move_member(uow, member, target, on, cmd.reason)
    except InvalidTransition as exc:
        exc.field = exc.field or "to_branch_id"
        raise
    await repo.save_members([member])
    await repo.add_history(
        [history_row(member, "transferred", on, from_branch_id=old_branch, reason=cmd.reason)],
        uow.actor,
    )
    await republish_contact_points(uow, vault, member)
    return member


async def member_leaves(uow: UnitOfWork, cmd: cmds.MemberLeaves, scope: Scope) -> Member:
    """The membership ends (MemberLeft); the member's contact points are withdrawn."""
    repo = Repository(uow.session)
    member = await _load_member(repo, cmd.member_id, scope)
    if cmd.reason is LeaveReason.ERASED:
        raise DomainError("an erasure ends the membership itself: use the erasure request", field="reason")
    await _leave(uow, repo, member, cmd.reason, cmd.on or date.today(), cmd.note)
    return member


async def _leave(
    uow: UnitOfWork, repo: Repository, member: Member, reason: LeaveReason, on: date, note: str | None
) -> None:
    member.leave(reason, on)
    await repo.save_members([member])
    await repo.add_history([history_row(member, "left", on, reason=reason.value, note=note)], uow.actor)
    uow.emit(
        ev.MemberLeft(
            member_id=member.member_id,
            branch_id=member.branch_id,
            district=member.district,
            reason=ev.LeaveReason(reason.value),
            note=note,
            left_on=on,
        ),
        district=member.district,
        branch=member.branch_id,
        sequence=member.version,
    )
    if reason is not LeaveReason.ERASED:  # the erasure withdraws them itself, with its reason
        withdraw_contact_points(uow, member, ev.ContactWithdrawalReason.LEFT)


async def reinstate_member(
    uow: UnitOfWork, cmd: cmds.ReinstateMember, vault: NationalIdVault, scope: Scope
) -> Member:
    """A former member is active again (MemberReinstated); their contact points are published again."""
    repo = Repository(uow.session)
    member = await _load_member(repo, cmd.member_id, scope)
    branch = await open_branch(repo, cmd.branch_id or member.branch_id)
    scope(branch.district, branch.branch_id)
    if member.status is MemberStatus.LEFT:  # rejoined meanwhile through another path?
        await refuse_if_active(repo, await repo.member_hash(member.member_id))
    on = cmd.on or date.today()
    old_district = member.district
    member.reinstate(branch, on)
    try:
        async with uow.session.begin_nested():
            await repo.save_members([member])
    except IntegrityError:
        await refuse_if_active(repo, await repo.member_hash(member.member_id))
        raise
    await repo.add_history([history_row(member, "reinstated", on)], uow.actor)
    uow.emit(
        ev.MemberReinstated(
            member_id=member.member_id,
            branch_id=member.branch_id,
            district=member.district,
            reinstated_on=on,
        ),
        district=member.district,
        branch=member.branch_id,
        sequence=member.version,
        also_to_districts=[old_district],
    )
    await republish_contact_points(uow, vault, member)
    return member


async def update_contact(
    uow: UnitOfWork, cmd: cmds.UpdateContact, vault: NationalIdVault, scope: Scope
) -> Member:
    """Change phone / e-mail / employer / employment type; the event carries the current (masked)
    values, and new contact points are published when the phone or e-mail changed."""
    repo = Repository(uow.session)
    member = await _load_member(repo, cmd.member_id, scope)
    phone = validate_mobile(cmd.phone) if cmd.phone is not None else None
    email = validate_email(cmd.email) if cmd.email is not None else None
    version = member.version
    member.update_contact(
        phone=phone, employer=cmd.employer, employment_type=cmd.employment_type, email=email
    )
    if member.version == version:
        return member  # nothing changed: no event
    await repo.save_members(
        [member],
        phone_enc=vault.encrypt(phone) if phone else None,
        email_enc=vault.seal(email.encode()) if email else None,
    )
    given = (
        ("phone", phone),
        ("email", email),
        ("employer", cmd.employer),
        ("employment_type", cmd.employment_type),
    )
    changed = [n for n, v in given if v is not None]
    await repo.add_history([history_row(member, "contact_updated", date.today(), fields=changed)], uow.actor)
    uow.emit(
        ev.MemberContactUpdated(
            member_id=member.member_id,
            branch_id=member.branch_id,
            district=member.district,
            phone_masked=member.phone_masked,
            employer=member.employer,
            employment_type=ev.EmploymentType(member.employment_type.value),
            email_masked=member.email_masked,
        ),
        district=member.district,
        branch=member.branch_id,
        sequence=member.version,
    )
    # A masked value hides a change of digits in the middle: any phone or e-mail given re-seals.
    if phone is not None or email is not None:
        await republish_contact_points(uow, vault, member)
    return member


async def erase_member(uow: UnitOfWork, cmd: cmds.EraseMember, scope: Scope) -> Member:
    """Destroy the member's personal data on request (PIPL). An active membership ends first
    (MemberLeft, reason `erased`); then MemberErased, the contact points' withdrawal and their
    tombstone, all in this transaction. A second erasure is refused and changes nothing."""
    repo = Repository(uow.session)
    member = await _load_member(repo, cmd.member_id, scope)
    if member.erased_on is not None:
        raise InvalidTransition(f"the member's personal data was already erased on {member.erased_on}")
    on = date.today()
    if member.status is MemberStatus.ACTIVE:
        await _leave(uow, repo, member, LeaveReason.ERASED, max(on, member.joined_on), None)
    member.erase(on)
    await repo.save_erased(member)
    await repo.add_history([history_row(member, "erased", on, reason=cmd.reason)], uow.actor)
    uow.emit(
        ev.MemberErased(
            member_id=member.member_id, branch_id=member.branch_id, district=member.district, erased_on=on
        ),
        district=member.district,
        branch=member.branch_id,
        sequence=member.version,
    )
    withdraw_contact_points(uow, member, ev.ContactWithdrawalReason.ERASED)
    return member
