"""Routes of joining one person: self-service applications (public, rate-limited, with a one-time
code), officers' decisions and direct registration."""

from __future__ import annotations

import logging
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import Public, UowDep
from unionfed_chassis.rate_limit import RATE_LIMITED_RESPONSE

from membership import commands as cmds
from membership import handlers
from membership.adapters import queries
from membership.domain.enums import ApplicationStatus
from membership.domain.errors import DomainError
from membership.entrypoints import schemas as s
from membership.entrypoints.http._common import (
    BranchFilter,
    BranchIdPath,
    DistrictFilter,
    PageNo,
    PageSize,
    VaultDep,
    in_scope,
    page_of,
    scoped,
)
from membership.entrypoints.http._public import PublicJoining, PublicJoiningDep
from membership.entrypoints.http.access import READ, WRITE, Allow

ApplicationsWriter = Annotated[Principal, Allow("applications", WRITE)]

log = logging.getLogger("membership.joining")
router = APIRouter(tags=["joining"])


@router.post(
    "/applications",
    status_code=201,
    response_model=s.ApplicationReceipt,
    dependencies=[Public],
    responses=RATE_LIMITED_RESPONSE,
)
async def submit_application(
    body: s.ApplicationCreate, uow: UowDep, vault: VaultDep, public: PublicJoiningDep
) -> Any:
    """Self-service application to join a branch (public). The answer is the same whether or not
    the person is already a member; a branch that approves on its own first sends a code to the phone."""
    await public.limit_person(body.national_id, body.phone)
    cmd = cmds.SubmitApplication(body.branch_id, _person(body))
    submitted = await handlers.submit_application(uow, cmd, vault, public.codes)
    await uow.commit()
    application = submitted.application
    if submitted.code is not None:
        await _send_code(public, submitted)
    return s.ApplicationReceipt(
        application_id=application.application_id,
        branch_id=application.branch_id,
        status=application.status,
        code_sent_to=application.phone_masked if submitted.code is not None else None,
    )


async def _send_code(public: PublicJoining, submitted: handlers.Submitted) -> None:
    assert public.sender is not None and public.codes is not None and submitted.code is not None
    minutes = int(public.codes.ttl.total_seconds() // 60)
    try:
        await public.sender.send_code(
            submitted.phone, submitted.code, submitted.application.application_id, minutes
        )
    except Exception:  # the applicant sees no code and applies again; the answer stays the same
        log.exception("could not send the code of application %s", submitted.application.application_id)


@router.post(
    "/applications/{application_id}/verify",
    response_model=s.VerificationReceipt,
    dependencies=[Public],
    responses=RATE_LIMITED_RESPONSE,
)
async def verify_application(
    application_id: UUID, body: s.VerificationCreate, uow: UowDep, vault: VaultDep, public: PublicJoiningDep
) -> Any:
    """Confirm the phone with the one-time code (public). A wrong code uses up one attempt."""
    if public.codes is None:
        raise DomainError("this service sends no codes; the branch decides on applications", field="code")
    verified = await handlers.verify_application(
        uow, cmds.VerifyApplication(application_id, body.code), vault, public.codes
    )
    await uow.commit()  # a wrong attempt is counted too
    if verified.error is not None:
        raise verified.error
    return s.VerificationReceipt(application_id=application_id, branch_id=verified.application.branch_id)


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


@router.get("/applications/{application_id}", response_model=s.ApplicationPublic)
async def get_application(
    application_id: UUID, uow: UowDep, principal: Annotated[Principal, Allow("applications", READ)]
) -> Any:
    """One application as it really stands, e.g. `duplicate_of` a member (never shown to the public)."""
    row = await queries.get_application(uow.session, application_id)
    return in_scope(row, f"application {application_id}", principal)


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
    return cmds.Person(
        body.name, body.national_id, body.phone, body.employer, body.employment_type, body.email
    )
