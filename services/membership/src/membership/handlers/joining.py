"""One person joins: self-service applications (auto-approved or decided by an officer), an
officer registering someone directly, and branch systems' registration requests."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.errors import Conflict
from unionfed_events import Envelope
from unionfed_events import membership as ev

from membership import commands as cmds
from membership.adapters.joining_store import BranchSystems, VerificationCodes
from membership.adapters.repository import Repository, Secrets, application_from_row
from membership.adapters.vault import NationalIdVault
from membership.domain.email import mask_email
from membership.domain.enums import ApplicationStatus, JoinChannel
from membership.domain.errors import AlreadyMember, DomainError, InvalidTransition, NotFound
from membership.domain.model import Application, Member
from membership.domain.national_id import mask_national_id
from membership.domain.phone import mask_phone
from membership.domain.verification import CodeBook, InvalidCode
from membership.handlers._shared import (
    Scope,
    ValidPerson,
    join,
    open_branch,
    open_branch_in_scope,
    secrets_of,
    validate_person,
)


@dataclass(frozen=True)
class ApplicationOutcome:
    application: Application
    member: Member | None


@dataclass(frozen=True)
class Submitted:
    """What the public sees of a submitted application, and the code to send (if any)."""

    application: Application
    phone: str = field(repr=False)
    code: str | None = field(default=None, repr=False)


async def submit_application(
    uow: UnitOfWork,
    cmd: cmds.SubmitApplication,
    vault: NationalIdVault,
    codes: CodeBook | None,
) -> Submitted:
    """Self-service. Whatever the person's state (new, member, already applied) the caller gets
    the same kind of answer: a duplicate is recorded for the officer, not refused. A branch that
    approves on its own first needs the phone's one-time code (`codes`; None = no sender, so
    an officer decides)."""
    repo = Repository(uow.session)
    person = validate_person(cmd.person)
    branch = await open_branch(repo, cmd.branch_id)
    # Nothing is sealed for notifications yet: the applicant is not a member.
    secrets = dataclasses.replace(
        secrets_of(vault, person.national_id, person.phone, person.email), contact_sealed=None
    )
    needs_code = branch.auto_approve and codes is not None
    application = Application(
        uuid.uuid4(),
        branch.branch_id,
        person.name,
        mask_national_id(person.national_id),
        mask_phone(person.phone),
        person.employer,
        person.employment_type,
        date.today(),
        status=ApplicationStatus.AWAITING_VERIFICATION if needs_code else ApplicationStatus.PENDING,
        email_masked=mask_email(person.email) if person.email else None,
    )
    await _mark_if_member(repo, application, secrets.national_id_hash)
    await _add_application(repo, application, branch.district, secrets)
    if not needs_code:
        return Submitted(application, person.phone)
    assert codes is not None
    code, stored = codes.issue(application.application_id, datetime.now(UTC))
    await VerificationCodes(uow.session).add(stored)
    return Submitted(application, person.phone, code)


async def _add_application(
    repo: Repository, application: Application, district: str, secrets: Secrets
) -> None:
    """Insert; a second pending application of the person becomes a duplicate of the first."""
    for _ in range(3):
        if await repo.add_application(application, district, secrets):
            return
        # Re-read: the first may have been decided between the conflict and this read.
        earlier = await repo.pending_application_id(secrets.national_id_hash)
        if earlier is not None:
            application.mark_duplicate(earlier, "already has an application waiting")
    raise Conflict("the application could not be recorded; please send it again")


async def _mark_if_member(repo: Repository, application: Application, nid_hash: str) -> bool:
    member = await repo.active_member_id(nid_hash)
    if member is not None:
        member_id, card = member
        application.mark_duplicate(member_id, f"already an active member (card ending {card[-4:]})")
    return member is not None


@dataclass(frozen=True)
class Verified:
    """A right code (`error` None) or the reason it was refused; the attempt is counted either way."""

    application: Application
    error: InvalidCode | None = None


async def verify_application(
    uow: UnitOfWork, cmd: cmds.VerifyApplication, vault: NationalIdVault, codes: CodeBook
) -> Verified:
    """The applicant proved the phone: a new person joins (auto-approval); a duplicate goes to
    the officer. Either way the public answer is the same."""
    repo = Repository(uow.session)
    row = await repo.get_application(cmd.application_id, for_update=True)
    if row is None:
        raise NotFound(f"application {cmd.application_id}")
    application = application_from_row(row)
    stored = await VerificationCodes(uow.session).get(application.application_id)
    if application.status is not ApplicationStatus.AWAITING_VERIFICATION or stored is None:
        raise InvalidCode("this application is not waiting for a code")
    try:
        stored.check(codes.hash(application.application_id, cmd.code), datetime.now(UTC))
    except InvalidCode as exc:
        await VerificationCodes(uow.session).save_attempts(stored)
        return Verified(application, exc)
    await VerificationCodes(uow.session).used(stored)
    member = await _join_unless_duplicate(uow, repo, vault, row, application)
    if member is None and application.duplicate_of is None:  # the branch stopped approving on its own
        earlier = await repo.pending_application_id(row.national_id_hash)
        if earlier is not None:
            application.mark_duplicate(earlier, "already has an application waiting")
    application.phone_verified(date.today(), approve=member is not None)
    await repo.save_application(application, member_id=member.member_id if member else None)
    return Verified(application)


async def _join_unless_duplicate(
    uow: UnitOfWork, repo: Repository, vault: NationalIdVault, row: Any, application: Application
) -> Member | None:
    branch = await open_branch(repo, application.branch_id)
    if not branch.auto_approve or application.duplicate_of is not None:
        return None
    if await _mark_if_member(repo, application, row.national_id_hash):
        return None
    person = _applicant(vault, row, application)
    try:
        return await join(uow, vault, branch, person, JoinChannel.SELF_SERVICE)
    except AlreadyMember:  # joined concurrently by another path since the check above
        await _mark_if_member(repo, application, row.national_id_hash)
        return None


def _applicant(vault: NationalIdVault, row: Any, application: Application) -> ValidPerson:
    """The applicant's details, opened from the application as stored."""
    return ValidPerson(
        application.name,
        vault.decrypt(row.national_id_enc),
        vault.decrypt(row.phone_enc),
        application.employer,
        application.employment_type,
        vault.unseal(row.email_enc).decode() if row.email_enc else None,
    )


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
    person = _applicant(vault, row, application)
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
    reason, e.g. a branch the system is not registered for; a re-sent request (same system,
    branch and request id) gets the first answer again."""
    repo = Repository(uow.session)
    earlier = await repo.get_registration(cmd.system_id, cmd.branch_id, cmd.request_id)
    if earlier is not None:
        return _answer(cmd.request_id, earlier)
    answer = _Registration(ev.RegistrationOutcome.ACCEPTED.value)
    try:
        member = await _register(uow, repo, cmd, vault, caused_by)
        answer.member_id, answer.card_number = member.member_id, member.card_number
    except DomainError as exc:
        answer.outcome = ev.RegistrationOutcome.REJECTED.value
        answer.reason, answer.field = exc.reason, exc.field
    request = {
        "system_id": cmd.system_id,
        "branch_id": cmd.branch_id,
        "request_id": cmd.request_id,
        "district": cmd.district,
    }
    await repo.add_registration(request | dataclasses.asdict(answer))
    return _answer(cmd.request_id, answer)


async def _register(
    uow: UnitOfWork,
    repo: Repository,
    cmd: cmds.RegisterFromBranchSystem,
    vault: NationalIdVault,
    caused_by: Envelope,
) -> Member:
    system = await BranchSystems(uow.session).get(cmd.system_id)
    if system is None or system.district != cmd.district:
        raise DomainError(f"no branch system {cmd.system_id} in district {cmd.district}", field="branch_id")
    system.check_serves(cmd.branch_id)
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
