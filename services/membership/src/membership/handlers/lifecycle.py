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
from membership.domain.enums import MemberStatus
from membership.domain.errors import DomainError, InvalidTransition, NotFound
from membership.domain.model import Member
from membership.domain.phone import validate_mobile
from membership.handlers._shared import Scope, move_member, open_branch, refuse_if_active


async def _load_member(repo: Repository, member_id: UUID, scope: Scope) -> Member:
    member = await repo.get_member(member_id, for_update=True)
    if member is None:
        raise NotFound(f"member {member_id}")
    scope(member.district, member.branch_id)
    return member


async def transfer_member(uow: UnitOfWork, cmd: cmds.TransferMember, scope: Scope) -> Member:
    """Move a member to another branch, also across districts (both districts hear of it).
    The caller needs scope over both ends: the member's unit and the receiving branch."""
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
    return member


async def member_leaves(uow: UnitOfWork, cmd: cmds.MemberLeaves, scope: Scope) -> Member:
    repo = Repository(uow.session)
    member = await _load_member(repo, cmd.member_id, scope)
    on = cmd.on or date.today()
    member.leave(cmd.reason, on)
    await repo.save_members([member])
    await repo.add_history(
        [history_row(member, "left", on, reason=cmd.reason.value, note=cmd.note)], uow.actor
    )
    uow.emit(
        ev.MemberLeft(
            member_id=member.member_id,
            branch_id=member.branch_id,
            district=member.district,
            reason=ev.LeaveReason(cmd.reason.value),
            note=cmd.note,
            left_on=on,
        ),
        district=member.district,
        branch=member.branch_id,
        sequence=member.version,
    )
    return member


async def reinstate_member(uow: UnitOfWork, cmd: cmds.ReinstateMember, scope: Scope) -> Member:
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
    return member


async def update_contact(
    uow: UnitOfWork, cmd: cmds.UpdateContact, vault: NationalIdVault, scope: Scope
) -> Member:
    """Change phone / employer / employment type; the event carries the current (masked) values."""
    repo = Repository(uow.session)
    member = await _load_member(repo, cmd.member_id, scope)
    phone = validate_mobile(cmd.phone) if cmd.phone is not None else None
    version = member.version
    member.update_contact(phone=phone, employer=cmd.employer, employment_type=cmd.employment_type)
    if member.version == version:
        return member  # nothing changed: no event
    await repo.save_members([member], phone_enc=vault.encrypt(phone) if phone else None)
    changed = [
        n
        for n, v in (("phone", phone), ("employer", cmd.employer), ("employment_type", cmd.employment_type))
        if v is not None
    ]
    await repo.add_history([history_row(member, "contact_updated", date.today(), fields=changed)], uow.actor)
    uow.emit(
        ev.MemberContactUpdated(
            member_id=member.member_id,
            branch_id=member.branch_id,
            district=member.district,
            phone_masked=member.phone_masked,
            employer=member.employer,
            employment_type=ev.EmploymentType(member.employment_type.value),
        ),
        district=member.district,
        branch=member.branch_id,
        sequence=member.version,
    )
    return member
