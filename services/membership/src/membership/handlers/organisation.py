"""The organisation tree: districts, and branches established, closed or merged."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from unionfed_chassis.db import UnitOfWork
from unionfed_events import membership as ev
from unionfed_events.topics import DISTRICT_CODE

from membership import commands as cmds
from membership.adapters.repository import Repository, application_from_row, history_row
from membership.domain.enums import BranchStatus
from membership.domain.errors import DomainError, NotFound
from membership.domain.model import INDUSTRIES, Branch, District, Member
from membership.handlers._shared import Scope, move_member, open_branch


async def create_district(uow: UnitOfWork, cmd: cmds.CreateDistrict, scope: Scope) -> District:
    scope(None, None)  # a new district is the federation's decision
    if not DISTRICT_CODE.match(cmd.code):
        raise DomainError("use 2-32 lowercase letters, digits or '-', starting with a letter", field="code")
    if not cmd.name.strip():
        raise DomainError("is required", field="name")
    district = District(cmd.code, cmd.name.strip())
    if not await Repository(uow.session).add_district(district):
        raise DomainError("a district with that code already exists", field="code")
    return district


async def establish_branch(uow: UnitOfWork, cmd: cmds.EstablishBranch, scope: Scope) -> Branch:
    repo = Repository(uow.session)
    scope(cmd.district, None)
    name = await _valid_branch_name(repo, cmd)
    branch_id = cmd.branch_id or f"{cmd.district}-{uuid.uuid4().hex[:6]}"
    if await repo.get_branch(branch_id) is not None:
        raise DomainError(f"branch id {branch_id} is taken", field="branch_id")
    branch = Branch(
        branch_id,
        name,
        cmd.kind,
        cmd.industry,
        cmd.district,
        BranchStatus.ACTIVE,
        cmd.auto_approve,
        cmd.established_on or date.today(),
    )
    await repo.add_branch(branch)
    uow.emit(
        ev.BranchEstablished(
            branch_id=branch.branch_id,
            name=branch.name,
            kind=ev.BranchKind(branch.kind.value),
            industry=branch.industry,
            district=branch.district,
            established_on=branch.established_on,
        ),
        district=branch.district,
        branch=branch.branch_id,
        sequence=1,
    )
    return branch


async def _valid_branch_name(repo: Repository, cmd: cmds.EstablishBranch) -> str:
    """The normalised name, once the district, industry and name itself pass."""
    if await repo.get_district(cmd.district) is None:
        raise DomainError("no such district", field="district")
    if cmd.industry not in INDUSTRIES:
        raise DomainError(f"unknown industry; one of {', '.join(INDUSTRIES)}", field="industry")
    name = " ".join(cmd.name.split())
    if not 2 <= len(name) <= 100 or not name.endswith("工会"):
        raise DomainError("must be 2-100 characters and end with 工会", field="name")
    if await repo.branch_name_taken(name):
        raise DomainError("a branch of that name already exists", field="name")
    return name


@dataclass(frozen=True)
class BranchClosure:
    branch: Branch
    members_moved: int
    applications_moved: int


async def close_branch(uow: UnitOfWork, cmd: cmds.CloseBranch, scope: Scope) -> BranchClosure:
    """Close (or, with `move_members_to`, merge) a branch; its members and pending applications
    move to the target, so nothing is orphaned. Without a target, only an empty branch closes."""
    repo = Repository(uow.session)
    on = cmd.on or date.today()
    branch = await repo.get_branch(cmd.branch_id, lock="update")
    if branch is None:
        raise NotFound(f"branch {cmd.branch_id}")
    scope(branch.district, branch.branch_id)
    if not cmd.reason.strip():
        raise DomainError("is required", field="reason")
    branch.close()
    target = await _merge_target(repo, branch, cmd.move_members_to)
    if target is not None:
        scope(target.district, target.branch_id)  # a merge needs scope over the receiving branch too
    members = await repo.active_members_of(branch.branch_id)
    pending = await repo.pending_applications_of(branch.branch_id)
    if (members or pending) and target is None:
        raise DomainError(
            f"the branch still has {len(members)} member(s) and {len(pending)} pending application(s); "
            "name the branch they move to",
            field="move_members_to",
        )
    if target is not None:
        await _move_everyone(
            uow, repo, members, pending, target, on, f"branch {branch.name} closed: {cmd.reason}"
        )
    await repo.add_history(
        (
            history_row(m, "transferred", on, from_branch_id=branch.branch_id, reason="branch closed")
            for m in members
        ),
        uow.actor,
    )
    await repo.save_branch_closed(branch, on, cmd.reason.strip(), target.branch_id if target else None)
    uow.emit(
        ev.BranchClosed(
            branch_id=branch.branch_id,
            district=branch.district,
            reason=cmd.reason.strip(),
            members_moved_to=target.branch_id if target else None,
            members_moved=len(members),
            closed_on=on,
        ),
        district=branch.district,
        branch=branch.branch_id,
    )
    return BranchClosure(branch, len(members), len(pending))


async def _merge_target(repo: Repository, branch: Branch, target_id: str | None) -> Branch | None:
    if not target_id:
        return None
    if target_id == branch.branch_id:
        raise DomainError("cannot move members into the branch being closed", field="move_members_to")
    return await open_branch(repo, target_id, "move_members_to")


async def _move_everyone(
    uow: UnitOfWork,
    repo: Repository,
    members: list[Member],
    pending: list[Any],
    target: Branch,
    on: date,
    reason: str,
) -> None:
    for member in members:
        move_member(uow, member, target, on, reason)
    await repo.save_members(members)
    for row in pending:
        await repo.save_application(application_from_row(row), branch=target)
