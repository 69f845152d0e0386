"""HTTP API: officers (bearer token, scoped) and the public self-service application form."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from unionfed_chassis.auth import Principal, Role, ScopeError
from unionfed_chassis.errors import error_body
from unionfed_chassis.http import PrincipalDep, Public, UowDep

from membership import commands as cmds
from membership import handlers
from membership.adapters import queries
from membership.domain.csv_import import failed_rows_csv
from membership.domain.enums import EMPLOYMENT_TYPE_LABELS, ApplicationStatus, EmploymentType, MemberStatus
from membership.domain.errors import DomainError, NotFound
from membership.domain.model import INDUSTRIES
from membership.domain.national_id import NationalIdVault
from membership.entrypoints import schemas as s

PageNo = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(ge=1, le=200)]


def get_vault(request: Request) -> NationalIdVault:
    vault: NationalIdVault = request.app.state.vault
    return vault


VaultDep = Annotated[NationalIdVault, Depends(get_vault)]


def install_domain_errors(app: FastAPI) -> None:
    """Domain errors become 422 naming the field; unknown ids 404."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        status = 404 if isinstance(exc, NotFound) else 422
        return JSONResponse(error_body(exc.reason, exc.field), status_code=status)


def scoped(
    principal: Principal, district: str | None, branch_id: str | None
) -> tuple[str | None, str | None]:
    """The list filters a principal may use: their own unit, whatever they asked for."""
    if principal.is_federation_wide:
        return district, branch_id
    if district is not None and district != principal.district:
        raise ScopeError(f"{principal.role} of {principal.district} cannot see district {district}")
    if principal.role == Role.DISTRICT_OFFICER:
        return principal.district, branch_id
    if branch_id is not None and branch_id != principal.branch:
        raise ScopeError(f"branch officer of {principal.branch} cannot see branch {branch_id}")
    return district, principal.branch


def _page(result: queries.Page, model: type[Any], page: int, size: int) -> dict[str, Any]:
    return {
        "items": [model.model_validate(r) for r in result.items],
        "total": result.total,
        "page": page,
        "page_size": size,
    }


organisation = APIRouter(tags=["organisation"])


@organisation.post("/districts", status_code=201, response_model=s.DistrictPublic)
async def create_district(body: s.DistrictCreate, uow: UowDep, principal: PrincipalDep) -> Any:
    """Create a district union (federation admin only)."""
    principal.require_role(Role.FEDERATION_ADMIN)
    district = await handlers.create_district(uow, cmds.CreateDistrict(body.code, body.name))
    await uow.commit()
    return district


@organisation.get("/districts", response_model=list[s.DistrictPublic])
async def list_districts(uow: UowDep, principal: PrincipalDep) -> Any:
    """District unions the caller may see."""
    district, _ = scoped(principal, None, None)
    return await queries.list_districts(uow.session, district)


@organisation.post("/branches", status_code=201, response_model=s.BranchPublic)
async def establish_branch(body: s.BranchCreate, uow: UowDep, principal: PrincipalDep) -> Any:
    """Establish a grassroots branch in a district (emits BranchEstablished)."""
    principal.require_role(Role.FEDERATION_ADMIN, Role.DISTRICT_OFFICER)
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


@organisation.get("/branches", response_model=s.Page[s.BranchPublic])
async def list_branches(
    uow: UowDep,
    principal: PrincipalDep,
    district: str | None = None,
    industry: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    q: str | None = Query(None, description="Part of the branch name"),
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
    return _page(result, s.BranchPublic, page, page_size)


@organisation.get("/branches/{branch_id}", response_model=s.BranchPublic)
async def get_branch(branch_id: str, uow: UowDep, principal: PrincipalDep) -> Any:
    """One branch."""
    row = await queries.get_branch(uow.session, branch_id)
    if row is None:
        raise NotFound(f"branch {branch_id}")
    principal.check(row.district, row.branch_id)
    return row


@organisation.post("/branches/{branch_id}/close", response_model=s.BranchClosurePublic)
async def close_branch(branch_id: str, body: s.BranchClose, uow: UowDep, principal: PrincipalDep) -> Any:
    """Close a branch; with `move_members_to` its members and pending applications move there (a merge)."""
    principal.require_role(Role.FEDERATION_ADMIN, Role.DISTRICT_OFFICER)
    cmd = cmds.CloseBranch(branch_id, body.reason, body.move_members_to, body.on)
    closure = await handlers.close_branch(uow, cmd, principal.check)
    await uow.commit()
    return {
        "branch": await queries.get_branch(uow.session, branch_id),
        "members_moved": closure.members_moved,
        "applications_moved": closure.applications_moved,
    }


joining = APIRouter(tags=["joining"])


@joining.post("/applications", status_code=201, response_model=s.ApplicationReceipt, dependencies=[Public])
async def submit_application(body: s.ApplicationCreate, uow: UowDep, vault: VaultDep) -> Any:
    """Self-service application to join a branch (public). Auto-approved if the branch says so."""
    person = cmds.Person(body.name, body.national_id, body.phone, body.employer, body.employment_type)
    outcome = await handlers.submit_application(uow, cmds.SubmitApplication(body.branch_id, person), vault)
    await uow.commit()
    member = outcome.member
    return s.ApplicationReceipt(
        application_id=outcome.application.application_id,
        branch_id=outcome.application.branch_id,
        status=outcome.application.status,
        member_id=member.member_id if member else None,
        card_number=member.card_number if member else None,
    )


@joining.get("/applications", response_model=s.Page[s.ApplicationPublic])
async def list_applications(
    uow: UowDep,
    principal: PrincipalDep,
    district: str | None = None,
    branch_id: str | None = None,
    status: ApplicationStatus | None = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Self-service applications (e.g. those waiting for approval), within the caller's scope."""
    district, branch_id = scoped(principal, district, branch_id)
    result = await queries.list_applications(
        uow.session, page, page_size, district=district, branch_id=branch_id, status=status
    )
    return _page(result, s.ApplicationPublic, page, page_size)


@joining.post("/applications/{application_id}/approve", response_model=s.MemberPublic)
async def approve_application(
    application_id: UUID, uow: UowDep, principal: PrincipalDep, vault: VaultDep
) -> Any:
    """Approve a pending application: the applicant becomes a member (MemberJoined)."""
    outcome = await handlers.approve_application(
        uow, cmds.ApproveApplication(application_id), vault, principal.check
    )
    await uow.commit()
    assert outcome.member is not None
    return await queries.get_member(uow.session, outcome.member.member_id)


@joining.post("/applications/{application_id}/reject", response_model=s.ApplicationPublic)
async def reject_application(
    application_id: UUID, body: s.ApplicationReject, uow: UowDep, principal: PrincipalDep
) -> Any:
    """Refuse a pending application with a reason the applicant can read."""
    await handlers.reject_application(
        uow, cmds.RejectApplication(application_id, body.reason), principal.check
    )
    await uow.commit()
    return await queries.get_application(uow.session, application_id)


@joining.post("/branches/{branch_id}/imports", response_model=s.ImportPublic)
async def import_members(
    branch_id: str,
    request: Request,
    uow: UowDep,
    principal: PrincipalDep,
    vault: VaultDep,
    file: UploadFile = File(
        description="CSV (UTF-8 or GB18030): name, national_id, phone, employer, "
        "employment_type[, joined_on]; Chinese headers accepted"
    ),
) -> Any:
    """Bulk import of members into a branch; per-row errors, failed rows downloadable as CSV.
    Uploading the same file again returns the first result and creates nobody."""
    limit = request.app.state.settings.import_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise DomainError(f"the file is larger than {limit} bytes; split it", field="file")
    cmd = cmds.ImportMembers(branch_id, data, file.filename, principal.subject)
    try:
        result = await handlers.import_members(uow, cmd, vault, principal.check)
    except DomainError as exc:
        exc.field = exc.field or "file"
        raise
    await uow.commit()
    return _import_public(result)


def _import_public(result: handlers.ImportResult) -> s.ImportPublic:
    return s.ImportPublic(
        import_id=result.import_id,
        branch_id=result.branch_id,
        rows=result.rows,
        created=result.created,
        failed=result.failed,
        errors=[s.RowErrorPublic(**e) for e in result.errors],
        failed_rows_url=f"/imports/{result.import_id}/failed-rows.csv",
        replayed=result.replayed,
    )


async def _load_import(import_id: UUID, uow: Any, principal: Principal) -> Any:
    from membership.adapters.repository import Repository

    row = await Repository(uow.session).get_import(import_id)
    if row is None:
        raise NotFound(f"import {import_id}")
    principal.check(row.district, row.branch_id)
    return row


@joining.get("/imports/{import_id}", response_model=s.ImportPublic)
async def get_import(import_id: UUID, uow: UowDep, principal: PrincipalDep) -> Any:
    """The result of an earlier bulk import."""
    return _import_public(handlers.import_result(await _load_import(import_id, uow, principal), False))


@joining.get("/imports/{import_id}/failed-rows.csv", response_class=Response)
async def failed_rows(import_id: UUID, uow: UowDep, principal: PrincipalDep, vault: VaultDep) -> Response:
    """Just the rows that failed, as typed, plus `field` and `reason` columns; fix and upload again."""
    row = await _load_import(import_id, uow, principal)
    content = vault.unseal(row.failed_rows_csv) if row.failed_rows_csv else failed_rows_csv([])
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="failed-rows-{import_id}.csv"'},
    )


members = APIRouter(tags=["members"])


@members.get("/members", response_model=s.Page[s.MemberPublic])
async def list_members(
    uow: UowDep,
    principal: PrincipalDep,
    district: str | None = None,
    branch_id: str | None = None,
    status: MemberStatus | None = None,
    employment_type: EmploymentType | None = None,
    industry: str | None = None,
    card_number: str | None = None,
    q: str | None = Query(None, description="Part of the member's name"),
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Members with filters and pagination, within the caller's scope."""
    district, branch_id = scoped(principal, district, branch_id)
    result = await queries.list_members(
        uow.session,
        page,
        page_size,
        district=district,
        branch_id=branch_id,
        status=status,
        employment_type=employment_type,
        industry=industry,
        card_number=card_number,
        q=q,
    )
    return _page(result, s.MemberPublic, page, page_size)


async def _visible_member(member_id: UUID, uow: Any, principal: Principal) -> Any:
    row = await queries.get_member(uow.session, member_id)
    if row is None:
        raise NotFound(f"member {member_id}")
    principal.check(row.district, row.branch_id)
    return row


@members.get("/members/{member_id}", response_model=s.MemberPublic)
async def get_member(member_id: UUID, uow: UowDep, principal: PrincipalDep) -> Any:
    """One member (ID and phone masked)."""
    return await _visible_member(member_id, uow, principal)


@members.get("/members/{member_id}/history", response_model=list[s.HistoryEntry])
async def member_history(member_id: UUID, uow: UowDep, principal: PrincipalDep) -> Any:
    """What happened to the membership, oldest first."""
    await _visible_member(member_id, uow, principal)
    return await queries.member_history_of(uow.session, member_id)


@members.post("/members/{member_id}/transfer", response_model=s.MemberPublic)
async def transfer_member(
    member_id: UUID, body: s.TransferCreate, uow: UowDep, principal: PrincipalDep
) -> Any:
    """Move a member to another branch, possibly in another district (MemberTransferred to both)."""
    cmd = cmds.TransferMember(member_id, body.to_branch_id, body.reason, body.on)
    await handlers.transfer_member(uow, cmd, principal.check)
    await uow.commit()
    return await queries.get_member(uow.session, member_id)


@members.post("/members/{member_id}/leave", response_model=s.MemberPublic)
async def member_leaves(member_id: UUID, body: s.LeaveCreate, uow: UowDep, principal: PrincipalDep) -> Any:
    """Record that a member left the union (MemberLeft)."""
    await handlers.member_leaves(
        uow, cmds.MemberLeaves(member_id, body.reason, body.note, body.on), principal.check
    )
    await uow.commit()
    return await queries.get_member(uow.session, member_id)


@members.post("/members/{member_id}/reinstate", response_model=s.MemberPublic)
async def reinstate_member(
    member_id: UUID, body: s.ReinstateCreate, uow: UowDep, principal: PrincipalDep
) -> Any:
    """Restore a former member (MemberReinstated); refused if the person is a member again already."""
    await handlers.reinstate_member(
        uow, cmds.ReinstateMember(member_id, body.branch_id, body.on), principal.check
    )
    await uow.commit()
    return await queries.get_member(uow.session, member_id)


@members.patch("/members/{member_id}/contact", response_model=s.MemberPublic)
async def update_contact(
    member_id: UUID, body: s.ContactUpdate, uow: UowDep, principal: PrincipalDep, vault: VaultDep
) -> Any:
    """Change phone, employer or employment type (MemberContactUpdated, masked)."""
    cmd = cmds.UpdateContact(member_id, body.phone, body.employer, body.employment_type)
    await handlers.update_contact(uow, cmd, vault, principal.check)
    await uow.commit()
    return await queries.get_member(uow.session, member_id)


stats = APIRouter(tags=["statistics"])


@stats.get("/stats/coverage", response_model=s.CoveragePublic)
async def coverage(
    uow: UowDep,
    principal: PrincipalDep,
    district: str | None = None,
    branch_limit: int = Query(50, ge=1, le=1000, description="How many of the largest branches to list"),
) -> Any:
    """Active members per district, branch, industry and employment type; the migrant-worker share."""
    district, branch_id = scoped(principal, district, None)
    data = await queries.coverage(uow.session, district, branch_id, branch_limit)
    labels = {t.value: zh for t, zh in EMPLOYMENT_TYPE_LABELS.items()}
    return {
        **data,
        "by_district": [{"key": r.district, "members": r.members} for r in data["by_district"]],
        "by_branch": data["by_branch"],
        "by_industry": [
            {"key": r.industry, "label": INDUSTRIES.get(r.industry), "members": r.members}
            for r in data["by_industry"]
        ],
        "by_employment_type": [
            {"key": r.employment_type, "label": labels.get(r.employment_type), "members": r.members}
            for r in data["by_employment_type"]
        ],
    }


@stats.get("/stats/monthly", response_model=list[s.MonthPublic])
async def monthly(
    uow: UowDep, principal: PrincipalDep, district: str | None = None, months: int = Query(12, ge=1, le=120)
) -> Any:
    """Joins and leaves per month over the last `months` months (by effective date)."""
    district, branch_id = scoped(principal, district, None)
    today = date.today()
    index = today.year * 12 + today.month - 1 - (months - 1)
    since = date(index // 12, index % 12 + 1, 1)
    rows = {r.month: r for r in await queries.monthly(uow.session, since, district, branch_id)}
    out = []
    for i in range(months):
        y, m = divmod(index + i, 12)
        key = f"{y:04d}-{m + 1:02d}"
        row = rows.get(key)
        out.append({"month": key, "joins": row.joins if row else 0, "leaves": row.leaves if row else 0})
    return out


ROUTERS = [organisation, joining, members, stats]
