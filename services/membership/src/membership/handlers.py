"""One function per command: load (locking what changes), decide with the domain, save, emit.

Handlers never commit: the caller's unit of work commits the state and the outbox rows
together. `scope` is called with the (district, branch) a command touches once they are loaded,
so an officer's reach is checked against stored data, not against what the request claims.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from unionfed_chassis.db import UnitOfWork
from unionfed_events import Envelope
from unionfed_events import membership as ev
from unionfed_events.topics import DISTRICT_CODE

from membership import commands as cmds
from membership.adapters.repository import Repository, Secrets, application_from_row, history_row, member_row
from membership.domain.card import format_card_number
from membership.domain.csv_import import RowError, failed_rows_csv, parse_import, raw_rows
from membership.domain.enums import ApplicationStatus, BranchStatus, EmploymentType, JoinChannel, MemberStatus
from membership.domain.errors import AlreadyMember, DomainError, InvalidTransition, NotFound
from membership.domain.model import INDUSTRIES, Application, Branch, District, Member
from membership.domain.names import validate_employer, validate_name
from membership.domain.national_id import NationalIdVault, mask_national_id, validate_national_id
from membership.domain.phone import mask_phone, validate_mobile

Scope = Callable[[str | None, str | None], None]
MAX_REPORTED_ERRORS = 200


def anyone(_district: str | None, _branch: str | None) -> None:
    """The scope of internal callers (seed, branch systems already scoped by topic ACLs)."""


@dataclass(frozen=True)
class ValidPerson:
    name: str
    national_id: str = field(repr=False)
    phone: str = field(repr=False)
    employer: str
    employment_type: EmploymentType


def validate_person(person: cmds.Person) -> ValidPerson:
    return ValidPerson(
        validate_name(person.name),
        validate_national_id(person.national_id),
        validate_mobile(person.phone),
        validate_employer(person.employer),
        _employment_type(person.employment_type),
    )


def _employment_type(value: object) -> EmploymentType:
    try:
        return EmploymentType(str(value))
    except ValueError:
        raise DomainError(f"unknown employment type {value!r}", field="employment_type") from None


def _secrets(vault: NationalIdVault, nid: str, phone: str | None) -> Secrets:
    return Secrets(vault.lookup_hash(nid), vault.encrypt(nid), vault.encrypt(phone) if phone else None)


def member_joined(member: Member, channel: JoinChannel) -> ev.MemberJoined:
    return ev.MemberJoined(
        member_id=member.member_id,
        card_number=member.card_number,
        name=member.name,
        branch_id=member.branch_id,
        district=member.district,
        industry=member.industry,
        employment_type=ev.EmploymentType(member.employment_type.value),
        joined_on=member.joined_on,
        channel=ev.JoinChannel(channel.value),
        national_id_masked=member.national_id_masked,
    )


def _new_member(branch: Branch, person: ValidPerson, serial: int, joined_on: date) -> Member:
    return Member(
        member_id=uuid.uuid4(),
        card_number=format_card_number(date.today().year, serial),
        name=person.name,
        national_id_masked=mask_national_id(person.national_id),
        branch_id=branch.branch_id,
        district=branch.district,
        industry=branch.industry,
        employer=person.employer,
        employment_type=person.employment_type,
        phone_masked=mask_phone(person.phone),
        status=MemberStatus.ACTIVE,
        joined_on=joined_on,
    )


async def _open_branch(repo: Repository, branch_id: str, field_name: str = "branch_id") -> Branch:
    branch = await repo.get_branch(branch_id, lock="share")
    if branch is None:
        raise DomainError(f"no branch with id {branch_id}", field=field_name)
    if not branch.is_open:
        raise DomainError(f"branch {branch.name} is closed and accepts no members", field=field_name)
    return branch


async def _refuse_if_active(repo: Repository, nid_hash: str) -> None:
    card = (await repo.active_cards([nid_hash])).get(nid_hash)
    if card is not None:
        raise AlreadyMember(card)


async def _join(
    uow: UnitOfWork,
    vault: NationalIdVault,
    branch: Branch,
    person: ValidPerson,
    channel: JoinChannel,
    joined_on: date | None = None,
    caused_by: Envelope | None = None,
) -> Member:
    """The one way a single person becomes a member, whatever the path."""
    repo = Repository(uow.session)
    secrets = _secrets(vault, person.national_id, person.phone)
    await _refuse_if_active(repo, secrets.national_id_hash)
    (serial,) = await repo.next_card_serials(1)
    member = _new_member(branch, person, serial, joined_on or date.today())
    try:
        async with uow.session.begin_nested():
            await repo.insert_member(member, secrets, channel.value)
    except IntegrityError:  # a concurrent join of the same person won the race
        await _refuse_if_active(repo, secrets.national_id_hash)
        raise
    await repo.add_history([history_row(member, "joined", member.joined_on, channel=channel.value)])
    uow.emit(
        member_joined(member, channel),
        district=member.district,
        branch=member.branch_id,
        sequence=member.version,
        caused_by=caused_by,
    )
    return member


# organisation


async def create_district(uow: UnitOfWork, cmd: cmds.CreateDistrict) -> District:
    if not DISTRICT_CODE.match(cmd.code):
        raise DomainError("use 2-32 lowercase letters, digits or '-', starting with a letter", field="code")
    if not cmd.name.strip():
        raise DomainError("is required", field="name")
    district = District(cmd.code, cmd.name.strip())
    if not await Repository(uow.session).add_district(district):
        raise DomainError(f"district {cmd.code} already exists", field="code")
    return district


async def establish_branch(uow: UnitOfWork, cmd: cmds.EstablishBranch, scope: Scope = anyone) -> Branch:
    repo = Repository(uow.session)
    scope(cmd.district, None)
    if await repo.get_district(cmd.district) is None:
        raise DomainError(f"no district {cmd.district}", field="district")
    if cmd.industry not in INDUSTRIES:
        raise DomainError(
            f"unknown industry {cmd.industry!r}; one of {', '.join(INDUSTRIES)}", field="industry"
        )
    name = " ".join(cmd.name.split())
    if not 2 <= len(name) <= 100 or not name.endswith("工会"):
        raise DomainError("must be 2-100 characters and end with 工会", field="name")
    if await repo.branch_name_taken(name):
        raise DomainError(f"a branch named {name} already exists", field="name")
    branch_id = cmd.branch_id or f"{cmd.district}-{uuid.uuid4().hex[:6]}"
    if await repo.get_branch(branch_id) is not None:
        raise DomainError(f"branch id {branch_id} is taken", field="branch_id")
    branch = Branch(
        branch_id,
        name,
        cmd.kind,
        cmd.industry,
        cmd.district,
        BranchStatus.ACTIVE,
        cmd.auto_approve,
        cmd.established_on or date.today(),
    )
    await repo.add_branch(branch)
    uow.emit(
        ev.BranchEstablished(
            branch_id=branch.branch_id,
            name=branch.name,
            kind=ev.BranchKind(branch.kind.value),
            industry=branch.industry,
            district=branch.district,
            established_on=branch.established_on,
        ),
        district=branch.district,
        branch=branch.branch_id,
        sequence=1,
    )
    return branch


@dataclass(frozen=True)
class BranchClosure:
    branch: Branch
    members_moved: int
    applications_moved: int


async def close_branch(uow: UnitOfWork, cmd: cmds.CloseBranch, scope: Scope = anyone) -> BranchClosure:
    """Close (or, with `move_members_to`, merge) a branch; its members and pending applications
    move to the target, so nothing is orphaned. Without a target, only an empty branch closes."""
    repo = Repository(uow.session)
    on = cmd.on or date.today()
    branch = await repo.get_branch(cmd.branch_id, lock="update")
    if branch is None:
        raise NotFound(f"branch {cmd.branch_id}")
    scope(branch.district, branch.branch_id)
    if not cmd.reason.strip():
        raise DomainError("is required", field="reason")
    branch.close()
    target = None
    if cmd.move_members_to:
        if cmd.move_members_to == branch.branch_id:
            raise DomainError("cannot move members into the branch being closed", field="move_members_to")
        target = await _open_branch(repo, cmd.move_members_to, "move_members_to")
    members = await repo.active_members_of(branch.branch_id)
    pending = await repo.pending_applications_of(branch.branch_id)
    if (members or pending) and target is None:
        raise DomainError(
            f"the branch still has {len(members)} member(s) and {len(pending)} pending application(s); "
            "name the branch they move to",
            field="move_members_to",
        )
    if target is not None:
        for member in members:
            _transfer(uow, member, target, on, f"branch {branch.name} closed: {cmd.reason}")
        await repo.save_members(members)
        for row in pending:
            await repo.save_application(application_from_row(row), branch=target)
    await repo.add_history(
        history_row(m, "transferred", on, from_branch_id=branch.branch_id, reason="branch closed")
        for m in members
    )
    await repo.save_branch_closed(branch, on, cmd.reason.strip(), target.branch_id if target else None)
    uow.emit(
        ev.BranchClosed(
            branch_id=branch.branch_id,
            district=branch.district,
            reason=cmd.reason.strip(),
            members_moved_to=target.branch_id if target else None,
            members_moved=len(members),
            closed_on=on,
        ),
        district=branch.district,
        branch=branch.branch_id,
    )
    return BranchClosure(branch, len(members), len(pending))


# joining


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
    branch = await _open_branch(repo, cmd.branch_id)
    secrets = _secrets(vault, person.national_id, person.phone)
    await _refuse_if_active(repo, secrets.national_id_hash)
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
        member = await _join(uow, vault, branch, person, JoinChannel.SELF_SERVICE)
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
    uow: UnitOfWork, cmd: cmds.ApproveApplication, vault: NationalIdVault, scope: Scope = anyone
) -> ApplicationOutcome:
    repo = Repository(uow.session)
    row, application = await _load_pending_application(repo, cmd.application_id, scope)
    on = cmd.on or date.today()
    application.approve(on)
    branch = await _open_branch(repo, application.branch_id)
    person = ValidPerson(
        application.name,
        vault.decrypt(row.national_id_enc),
        vault.decrypt(row.phone_enc),
        application.employer,
        application.employment_type,
    )
    member = await _join(uow, vault, branch, person, JoinChannel.SELF_SERVICE, on)
    await repo.save_application(application, member_id=member.member_id)
    return ApplicationOutcome(application, member)


async def reject_application(
    uow: UnitOfWork, cmd: cmds.RejectApplication, scope: Scope = anyone
) -> Application:
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


@dataclass(frozen=True)
class ImportResult:
    import_id: UUID
    branch_id: str
    district: str
    rows: int
    created: int
    failed: int
    errors: list[dict[str, Any]]
    replayed: bool = False


def import_result(row: Any, replayed: bool) -> ImportResult:
    return ImportResult(
        row.import_id, row.branch_id, row.district, row.rows, row.created, row.failed, row.errors, replayed
    )


async def import_members(
    uow: UnitOfWork, cmd: cmds.ImportMembers, vault: NationalIdVault, scope: Scope = anyone
) -> ImportResult:
    """Bulk import: every valid row joins, every other row is reported; one transaction, a few
    set-based statements. The same file into the same branch again returns the first result."""
    repo = Repository(uow.session)
    branch = await repo.get_branch(cmd.branch_id, lock="share")
    if branch is None:
        raise NotFound(f"branch {cmd.branch_id}")
    scope(branch.district, branch.branch_id)
    if not branch.is_open:
        raise DomainError(f"branch {branch.name} is closed and accepts no members", field="branch_id")
    sha = hashlib.sha256(cmd.data).hexdigest()
    if (done := await repo.find_import(branch.branch_id, sha)) is not None:
        return import_result(done, replayed=True)
    parsed = parse_import(cmd.data)  # CsvFormatError: the whole file is unusable
    import_id = uuid.uuid4()
    claim = {
        "import_id": import_id,
        "branch_id": branch.branch_id,
        "district": branch.district,
        "file_sha256": sha,
        "filename": cmd.filename,
        "rows": 0,
        "created": 0,
        "failed": 0,
        "errors": [],
        "failed_rows_csv": b"",
        "created_by": cmd.created_by,
    }
    if not await repo.claim_import(claim):  # the same file, committed by a concurrent upload
        return import_result(await repo.find_import(branch.branch_id, sha), replayed=True)

    secrets = [_secrets(vault, r.national_id, r.phone) for r in parsed.rows]
    active = await repo.active_cards([s.national_id_hash for s in secrets])
    late_errors: list[tuple[int, str]] = []
    candidates = []
    for row, sec in zip(parsed.rows, secrets, strict=True):
        if sec.national_id_hash in active:
            late_errors.append((row.row_number, _already(active[sec.national_id_hash])))
        else:
            candidates.append((row, sec))
    serials = await repo.next_card_serials(len(candidates))
    today = date.today()
    new = []
    for (row, sec), serial in zip(candidates, serials, strict=True):
        person = ValidPerson(row.name, row.national_id, row.phone, row.employer, row.employment_type)
        new.append((row, sec, _new_member(branch, person, serial, row.joined_on or today)))
    inserted = await repo.insert_members_skipping_active(
        [member_row(m, sec, cmd.channel.value) for _, sec, m in new]
    )
    if len(inserted) < len(new):  # people who became members through another path meanwhile
        lost = [(row, sec) for row, sec, m in new if m.member_id not in inserted]
        cards = await repo.active_cards([sec.national_id_hash for _, sec in lost])
        late_errors += [(r.row_number, _already(cards.get(s.national_id_hash, "????"))) for r, s in lost]
    joined = [m for _, _, m in new if m.member_id in inserted]
    await repo.add_history(history_row(m, "joined", m.joined_on, channel=cmd.channel.value) for m in joined)
    for m in joined:
        uow.emit(member_joined(m, cmd.channel), district=m.district, branch=m.branch_id, sequence=m.version)

    errors = parsed.errors + _late_row_errors(cmd.data, late_errors)
    errors.sort(key=lambda e: e.row_number)
    failed = len({e.row_number for e in errors})
    report = [{"row": e.row_number, "field": e.field, "reason": e.reason} for e in errors]
    result = ImportResult(
        import_id,
        branch.branch_id,
        branch.district,
        len(parsed.rows) + len({e.row_number for e in parsed.errors}),
        len(joined),
        failed,
        report[:MAX_REPORTED_ERRORS],
    )
    await repo.finish_import(
        import_id,
        {
            "rows": result.rows,
            "created": result.created,
            "failed": result.failed,
            "errors": result.errors,
            # The failed rows hold full IDs (the officer's own input): stored sealed, like IDs.
            "failed_rows_csv": vault.seal(failed_rows_csv(errors)) if errors else b"",
        },
    )
    return result


def _already(card: str) -> str:
    return f"already an active member (card ending {card[-4:]})"


def _late_row_errors(data: bytes, late: list[tuple[int, str]]) -> list[RowError]:
    if not late:
        return []
    raw = raw_rows(data, {n for n, _ in late})
    return [RowError(n, "national_id", reason, raw.get(n, {})) for n, reason in late]


@dataclass(frozen=True)
class RegistrationAnswer:
    outcome: ev.RegistrationOutcome
    member: Member | None = None
    card_number: str | None = None
    reason: str | None = None
    field: str | None = None


async def register_from_branch_system(
    uow: UnitOfWork, cmd: cmds.RegisterFromBranchSystem, vault: NationalIdVault, caused_by: Envelope
) -> ev.MemberRegistrationAnswered:
    """A branch system's request: joins at once (the branch itself asks) or is refused with a
    reason; a re-sent request (same branch and request id) gets the first answer again."""
    repo = Repository(uow.session)
    earlier = await repo.get_registration(cmd.branch_id, cmd.request_id)
    if earlier is not None:
        return _answer(
            cmd.request_id,
            earlier.outcome,
            earlier.member_id,
            earlier.card_number,
            earlier.reason,
            earlier.field,
        )
    member_id, card, reason, field_name = None, None, None, None
    try:
        person = validate_person(cmd.person)
        branch = await repo.get_branch(cmd.branch_id, lock="share")
        if branch is None or branch.district != cmd.district:
            raise DomainError(
                f"no branch with id {cmd.branch_id} in district {cmd.district}", field="branch_id"
            )
        branch = await _open_branch(repo, branch.branch_id)
        member = await _join(uow, vault, branch, person, JoinChannel.BRANCH_SYSTEM, cmd.joined_on, caused_by)
        outcome, member_id, card = ev.RegistrationOutcome.ACCEPTED, member.member_id, member.card_number
    except DomainError as exc:
        outcome, reason, field_name = ev.RegistrationOutcome.REJECTED, exc.reason, exc.field
    await repo.add_registration(
        {
            "branch_id": cmd.branch_id,
            "request_id": cmd.request_id,
            "district": cmd.district,
            "outcome": outcome.value,
            "member_id": member_id,
            "card_number": card,
            "reason": reason,
            "field": field_name,
        }
    )
    return _answer(cmd.request_id, outcome.value, member_id, card, reason, field_name)


def _answer(
    request_id: str,
    outcome: str,
    member_id: UUID | None,
    card: str | None,
    reason: str | None,
    field_name: str | None,
) -> ev.MemberRegistrationAnswered:
    return ev.MemberRegistrationAnswered(
        request_id=request_id,
        outcome=ev.RegistrationOutcome(outcome),
        member_id=member_id,
        card_number=card,
        reason=reason,
        field=field_name,
    )


# a member's life


async def _load_member(repo: Repository, member_id: UUID, scope: Scope) -> Member:
    member = await repo.get_member(member_id, for_update=True)
    if member is None:
        raise NotFound(f"member {member_id}")
    scope(member.district, member.branch_id)
    return member


def _transfer(uow: UnitOfWork, member: Member, target: Branch, on: date, reason: str | None) -> None:
    old_branch, old_district = member.branch_id, member.district
    member.transfer_to(target, on)
    uow.emit(
        ev.MemberTransferred(
            member_id=member.member_id,
            card_number=member.card_number,
            from_branch_id=old_branch,
            from_district=old_district,
            to_branch_id=target.branch_id,
            to_district=target.district,
            transferred_on=on,
            reason=reason,
        ),
        district=target.district,
        branch=target.branch_id,
        sequence=member.version,
        also_to_districts=[old_district],
    )


async def transfer_member(uow: UnitOfWork, cmd: cmds.TransferMember, scope: Scope = anyone) -> Member:
    """Move a member to another branch, also across districts (both districts hear of it)."""
    repo = Repository(uow.session)
    member = await _load_member(repo, cmd.member_id, scope)
    target = await repo.get_branch(cmd.to_branch_id, lock="share")
    if target is None:
        raise DomainError(f"no branch with id {cmd.to_branch_id}", field="to_branch_id")
    on = cmd.on or date.today()
    old_branch = member.branch_id
    try:
        _transfer(uow, member, target, on, cmd.reason)
    except InvalidTransition as exc:
        exc.field = exc.field or "to_branch_id"
        raise
    await repo.save_members([member])
    await repo.add_history(
        [history_row(member, "transferred", on, from_branch_id=old_branch, reason=cmd.reason)]
    )
    return member


async def member_leaves(uow: UnitOfWork, cmd: cmds.MemberLeaves, scope: Scope = anyone) -> Member:
    repo = Repository(uow.session)
    member = await _load_member(repo, cmd.member_id, scope)
    on = cmd.on or date.today()
    member.leave(cmd.reason, on)
    await repo.save_members([member])
    await repo.add_history([history_row(member, "left", on, reason=cmd.reason.value, note=cmd.note)])
    uow.emit(
        ev.MemberLeft(
            member_id=member.member_id,
            branch_id=member.branch_id,
            district=member.district,
            reason=ev.LeaveReason(cmd.reason.value),
            note=cmd.note,
            left_on=on,
        ),
        district=member.district,
        branch=member.branch_id,
        sequence=member.version,
    )
    return member


async def reinstate_member(uow: UnitOfWork, cmd: cmds.ReinstateMember, scope: Scope = anyone) -> Member:
    repo = Repository(uow.session)
    member = await _load_member(repo, cmd.member_id, scope)
    branch = await _open_branch(repo, cmd.branch_id or member.branch_id)
    scope(branch.district, branch.branch_id)
    if member.status is MemberStatus.LEFT:  # rejoined meanwhile through another path?
        await _refuse_if_active(repo, await repo.member_hash(member.member_id))
    on = cmd.on or date.today()
    old_district = member.district
    member.reinstate(branch, on)
    try:
        async with uow.session.begin_nested():
            await repo.save_members([member])
    except IntegrityError:
        await _refuse_if_active(repo, await repo.member_hash(member.member_id))
        raise
    await repo.add_history([history_row(member, "reinstated", on)])
    uow.emit(
        ev.MemberReinstated(
            member_id=member.member_id,
            branch_id=member.branch_id,
            district=member.district,
            reinstated_on=on,
        ),
        district=member.district,
        branch=member.branch_id,
        sequence=member.version,
        also_to_districts=[old_district],
    )
    return member


async def update_contact(
    uow: UnitOfWork, cmd: cmds.UpdateContact, vault: NationalIdVault, scope: Scope = anyone
) -> Member:
    """Change phone / employer / employment type; the event carries the current (masked) values."""
    repo = Repository(uow.session)
    member = await _load_member(repo, cmd.member_id, scope)
    phone = validate_mobile(cmd.phone) if cmd.phone is not None else None
    version = member.version
    member.update_contact(phone=phone, employer=cmd.employer, employment_type=cmd.employment_type)
    if member.version == version:
        return member  # nothing changed: no event
    await repo.save_members([member], phone_enc=vault.encrypt(phone) if phone else None)
    await repo.add_history(
        [
            history_row(
                member,
                "contact_updated",
                date.today(),
                fields=[
                    n
                    for n, v in (
                        ("phone", phone),
                        ("employer", cmd.employer),
                        ("employment_type", cmd.employment_type),
                    )
                    if v is not None
                ],
            )
        ]
    )
    uow.emit(
        ev.MemberContactUpdated(
            member_id=member.member_id,
            branch_id=member.branch_id,
            district=member.district,
            phone_masked=member.phone_masked,
            employer=member.employer,
            employment_type=ev.EmploymentType(member.employment_type.value),
        ),
        district=member.district,
        branch=member.branch_id,
        sequence=member.version,
    )
    return member
