"""What the handler areas share: the acting officer, member and case loading in scope, events' trails."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_events import Event
from unionfed_events import assistance as ev

from assistance.adapters import repository as repo_mod
from assistance.adapters.repository import CaseRepository
from assistance.domain.case import Actor, AidCase, Step
from assistance.domain.errors import DomainError, NotFound
from assistance.domain.money import to_yuan


def now() -> datetime:
    return datetime.now(UTC)


def acting(uow: UnitOfWork) -> Actor:
    """Who acts: the officer of the request (their token's subject and role) or the service."""
    actor = uow.actor
    return Actor(actor.subject, actor.role)


async def member_in_scope(uow: UnitOfWork, member_id: UUID, scope: Scope) -> Any:
    """The member's row in the service's view, locked: applications, registrations, enrolments
    and claims of one member queue on it, so each sees what the one before it wrote."""
    member = await repo_mod.member_for_update(uow.session, member_id)
    if member is None:
        raise DomainError(
            "no member with this id is known to the assistance service",
            field="member_id",
            rule="member_active",
        )
    scope(member.district, member.branch_id)
    return member


async def case_in_scope(repo: CaseRepository, case_id: UUID, scope: Scope) -> AidCase:
    case = await repo.get(case_id, for_update=True)
    if case is None:
        raise NotFound(f"aid case {case_id}")
    scope(case.district, case.branch_id)
    return case


def trail(case: AidCase) -> list[ev.ApprovalStep]:
    return [_step(s) for s in case.trail]


def _step(step: Step) -> ev.ApprovalStep:
    return ev.ApprovalStep(
        level=step.level,
        decision=step.decision,
        actor=step.actor,
        actor_role=step.actor_role,
        at=step.at,
        comment=step.comment,
        amount_yuan=to_yuan(step.amount_cents) if step.amount_cents is not None else None,
    )


def emit_for_case(uow: UnitOfWork, case: AidCase, event: Event) -> None:
    """Every case event goes to the case's district topic, keyed and ordered by the case."""
    uow.emit(event, district=case.district, branch=case.branch_id, sequence=case.version)
