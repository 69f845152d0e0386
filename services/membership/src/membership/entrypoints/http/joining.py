"""Routes of joining one person: self-service applications, officers' decisions and direct registration."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import Public, UowDep

from membership import commands as cmds
from membership import handlers
from membership.adapters import queries
from membership.domain.enums import ApplicationStatus
from membership.entrypoints import schemas as s
from membership.entrypoints.http._common import (
    BranchFilter,
    BranchIdPath,
    DistrictFilter,
    PageNo,
    PageSize,
    VaultDep,
    page_of,
    scoped,
)
from membership.entrypoints.http.access import READ, WRITE, Allow

ApplicationsWriter = Annotated[Principal, Allow("applications", WRITE)]

router = APIRouter(tags=["joining"])


@router.post("/applications", status_code=201, response_model=s.ApplicationReceipt, dependencies=[Public])
async def submit_application(body: s.ApplicationCreate, uow: UowDep, vault: VaultDep) -> Any:
    """Self-service application to join a branch (public). Auto-approved if the branch says so."""
    cmd = cmds.SubmitApplication(body.branch_id, _person(body))
    outcome = await handlers.submit_application(uow, cmd, vault)
    await uow.commit()
    member = outcome.member
    return s.ApplicationReceipt(
        application_id=outcome.application.application_id,
        branch_id=outcome.application.branch_id,
        status=outcome.application.status,
        member_id=member.member_id if member else None,
        card_number=member.card_number if member else None,
    )


@router.get("/applications", response_model=s.Page[s.ApplicationPublic])
async def list_applications(
    uow: UowDep,
    principal: Annotated[Principal, Allow("applications", READ)],
    district: DistrictFilter = None,
    branch_id: BranchFilter = None,
    status: ApplicationStatus | None = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Self-service applications (e.g. those waiting for approval), within the caller's scope."""
    district, branch_id = scoped(principal, district, branch_id)
    result = await queries.list_applications(
        uow.session, page, page_size, district=district, branch_id=branch_id, status=status
    )
    return page_of(result, s.ApplicationPublic, page, page_size)


@router.post("/applications/{application_id}/approve", response_model=s.MemberPublic)
async def approve_application(
    application_id: UUID, uow: UowDep, principal: ApplicationsWriter, vault: VaultDep
) -> Any:
    """Approve a pending application: the applicant becomes a member (MemberJoined)."""
    outcome = await handlers.approve_application(
        uow, cmds.ApproveApplication(application_id), vault, principal.check
    )
    await uow.commit()
    assert outcome.member is not None
    return await queries.get_member(uow.session, outcome.member.member_id)


@router.post("/applications/{application_id}/reject", response_model=s.ApplicationPublic)
async def reject_application(
    application_id: UUID, body: s.ApplicationReject, uow: UowDep, principal: ApplicationsWriter
) -> Any:
    """Refuse a pending application with a reason the applicant can read."""
    await handlers.reject_application(
        uow, cmds.RejectApplication(application_id, body.reason), principal.check
    )
    await uow.commit()
    return await queries.get_application(uow.session, application_id)


@router.post("/branches/{branch_id}/members", status_code=201, response_model=s.MemberPublic)
async def register_member(
    branch_id: BranchIdPath,
    body: s.MemberCreate,
    uow: UowDep,
    principal: Annotated[Principal, Allow("members", WRITE)],
    vault: VaultDep,
) -> Any:
    """Register one member of a branch directly, without an application (MemberJoined, channel `officer`)."""
    cmd = cmds.RegisterMember(branch_id, _person(body), body.joined_on)
    member = await handlers.register_member(uow, cmd, vault, principal.check)
    await uow.commit()
    return await queries.get_member(uow.session, member.member_id)


def _person(body: s.PersonCreate) -> cmds.Person:
    return cmds.Person(body.name, body.national_id, body.phone, body.employer, body.employment_type)
