"""Routes of aid cases: applying, queues per level, detail with trail and fund check, decisions."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep
from unionfed_chassis.routes import BranchFilter, DistrictFilter, PageNo, PageSize, scoped
from unionfed_events.assistance import AidType, ApprovalLevel

from assistance import commands as cmds
from assistance.adapters import funds, queries
from assistance.domain.case import AidCase, CaseStatus
from assistance.domain.money import to_yuan
from assistance.entrypoints import schemas as s
from assistance.entrypoints.http._common import PolicyDep, level_of, page_of
from assistance.entrypoints.http.access import READ, WRITE, Allow
from assistance.handlers import cases as handlers

CasesReader = Annotated[Principal, Allow("cases", READ)]
CasesWriter = Annotated[Principal, Allow("cases", WRITE)]

router = APIRouter(tags=["cases"])


@router.post("/cases", status_code=201, response_model=s.CaseDetail)
async def apply_for_aid(body: s.CaseCreate, uow: UowDep, principal: CasesWriter, policy: PolicyDep) -> Any:
    """Open an aid case for a member (by their branch or above); a refused rule is a 422 naming it."""
    cmd = cmds.ApplyForAid(body.member_id, body.aid_type, body.amount_yuan, body.description)
    case = await handlers.apply_for_aid(uow, cmd, policy, principal.check)
    await uow.commit()
    return await detail(uow, case)


@router.get("/cases", response_model=s.Page[s.CasePublic])
async def list_cases(
    uow: UowDep,
    principal: CasesReader,
    district: DistrictFilter = None,
    branch_id: BranchFilter = None,
    status: CaseStatus | None = None,
    aid_type: AidType | None = None,
    current_level: ApprovalLevel | None = None,
    member_id: UUID | None = None,
    flagged: Annotated[
        bool | None, Query(description="Only flagged (true) or unflagged (false) cases")
    ] = None,
    escalated: Annotated[bool | None, Query(description="Only escalated (true) or not (false)")] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Cases within the caller's scope, longest waiting first."""
    district, branch_id = scoped(principal, district, branch_id)
    result = await queries.list_cases(
        uow.session,
        page,
        page_size,
        flagged=flagged,
        escalated=escalated,
        district=district,
        branch_id=branch_id,
        status=status,
        aid_type=aid_type,
        current_level=current_level,
        member_id=member_id,
    )
    return page_of(result, s.CasePublic, page, page_size)


@router.get("/queue", response_model=s.Page[s.CasePublic])
async def my_queue(uow: UowDep, principal: CasesWriter, page: PageNo = 1, page_size: PageSize = 50) -> Any:
    """Cases waiting for the caller's decision: their level, their unit, longest waiting first."""
    district, branch_id = scoped(principal, None, None)
    result = await queries.list_cases(
        uow.session,
        page,
        page_size,
        status=CaseStatus.PENDING,
        current_level=level_of(principal),
        district=district,
        branch_id=branch_id,
    )
    return page_of(result, s.CasePublic, page, page_size)


@router.get("/cases/{case_id}", response_model=s.CaseDetail)
async def get_case(case_id: UUID, uow: UowDep, principal: CasesReader) -> Any:
    """One case with its audit trail and, while it waits for a decision, its fund's balance."""
    return await detail(uow, await handlers.get_case(uow, case_id, principal.check))


@router.post("/cases/{case_id}/decision", response_model=s.CaseDetail)
async def decide(
    case_id: UUID, body: s.CaseDecision, uow: UowDep, principal: CasesWriter, policy: PolicyDep
) -> Any:
    """Approve, reject or return the case at the caller's level. Approving money aid reserves the
    amount in the fund, or is refused with the shortage."""
    cmd = cmds.DecideOnCase(case_id, level_of(principal), body.decision, body.comment, body.amount_yuan)
    case = await handlers.decide(uow, cmd, policy, principal.check)
    await uow.commit()
    return await detail(uow, case)


@router.post("/cases/{case_id}/resubmission", response_model=s.CaseDetail)
async def resubmit(
    case_id: UUID, body: s.CaseResubmit, uow: UowDep, principal: CasesWriter, policy: PolicyDep
) -> Any:
    """Resubmit a returned case (revised); it resumes at the level that returned it."""
    cmd = cmds.ResubmitCase(case_id, body.amount_yuan, body.description, body.comment)
    case = await handlers.resubmit(uow, cmd, policy, principal.check)
    await uow.commit()
    return await detail(uow, case)


@router.post("/cases/{case_id}/cancellation", response_model=s.CaseDetail)
async def cancel(case_id: UUID, body: s.CaseCancel, uow: UowDep, principal: CasesWriter) -> Any:
    """Cancel an open case; what it held goes back to its fund."""
    case = await handlers.cancel(uow, cmds.CancelCase(case_id, body.reason), principal.check)
    await uow.commit()
    return await detail(uow, case)


@router.put("/cases/{case_id}/caseworker", response_model=s.CaseDetail)
async def assign(case_id: UUID, body: s.CaseworkerAssign, uow: UowDep, principal: CasesWriter) -> Any:
    """Give a granted service case (legal aid, mediation, …) to a caseworker."""
    case = await handlers.assign_caseworker(
        uow, cmds.AssignCaseworker(case_id, body.caseworker), principal.check
    )
    await uow.commit()
    return await detail(uow, case)


@router.post("/cases/{case_id}/completion", response_model=s.CaseDetail)
async def complete(case_id: UUID, body: s.ServiceComplete, uow: UowDep, principal: CasesWriter) -> Any:
    """Close a service case with its outcome."""
    cmd = cmds.CompleteService(case_id, body.outcome, body.comment)
    case = await handlers.complete_service(uow, cmd, principal.check)
    await uow.commit()
    return await detail(uow, case)


@router.post("/cases/{case_id}/flag-resolution", response_model=s.CaseDetail)
async def resolve_flag(case_id: UUID, body: s.FlagResolve, uow: UowDep, principal: CasesWriter) -> Any:
    """Decide on a flagged case (its member left): continue with it, or cancel it."""
    case = await handlers.resolve_flag(
        uow, cmds.ResolveFlag(case_id, body.action, body.comment), principal.check
    )
    await uow.commit()
    return await detail(uow, case)


async def detail(uow: Any, case: AidCase) -> dict[str, Any]:
    """The case as an officer sees it: trail oldest first; the fund check while it waits."""
    cents = {"requested": case.requested_cents, "approved": case.approved_cents}
    body: dict[str, Any] = {
        **{f: getattr(case, f) for f in s.CasePublic.model_fields if hasattr(case, f)},
        **{f"{k}_yuan": to_yuan(v) if v is not None else None for k, v in cents.items()},
        "reserved_yuan": to_yuan(case.reserved_cents),
        "trail": [
            {
                **vars(step),
                "amount_yuan": to_yuan(step.amount_cents) if step.amount_cents is not None else None,
            }
            for step in case.trail
        ],
        "fund_check": await _fund_check(uow, case),
    }
    return body


async def _fund_check(uow: Any, case: AidCase) -> dict[str, Any] | None:
    if not case.is_monetary or case.status not in (CaseStatus.PENDING, CaseStatus.RETURNED):
        return None
    key = handlers.fund_of(case)
    balance = await funds.balance(uow.session, key) or funds.Balance(0, 0, 0)
    required = max((case.approved_cents or case.requested_cents or 0) - case.reserved_cents, 0)
    return {
        "fund": str(key),
        "allocated_yuan": to_yuan(balance.allocated_cents),
        "reserved_yuan": to_yuan(balance.reserved_cents),
        "spent_yuan": to_yuan(balance.spent_cents),
        "available_yuan": to_yuan(balance.available_cents),
        "required_yuan": to_yuan(required),
        "shortage_yuan": to_yuan(max(required - balance.available_cents, 0)),
    }
