"""Routes of rights appeals: filing one (it opens a legal-aid or mediation case), and reading
them with their case's status."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep
from unionfed_chassis.inputs import ShortText
from unionfed_chassis.routes import BranchFilter, DistrictFilter, PageNo, PageSize, TextFilter, scoped
from unionfed_events.assistance import AidType, RightsIssue

from assistance import commands as cmds
from assistance.adapters import appeals as appeals_repo
from assistance.entrypoints import schemas as s
from assistance.entrypoints.http._common import PolicyDep, in_scope, page_of
from assistance.entrypoints.http.access import READ, WRITE, Allow
from assistance.handlers import appeals as handlers

AppealsReader = Annotated[Principal, Allow("appeals", READ)]
AppealsWriter = Annotated[Principal, Allow("appeals", WRITE)]
Month = Annotated[
    str | None, Query(pattern=r"^(19|20|21)\d\d-(0[1-9]|1[0-2])$", description="YYYY-MM of filing")
]

router = APIRouter(tags=["appeals"])


@router.post("/rights-appeals", status_code=201, response_model=s.AppealPublic)
async def file_appeal(body: s.AppealCreate, uow: UowDep, principal: AppealsWriter, policy: PolicyDep) -> Any:
    """File a worker's or a branch's appeal against an employer (by the member's branch or
    above): it opens a legal-aid or mediation case that goes through the usual approval."""
    cmd = cmds.FileRightsAppeal(
        member_id=body.member_id,
        filed_by=body.filed_by,
        issue=body.issue,
        employer=body.employer,
        industry=body.industry,
        workers_affected=body.workers_affected,
        description=body.description,
        kind=AidType(body.kind),
    )
    appeal_id = await handlers.file_rights_appeal(uow, cmd, policy, principal.check)
    await uow.commit()
    return await appeals_repo.get(uow.session, appeal_id)


@router.get("/rights-appeals", response_model=s.Page[s.AppealPublic])
async def list_appeals(
    uow: UowDep,
    principal: AppealsReader,
    district: DistrictFilter = None,
    branch_id: BranchFilter = None,
    issue: RightsIssue | None = None,
    employer: Annotated[ShortText | None, Query(description="Part of the employer's name")] = None,
    industry: TextFilter = None,
    month: Month = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Appeals within the caller's scope, latest filed first."""
    district, branch_id = scoped(principal, district, branch_id)
    result = await appeals_repo.list_appeals(
        uow.session,
        page,
        page_size,
        district=district,
        branch_id=branch_id,
        issue=issue.value if issue else None,
        employer=employer,
        industry=industry,
        month=month,
    )
    return page_of(result, s.AppealPublic, page, page_size)


@router.get("/rights-appeals/{appeal_id}", response_model=s.AppealPublic)
async def get_appeal(appeal_id: UUID, uow: UowDep, principal: AppealsReader) -> Any:
    """One appeal with the status of its case (the case's trail is at `/cases/{case_id}`)."""
    row = await appeals_repo.get(uow.session, appeal_id)
    return in_scope(row, f"rights appeal {appeal_id}", principal)
