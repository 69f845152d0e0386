"""Routes of the organisation tree: districts and branches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep
from unionfed_chassis.inputs import ShortText

from membership import commands as cmds
from membership import handlers
from membership.adapters import queries
from membership.domain.enums import BranchKind, BranchStatus
from membership.entrypoints import schemas as s
from membership.entrypoints.http._common import (
    BranchIdPath,
    DistrictFilter,
    PageNo,
    PageSize,
    TextFilter,
    in_scope,
    page_of,
    scoped,
)
from membership.entrypoints.http.access import READ, WRITE, Allow

router = APIRouter(tags=["organisation"])


@router.post("/districts", status_code=201, response_model=s.DistrictPublic)
async def create_district(
    body: s.DistrictCreate, uow: UowDep, principal: Annotated[Principal, Allow("districts", WRITE)]
) -> Any:
    """Create a district union (the federation's decision)."""
    district = await handlers.create_district(uow, cmds.CreateDistrict(body.code, body.name), principal.check)
    await uow.commit()
    return district


@router.get("/districts", response_model=list[s.DistrictPublic])
async def list_districts(uow: UowDep, principal: Annotated[Principal, Allow("districts", READ)]) -> Any:
    """District unions the caller may see."""
    district, _ = scoped(principal, None, None)
    return await queries.list_districts(uow.session, district)


@router.post("/branches", status_code=201, response_model=s.BranchPublic)
async def establish_branch(
    body: s.BranchCreate, uow: UowDep, principal: Annotated[Principal, Allow("branches", WRITE)]
) -> Any:
    """Establish a grassroots branch in a district (emits BranchEstablished)."""
    cmd = cmds.EstablishBranch(
        body.name,
        body.kind,
        body.industry,
        body.district,
        body.auto_approve,
        body.branch_id,
        body.established_on,
    )
    branch = await handlers.establish_branch(uow, cmd, principal.check)
    await uow.commit()
    return await queries.get_branch(uow.session, branch.branch_id)


@router.get("/branches", response_model=s.Page[s.BranchPublic])
async def list_branches(
    uow: UowDep,
    principal: Annotated[Principal, Allow("branches", READ)],
    district: DistrictFilter = None,
    industry: TextFilter = None,
    kind: BranchKind | None = None,
    status: BranchStatus | None = None,
    q: Annotated[ShortText | None, Query(description="Part of the branch name")] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Branches with filters and pagination, within the caller's scope."""
    district, branch_id = scoped(principal, district, None)
    result = await queries.list_branches(
        uow.session,
        page,
        page_size,
        district=district,
        branch_id=branch_id,
        industry=industry,
        kind=kind,
        status=status,
        q=q,
    )
    return page_of(result, s.BranchPublic, page, page_size)


@router.get("/branches/{branch_id}", response_model=s.BranchPublic)
async def get_branch(
    branch_id: BranchIdPath, uow: UowDep, principal: Annotated[Principal, Allow("branches", READ)]
) -> Any:
    """One branch."""
    return in_scope(await queries.get_branch(uow.session, branch_id), f"branch {branch_id}", principal)


@router.post("/branches/{branch_id}/close", response_model=s.BranchClosurePublic)
async def close_branch(
    branch_id: BranchIdPath,
    body: s.BranchClose,
    uow: UowDep,
    principal: Annotated[Principal, Allow("branches", WRITE)],
) -> Any:
    """Close a branch; with `move_members_to` its members and pending applications move there (a merge,
    which needs scope over both branches)."""
    cmd = cmds.CloseBranch(branch_id, body.reason, body.move_members_to, body.on)
    closure = await handlers.close_branch(uow, cmd, principal.check)
    await uow.commit()
    return {
        "branch": await queries.get_branch(uow.session, branch_id),
        "members_moved": closure.members_moved,
        "applications_moved": closure.applications_moved,
    }
