"""The medical mutual-aid plan: the federation sets each year's plan, branches enrol members, and
a claim becomes an ordinary mutual-aid case (same eligibility, approval levels and fund) for the
reimbursement the plan allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_events.assistance import AidType

from assistance import commands as cmds
from assistance.adapters import mutual_aid_store as store
from assistance.adapters.repository import CaseRepository
from assistance.domain.case import AidCase
from assistance.domain.errors import DomainError, NotEligible
from assistance.domain.money import to_cents, to_yuan
from assistance.domain.mutual_aid import MutualAidPlan, reimbursement_cents
from assistance.domain.policy import AssistancePolicy
from assistance.handlers._shared import member_in_scope
from assistance.handlers.cases import apply_for_aid


def _cents(amount: Decimal, field: str) -> int:
    try:
        return to_cents(amount)
    except ValueError as exc:
        raise DomainError(str(exc), field=field) from None


async def set_plan(uow: UnitOfWork, cmd: cmds.SetMutualAidPlan, scope: Scope) -> MutualAidPlan:
    """Create or change a year's plan; a change applies to claims from now on."""
    scope(None, None)  # the federation runs the plan
    plan = MutualAidPlan(cmd.year, cmd.share_percent, _cents(cmd.cap_yuan, "cap_yuan"))
    await store.put_plan(uow.session, plan)
    return plan


async def enrol(uow: UnitOfWork, cmd: cmds.EnrolInMutualAid, scope: Scope) -> tuple[Any, bool]:
    """Enrol an active member in the year's plan: (the enrolment, whether it is new)."""
    member = await member_in_scope(uow, cmd.member_id, scope)
    if await store.plan(uow.session, cmd.year) is None:
        raise DomainError(f"there is no mutual-aid plan for {cmd.year}", field="year")
    existing = await store.enrolment(uow.session, cmd.year, cmd.member_id)
    if existing is not None:
        return existing, False
    if member.status != "active":
        raise NotEligible("only active members can enrol", field="member_id", rule="member_active")
    await store.enrol(uow.session, cmd.year, cmd.member_id, member.district, date.today())
    return await store.enrolment(uow.session, cmd.year, cmd.member_id), True


@dataclass(frozen=True)
class Claim:
    case: AidCase
    plan: MutualAidPlan
    medical_costs_cents: int
    committed_before_cents: int
    reimbursement_cents: int


async def claim(uow: UnitOfWork, cmd: cmds.ClaimMutualAid, policy: AssistancePolicy, scope: Scope) -> Claim:
    """Open a mutual-aid case for min(costs x share, what the year's cap leaves), rounded down to
    the cent. Not enrolled: refused by the `mutual_aid_enrolled` rule; cap used up: `yearly_cap`."""
    costs = _cents(cmd.medical_costs_yuan, "medical_costs_yuan")
    if costs <= 0:
        raise DomainError("medical costs are above 0", field="medical_costs_yuan")
    member = await member_in_scope(uow, cmd.member_id, scope)
    on = date.today()
    plan = await store.plan(uow.session, on.year)
    enrolled = plan is not None and await store.enrolment(uow.session, on.year, cmd.member_id) is not None
    committed = await CaseRepository(uow.session).committed_this_year(
        cmd.member_id, AidType.MUTUAL_AID, on.year
    )
    amount = costs
    if plan is not None and enrolled and member.status == "active":
        amount = reimbursement_cents(plan, costs, committed)
    application = cmds.ApplyForAid(
        cmd.member_id,
        AidType.MUTUAL_AID,
        to_yuan(amount),
        cmd.description,
        requested_on=on,
        origin="mutual_aid_claim",
    )
    # No cap for a member outside the plan: the eligibility check then refuses with its rule.
    cap = plan.cap_cents if plan is not None and enrolled else None
    case = await apply_for_aid(uow, application, policy, scope, cap_cents=cap)
    assert plan is not None  # apply_for_aid refused a claim without a plan
    return Claim(case, plan, costs, committed, amount)
