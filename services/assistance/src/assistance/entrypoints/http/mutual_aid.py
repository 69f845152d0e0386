"""Routes of the medical mutual-aid plan: the yearly plan, enrolments, and claims (which become
mutual-aid cases)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep

from assistance import commands as cmds
from assistance.adapters import mutual_aid_store as store
from assistance.domain.errors import NotFound
from assistance.domain.money import to_yuan
from assistance.domain.mutual_aid import MutualAidPlan
from assistance.entrypoints import schemas as s
from assistance.entrypoints.http._common import PolicyDep
from assistance.entrypoints.http.access import READ, WRITE, Allow
from assistance.entrypoints.http.cases import detail
from assistance.handlers import mutual_aid as handlers

MutualAidReader = Annotated[Principal, Allow("mutual_aid", READ)]
MutualAidWriter = Annotated[Principal, Allow("mutual_aid", WRITE)]
Year = Annotated[int, Path(ge=2000, le=2100)]

router = APIRouter(tags=["mutual aid"])


def _plan(plan: MutualAidPlan) -> dict[str, Any]:
    return {"year": plan.year, "share_percent": plan.share_percent, "cap_yuan": to_yuan(plan.cap_cents)}


@router.put("/mutual-aid/plans/{year}", response_model=s.MutualAidPlanPublic)
async def put_plan(year: Year, body: s.MutualAidPlanPut, uow: UowDep, principal: MutualAidWriter) -> Any:
    """Set the year's plan (federation only): the share of medical costs reimbursed and the cap."""
    cmd = cmds.SetMutualAidPlan(year, body.share_percent, body.cap_yuan)
    plan = await handlers.set_plan(uow, cmd, principal.check)
    await uow.commit()
    return _plan(plan)


@router.get("/mutual-aid/plans/{year}", response_model=s.MutualAidPlanPublic)
async def get_plan(year: Year, uow: UowDep, principal: MutualAidReader) -> Any:
    """The year's plan."""
    plan = await store.plan(uow.session, year)
    if plan is None:
        raise NotFound(f"mutual-aid plan {year}")
    return _plan(plan)


@router.post("/mutual-aid/enrolments", status_code=201, response_model=s.MutualAidEnrolmentPublic)
async def enrol(body: s.MutualAidEnrol, uow: UowDep, principal: MutualAidWriter, response: Response) -> Any:
    """Enrol an active member in the year's plan (by their branch or above). Enrolling again
    answers 200 with the same enrolment."""
    enrolment, created = await handlers.enrol(
        uow, cmds.EnrolInMutualAid(body.member_id, body.year), principal.check
    )
    await uow.commit()
    if not created:
        response.status_code = 200
    return enrolment


@router.post("/mutual-aid/claims", status_code=201, response_model=s.MutualAidClaimPublic)
async def claim(
    body: s.MutualAidClaimCreate, uow: UowDep, principal: MutualAidWriter, policy: PolicyDep
) -> Any:
    """Claim medical costs for an enrolled member: opens a mutual-aid case for the share the plan
    reimburses, within the year's cap, through the usual approvals and fund."""
    cmd = cmds.ClaimMutualAid(body.member_id, body.medical_costs_yuan, body.description)
    result = await handlers.claim(uow, cmd, policy, principal.check)
    await uow.commit()
    return {
        "medical_costs_yuan": to_yuan(result.medical_costs_cents),
        "share_percent": result.plan.share_percent,
        "cap_yuan": to_yuan(result.plan.cap_cents),
        "committed_before_yuan": to_yuan(result.committed_before_cents),
        "reimbursement_yuan": to_yuan(result.reimbursement_cents),
        "case": await detail(uow, result.case),
    }
