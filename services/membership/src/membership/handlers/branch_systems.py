"""Registering branch systems and the branches each may register members into."""

from __future__ import annotations

from unionfed_chassis.db import UnitOfWork
from unionfed_events.topics import SYSTEM_CODE

from membership import commands as cmds
from membership.adapters.joining_store import BranchSystems
from membership.adapters.repository import Repository
from membership.domain.branch_system import BranchSystem
from membership.domain.errors import DomainError, NotFound
from membership.handlers._shared import Scope


async def register_branch_system(
    uow: UnitOfWork, cmd: cmds.RegisterBranchSystem, scope: Scope
) -> BranchSystem:
    """A new system of `cmd.district`, serving the given branches of that district. The caller
    creates its topics before committing (`unionfed_events.topics.system_topics`)."""
    if not SYSTEM_CODE.match(cmd.system_id):
        raise DomainError(
            "use 2-32 lowercase letters, digits or '-', starting with a letter", field="system_id"
        )
    if not cmd.name.strip():
        raise DomainError("is required", field="name")
    if await Repository(uow.session).get_district(cmd.district) is None:
        raise DomainError("no such district", field="district")
    scope(cmd.district, None)
    branch_ids = await _branches_of(uow, cmd.district, cmd.branch_ids, scope)
    system = BranchSystem(cmd.system_id, cmd.district, cmd.name.strip(), branch_ids)
    if not await BranchSystems(uow.session).add(system):
        raise DomainError("a branch system with that id already exists", field="system_id")
    return system


async def set_branch_system_branches(
    uow: UnitOfWork, cmd: cmds.SetBranchSystemBranches, scope: Scope
) -> BranchSystem:
    """Replace the branches a system serves (all of them in its district)."""
    systems = BranchSystems(uow.session)
    system = await systems.get(cmd.system_id, for_update=True)
    if system is None:
        raise NotFound(f"branch system {cmd.system_id}")
    scope(system.district, None)
    branch_ids = await _branches_of(uow, system.district, cmd.branch_ids, scope)
    await systems.set_branches(system.system_id, branch_ids)
    return BranchSystem(system.system_id, system.district, system.name, branch_ids)


async def _branches_of(
    uow: UnitOfWork, district: str, branch_ids: tuple[str, ...], scope: Scope
) -> frozenset[str]:
    if not branch_ids:
        raise DomainError("a branch system serves at least one branch", field="branch_ids")
    repo = Repository(uow.session)
    for position, branch_id in enumerate(branch_ids):
        branch = await repo.get_branch(branch_id, lock="share")
        if branch is None or branch.district != district:
            # The position, not the value: a mistyped id may be a phone or ID number.
            raise DomainError(f"branch_ids[{position}] is not a branch of the district", field="branch_ids")
        scope(branch.district, branch.branch_id)
    return frozenset(branch_ids)
