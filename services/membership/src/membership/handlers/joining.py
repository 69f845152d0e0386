"""One person joins: self-service applications (auto-approved or decided by an officer), an
officer registering someone directly, and branch systems' registration requests."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from unionfed_chassis.db import UnitOfWork
from unionfed_events import Envelope
from unionfed_events import membership as ev

from membership import commands as cmds
from membership.adapters.repository import Repository, application_from_row
from membership.domain.enums import ApplicationStatus, JoinChannel
from membership.domain.errors import DomainError, InvalidTransition, NotFound
from membership.domain.model import Application, Member
from membership.domain.national_id import NationalIdVault, mask_national_id
from membership.domain.phone import mask_phone
from membership.handlers._shared import (
    Scope,
    ValidPerson,
    join,
    open_branch,
    open_branch_in_scope,
    refuse_if_active,
    secrets_of,
    validate_person,
)


@dataclass(frozen=True)
class ApplicationOutcome:
    application: Application
    member: Member | None


async def submit_application(
    uow: UnitOfWork, cmd: cmds.SubmitApplication, vault: NationalIdVault
) -> ApplicationOutcome:
    """Self-service: auto-approved when the branch's policy says so, else waits for an officer."""
    repo = Repository(uow.session)
    person = validate_person(cmd.person)
    branch = await open_branch(repo, cmd.branch_id)
    secrets = secrets_of(vault, person.national_id, person.phone)
    await refuse_if_active(repo, secrets.national_id_hash)
    today = date.today()
    application = Application(
        uuid.uuid4(),
        branch.branch_id,
        person.name,
        mask_national_id(person.national_id),
        mask_phone(person.phone),
        person.employer,
        person.employment_type,
        today,
    )
    member = None
    if branch.auto_approve:
        member = await join(uow, vault, branch, person, JoinChannel.SELF_SERVICE)
        application.approve(today)
    if not await repo.add_application(application, branch.district, secrets):
        raise DomainError("this person already has an application waiting for approval", field="national_id")
    if member is not None:
        await repo.save_application(application, member_id=member.member_id)
    return ApplicationOutcome(application, member)


async def _load_pending_application(
    repo: Repository, application_id: UUID, scope: Scope
) -> tuple[Any, Application]:
    row = await repo.get_application(application_id, for_update=True)
    if row is None:
        raise NotFound(f"application {application_id}")
    scope(row.district, row.branch_id)
    return row, application_from_row(row)


async def approve_application(
    uow: UnitOfWork, cmd: cmds.ApproveApplication, vault: NationalIdVault, scope: Scope
) -> ApplicationOutcome:
    repo = Repository(uow.session)
    row, application = await _load_pending_application(repo, cmd.application_id, scope)
    on = cmd.on or date.today()
    application.approve(on)
    branch = await open_branch(repo, application.branch_id)
    person = ValidPerson(
        application.name,
        vault.decrypt(row.national_id_enc),
        vault.decrypt(row.phone_enc),
        application.employer,
        application.employment_type,
    )
    member = await join(uow, vault, branch, person, JoinChannel.SELF_SERVICE, on)
    await repo.save_application(application, member_id=member.member_id)
    return ApplicationOutcome(application, member)


async def reject_application(uow: UnitOfWork, cmd: cmds.RejectApplication, scope: Scope) -> Application:
    repo = Repository(uow.session)
    row, application = await _load_pending_application(repo, cmd.application_id, scope)
    try:
        application.reject(cmd.reason, date.today())
    except InvalidTransition as exc:
        if application.status is ApplicationStatus.PENDING:
            exc.field = "reason"
        raise
    await repo.save_application(application)
    uow.emit(
        ev.MemberApplicationRejected(
            application_id=application.application_id,
            branch_id=application.branch_id,
            district=row.district,
            reason=application.reject_reason or cmd.reason,
        ),
        district=row.district,
        branch=application.branch_id,
    )
    return application


async def register_member(
    uow: UnitOfWork, cmd: cmds.RegisterMember, vault: NationalIdVault, scope: Scope
) -> Member:
    """An officer records a member of their branch directly, without an application."""
    branch = await open_branch_in_scope(Repository(uow.session), cmd.branch_id, scope)
    person = validate_person(cmd.person)
    return await join(uow, vault, branch, person, JoinChannel.OFFICER, cmd.joined_on)


async def register_from_branch_system(
    uow: UnitOfWork, cmd: cmds.RegisterFromBranchSystem, vault: NationalIdVault, caused_by: Envelope
) -> ev.MemberRegistrationAnswered:
    """A branch system's request: joins at once (the branch itself asks) or is refused with a
    reason; a re-sent request (same branch and request id) gets the first answer again."""
    repo = Repository(uow.session)
    earlier = await repo.get_registration(cmd.branch_id, cmd.request_id)
    if earlier is not None:
        return _answer(cmd.request_id, earlier)
    answer = _Registration(ev.RegistrationOutcome.ACCEPTED.value)
    try:
        member = await _register(uow, repo, cmd, vault, caused_by)
        answer.member_id, answer.card_number = member.member_id, member.card_number
    except DomainError as exc:
        answer.outcome = ev.RegistrationOutcome.REJECTED.value
        answer.reason, answer.field = exc.reason, exc.field
    request = {"branch_id": cmd.branch_id, "request_id": cmd.request_id, "district": cmd.district}
    await repo.add_registration(request | dataclasses.asdict(answer))
    return _answer(cmd.request_id, answer)


async def _register(
    uow: UnitOfWork,
    repo: Repository,
    cmd: cmds.RegisterFromBranchSystem,
    vault: NationalIdVault,
    caused_by: Envelope,
) -> Member:
    person = validate_person(cmd.person)
    branch = await repo.get_branch(cmd.branch_id, lock="share")
    if branch is None or branch.district != cmd.district:
        raise DomainError(f"no branch with id {cmd.branch_id} in district {cmd.district}", field="branch_id")
    branch = await open_branch(repo, branch.branch_id)
    return await join(uow, vault, branch, person, JoinChannel.BRANCH_SYSTEM, cmd.joined_on, caused_by)


@dataclass
class _Registration:
    """A branch system's answer as stored (columns of `registration_requests`)."""

    outcome: str
    member_id: UUID | None = None
    card_number: str | None = None
    reason: str | None = None
    field: str | None = None


def _answer(request_id: str, stored: Any) -> ev.MemberRegistrationAnswered:
    return ev.MemberRegistrationAnswered(
        request_id=request_id,
        outcome=ev.RegistrationOutcome(stored.outcome),
        member_id=stored.member_id,
        card_number=stored.card_number,
        reason=stored.reason,
        field=stored.field,
    )
