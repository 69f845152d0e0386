"""Officer routes of branch systems: register one (its Kafka topics are created with it), list
them, change the branches it serves."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Path
from unionfed_chassis.auth import Principal, ScopeError
from unionfed_chassis.errors import Rejected
from unionfed_chassis.http import RuntimeDep, UowDep
from unionfed_chassis.topic_admin import TopicAdminError, ensure_topics
from unionfed_events import topics

from membership import commands as cmds
from membership import handlers
from membership.adapters.joining_store import BranchSystems
from membership.domain.branch_system import BranchSystem
from membership.domain.errors import NotFound
from membership.entrypoints import schemas as s
from membership.entrypoints.http._common import DistrictFilter, scoped
from membership.entrypoints.http.access import READ, WRITE, Allow
from membership.entrypoints.schemas import SYSTEM_ID_PATTERN

log = logging.getLogger("membership.branch_systems")
router = APIRouter(tags=["branch systems"])

SystemIdPath = Annotated[
    str, Path(pattern=SYSTEM_ID_PATTERN, max_length=32, description="e.g. `hengtong-hr`")
]
Reader = Annotated[Principal, Allow("branch_systems", READ)]
Writer = Annotated[Principal, Allow("branch_systems", WRITE)]


@router.post("/branch-systems", status_code=201, response_model=s.BranchSystemPublic)
async def register_branch_system(
    body: s.BranchSystemCreate, uow: UowDep, principal: Writer, runtime: RuntimeDep
) -> Any:
    """Register a branch system of a district and create its request and answer topics."""
    cmd = cmds.RegisterBranchSystem(body.system_id, body.district, body.name, tuple(body.branch_ids))
    system = await handlers.register_branch_system(uow, cmd, principal.check)
    # Before the commit: a system is never registered without its topics (creating them twice is harmless).
    specs = topics.system_topics("membership", system.district, system.system_id)
    try:
        await ensure_topics(runtime.settings.kafka_bootstrap_servers, specs)
    except (TopicAdminError, OSError) as exc:
        log.error("topics of branch system %s not created: %s", system.system_id, exc)
        raise Rejected("the broker did not create the system's topics; try again", None, 503) from None
    await uow.commit()
    return public_view(system)


@router.get("/branch-systems", response_model=list[s.BranchSystemPublic])
async def list_branch_systems(uow: UowDep, principal: Reader, district: DistrictFilter = None) -> Any:
    """Branch systems within the caller's district (all of them for the federation)."""
    district, _ = scoped(principal, district, None)
    systems = await BranchSystems(uow.session).list(district)
    return [public_view(system) for system in systems if _visible(principal, system)]


@router.get("/branch-systems/{system_id}", response_model=s.BranchSystemPublic)
async def get_branch_system(system_id: SystemIdPath, uow: UowDep, principal: Reader) -> Any:
    """One branch system, its branches and its topics."""
    system = await BranchSystems(uow.session).get(system_id)
    if system is None:
        raise NotFound(f"branch system {system_id}")
    if not _visible(principal, system):
        raise ScopeError(f"{principal.role} cannot see that branch system")
    return public_view(system)


def _visible(principal: Principal, system: BranchSystem) -> bool:
    """Officers of its district, and branch officers of a branch it serves."""
    return principal.covers(system.district) or any(
        principal.covers(system.district, b) for b in system.branch_ids
    )


@router.put("/branch-systems/{system_id}/branches", response_model=s.BranchSystemPublic)
async def set_branch_system_branches(
    system_id: SystemIdPath, body: s.BranchSystemBranches, uow: UowDep, principal: Writer
) -> Any:
    """Replace the branches the system may register members into (effective for its next request)."""
    cmd = cmds.SetBranchSystemBranches(system_id, tuple(body.branch_ids))
    system = await handlers.set_branch_system_branches(uow, cmd, principal.check)
    await uow.commit()
    return public_view(system)


def public_view(system: BranchSystem) -> s.BranchSystemPublic:
    return s.BranchSystemPublic(
        system_id=system.system_id,
        district=system.district,
        name=system.name,
        branch_ids=sorted(system.branch_ids),
        inbound_topic=topics.system_inbound("membership", system.district, system.system_id),
        replies_topic=topics.system_replies("membership", system.district, system.system_id),
        acl_prefix=topics.system_prefix(system.district, system.system_id),
    )
