"""Aid cases: applying, deciding at each level, revision, cancellation, service closure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_events import assistance as ev
from unionfed_events.ids import uuid7

from assistance import commands as cmds
from assistance.adapters import funds
from assistance.adapters import repository as repo_mod
from assistance.adapters.repository import CaseRepository
from assistance.domain.case import AidCase, CaseStatus
from assistance.domain.eligibility import ApplicantFacts, check_amount, check_eligible
from assistance.domain.errors import DomainError, NotFound
from assistance.domain.money import to_cents, to_yuan
from assistance.domain.policy import AssistancePolicy
from assistance.handlers._shared import acting, case_in_scope, emit_for_case, member_in_scope, now, trail
from assistance.metrics import observe_decision


def _cents(amount: Decimal | None) -> int | None:
    if amount is None:
        return None
    try:
        return to_cents(amount)
    except ValueError as exc:
        raise DomainError(str(exc), field="amount_yuan") from None


async def _facts(
    uow: UnitOfWork, cmd: cmds.ApplyForAid, member: Any, year: int, on: date, cap: int | None, window: Any
) -> ApplicantFacts:
    repo = CaseRepository(uow.session)
    return ApplicantFacts(
        member_status=getattr(member, "status", None),
        hardship_registered=await repo_mod.hardship_registered(uow.session, cmd.member_id),
        has_open_case_of_type=await repo.has_open_case(cmd.member_id, cmd.aid_type),
        committed_this_year_cents=await repo.committed_this_year(cmd.member_id, cmd.aid_type, year),
        window_open=window is not None,
        yearly_cap_cents=cap,
    )


async def apply_for_aid(
    uow: UnitOfWork,
    cmd: cmds.ApplyForAid,
    policy: AssistancePolicy,
    scope: Scope,
    *,
    cap_cents: int | None = None,
) -> AidCase:
    """Open a case if every eligibility rule passes. `cap_cents` overrides the type's yearly
    cap (a mutual-aid claim passes what its plan leaves); None means the policy's cap."""
    amount = _cents(cmd.amount_yuan)
    check_amount(cmd.aid_type, amount)
    member = await member_in_scope(uow, cmd.member_id, scope)
    on = cmd.requested_on or date.today()
    cap = cap_cents if cap_cents is not None else policy.caps.cap_cents(cmd.aid_type)
    window = await repo_mod.window_open_for(uow.session, cmd.aid_type, member, on)
    check_eligible(cmd.aid_type, amount, await _facts(uow, cmd, member, on.year, on, cap, window))
    case = AidCase.open(
        AidCase(
            case_id=cmd.case_id or uuid7(),
            member_id=cmd.member_id,
            district=member.district,
            branch_id=member.branch_id,
            aid_type=cmd.aid_type,
            origin=cmd.origin,
            status=CaseStatus.PENDING,
            requested_cents=amount,
            budget_year=on.year,
            levels=policy.thresholds.levels_for(cmd.aid_type, amount),
            requested_on=on,
            description=cmd.description,
            campaign_id=window.campaign_id if window is not None else None,  # the drive it came through
        ),
        acting(uow),
        now(),
    )
    await CaseRepository(uow.session).add(case)
    emit_for_case(
        uow,
        case,
        ev.AidRequested(
            case_id=case.case_id,
            member_id=case.member_id,
            aid_type=case.aid_type,
            amount_yuan=cmd.amount_yuan,
            district=case.district,
            branch_id=case.branch_id,
            requested_on=on,
            levels=case.levels,
            trail=trail(case),
        ),
    )
    return case


def fund_of(case: AidCase) -> funds.FundKey:
    return funds.FundKey(case.district, case.budget_year, case.aid_type)


async def decide(uow: UnitOfWork, cmd: cmds.DecideOnCase, policy: AssistancePolicy, scope: Scope) -> AidCase:
    """Approve (money aid: reserve the amount, atomically against the fund), reject (release
    everything) or return for revision, at the caller's level."""
    repo = CaseRepository(uow.session)
    case = await case_in_scope(repo, cmd.case_id, scope)
    by, at = acting(uow), now()
    if cmd.decision == "approve":
        amount = _cents(cmd.amount_yuan)
        levels = policy.thresholds.levels_for(
            case.aid_type, amount if amount is not None else case.approved_cents or case.requested_cents
        )
        change = case.approve(
            cmd.level, by, at, amount_cents=amount, comment=cmd.comment, levels_for_amount=levels
        )
        await _move_hold(uow, case, change)
        await repo.save(case)
        _emit_approval(uow, case, cmd.level)
    elif cmd.decision == "reject":
        if not cmd.comment:
            raise DomainError("a rejection needs a reason for the applicant", field="comment")
        change = case.reject(cmd.level, by, at, cmd.comment)
        await _move_hold(uow, case, change)
        await repo.save(case)
        emit_for_case(
            uow,
            case,
            ev.AidRejected(
                case_id=case.case_id,
                member_id=case.member_id,
                district=case.district,
                branch_id=case.branch_id,
                level=cmd.level,
                reason=cmd.comment,
                trail=trail(case),
            ),
        )
    elif cmd.decision == "return":
        if not cmd.comment:
            raise DomainError("say what to revise", field="comment")
        case.send_back(cmd.level, by, at, cmd.comment)
        await repo.save(case)
        emit_for_case(
            uow,
            case,
            ev.AidReturned(
                case_id=case.case_id,
                member_id=case.member_id,
                district=case.district,
                branch_id=case.branch_id,
                level=cmd.level,
                comment=cmd.comment,
                trail=trail(case),
            ),
        )
    else:
        raise DomainError("decision must be approve, reject or return", field="decision")
    observe_decision(case.trail[-1])
    return case


async def _move_hold(uow: UnitOfWork, case: AidCase, change_cents: int) -> None:
    """Move the fund and the case's hold together (same transaction)."""
    if change_cents and case.is_monetary:
        await funds.adjust_hold(uow.session, fund_of(case), case.case_id, change_cents, acting(uow))
        case.reserved_cents += change_cents


def _emit_approval(uow: UnitOfWork, case: AidCase, level: ev.ApprovalLevel) -> None:
    amount = to_yuan(case.approved_cents) if case.approved_cents is not None else None
    emit_for_case(
        uow,
        case,
        ev.AidApproved(
            case_id=case.case_id,
            member_id=case.member_id,
            district=case.district,
            branch_id=case.branch_id,
            level=level,
            approved_amount_yuan=amount,
            next_level=case.next_level,
            trail=trail(case),
        ),
    )
    if case.status in (CaseStatus.GRANTED, CaseStatus.IN_SERVICE):
        emit_for_case(
            uow,
            case,
            ev.AidGranted(
                case_id=case.case_id,
                member_id=case.member_id,
                aid_type=case.aid_type,
                amount_yuan=amount if amount is not None else to_yuan(0),
                district=case.district,
                branch_id=case.branch_id,
                fund=case.fund_key,
                budget_year=case.budget_year,
                trail=trail(case),
            ),
        )


async def resubmit(
    uow: UnitOfWork, cmd: cmds.ResubmitCase, policy: AssistancePolicy, scope: Scope
) -> AidCase:
    repo = CaseRepository(uow.session)
    case = await case_in_scope(repo, cmd.case_id, scope)
    amount = _cents(cmd.amount_yuan)
    if amount is not None:
        check_amount(case.aid_type, amount)
    levels = policy.thresholds.levels_for(
        case.aid_type, amount if amount is not None else case.requested_cents
    )
    change = case.resubmit(
        acting(uow),
        now(),
        amount_cents=amount,
        description=cmd.description,
        comment=cmd.comment,
        levels_for_amount=levels,
    )
    await _move_hold(uow, case, change)
    await repo.save(case)
    return case


async def cancel(uow: UnitOfWork, cmd: cmds.CancelCase, scope: Scope) -> AidCase:
    repo = CaseRepository(uow.session)
    case = await case_in_scope(repo, cmd.case_id, scope)
    await close_as_cancelled(uow, repo, case, cmd.reason)
    return case


async def close_as_cancelled(uow: UnitOfWork, repo: CaseRepository, case: AidCase, reason: str) -> None:
    """Cancel (an officer, or expiry): release what it holds and say so."""
    if await repo_mod.payment_in_progress(uow.session, case.case_id):
        raise DomainError(
            "the case is in a payment batch finance has not settled; wait for its confirmation",
            field="case_id",
        )
    released = -case.cancel(acting(uow), now(), reason)
    await _move_hold(uow, case, -released)
    await repo.save(case)
    emit_for_case(
        uow,
        case,
        ev.AidCaseCancelled(
            case_id=case.case_id,
            member_id=case.member_id,
            district=case.district,
            reason=reason,
            released_yuan=to_yuan(released),
            trail=trail(case),
        ),
    )


async def assign_caseworker(uow: UnitOfWork, cmd: cmds.AssignCaseworker, scope: Scope) -> AidCase:
    repo = CaseRepository(uow.session)
    case = await case_in_scope(repo, cmd.case_id, scope)
    case.assign(acting(uow), now(), cmd.caseworker)
    await repo.save(case)
    return case


async def complete_service(uow: UnitOfWork, cmd: cmds.CompleteService, scope: Scope) -> AidCase:
    repo = CaseRepository(uow.session)
    case = await case_in_scope(repo, cmd.case_id, scope)
    at = now()
    case.complete(acting(uow), at, cmd.outcome, cmd.comment)
    await repo.save(case)
    emit_for_case(
        uow,
        case,
        ev.AidServiceCompleted(
            case_id=case.case_id,
            member_id=case.member_id,
            district=case.district,
            aid_type=case.aid_type,
            outcome=cmd.outcome,
            completed_on=at.date(),
            trail=trail(case),
        ),
    )
    return case


async def resolve_flag(uow: UnitOfWork, cmd: cmds.ResolveFlag, scope: Scope) -> AidCase:
    """An officer decides on a flagged case: carry on with it, or cancel it."""
    repo = CaseRepository(uow.session)
    case = await case_in_scope(repo, cmd.case_id, scope)
    case.clear_flag(acting(uow), now(), cmd.comment)
    if cmd.action == "cancel":
        await close_as_cancelled(uow, repo, case, cmd.comment)
    elif cmd.action == "continue":
        await repo.save(case)
    else:
        raise DomainError("action must be continue or cancel", field="action")
    return case


async def get_case(uow: UnitOfWork, case_id: UUID, scope: Scope) -> AidCase:
    case = await CaseRepository(uow.session).get(case_id)
    if case is None:
        raise NotFound(f"aid case {case_id}")
    scope(case.district, case.branch_id)
    return case
