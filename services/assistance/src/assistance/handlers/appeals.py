"""Rights appeals: an appeal against an employer becomes a legal-aid or mediation case, with the
same eligibility rules, approval workflow and audit trail as any application."""

from __future__ import annotations

from uuid import UUID

from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_events import assistance as ev
from unionfed_events.assistance import AidType
from unionfed_events.ids import uuid7

from assistance import commands as cmds
from assistance.adapters import appeals as appeals_repo
from assistance.adapters import repository as repo_mod
from assistance.domain.errors import DomainError
from assistance.domain.policy import AssistancePolicy
from assistance.handlers._shared import emit_for_case
from assistance.handlers.cases import apply_for_aid

APPEAL_KINDS = frozenset({AidType.LEGAL, AidType.MEDIATION})
FILERS = frozenset({"member", "branch"})


async def file_rights_appeal(
    uow: UnitOfWork, cmd: cmds.FileRightsAppeal, policy: AssistancePolicy, scope: Scope
) -> UUID:
    """Open the case (scope and eligibility as for any application), then the appeal row and
    `RightsAppealFiled`, all in the caller's unit of work. Returns the appeal's id."""
    if cmd.kind not in APPEAL_KINDS:
        raise DomainError("an appeal becomes a legal or a mediation case", field="kind")
    if cmd.filed_by not in FILERS:
        raise DomainError("filed_by is member or branch", field="filed_by")
    case = await apply_for_aid(
        uow,
        cmds.ApplyForAid(
            cmd.member_id,
            cmd.kind,
            None,
            cmd.description,
            requested_on=cmd.filed_on,
            origin="rights_appeal",
        ),
        policy,
        scope,
    )
    industry = cmd.industry or await _member_industry(uow, cmd.member_id)
    appeal_id = uuid7()
    await appeals_repo.add(
        uow.session,
        {
            "appeal_id": appeal_id,
            "case_id": case.case_id,
            "district": case.district,
            "branch_id": case.branch_id,
            "member_id": cmd.member_id,
            "filed_by": cmd.filed_by,
            "issue": cmd.issue.value,
            "employer": cmd.employer,
            "industry": industry,
            "workers_affected": cmd.workers_affected,
            "filed_on": case.requested_on,
        },
    )
    emit_for_case(
        uow,
        case,
        ev.RightsAppealFiled(
            appeal_id=appeal_id,
            case_id=case.case_id,
            district=case.district,
            branch_id=case.branch_id,
            # The contract names the worker only when the worker filed; a branch's appeal is the
            # branch's, its lead worker is on the case (AidRequested).
            member_id=cmd.member_id if cmd.filed_by == "member" else None,
            issue=cmd.issue,
            employer=cmd.employer,
            industry=industry,
            workers_affected=cmd.workers_affected,
            filed_on=case.requested_on,
        ),
    )
    return appeal_id


async def _member_industry(uow: UnitOfWork, member_id: UUID) -> str:
    # The member's row is already locked by apply_for_aid: this read sees the same version.
    member = await repo_mod.member_for_update(uow.session, member_id)
    industry = getattr(member, "industry", None)
    if not industry:
        raise DomainError(
            "the member's industry is not known: give the employer's industry", field="industry"
        )
    return str(industry)
