"""What every handler area shares: the scope type, person validation, the stored forms of an
ID, and the one way a single person becomes a member."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.exc import IntegrityError
from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_events import Envelope
from unionfed_events import membership as ev

from membership import commands as cmds
from membership.adapters.repository import Repository, Secrets, history_row
from membership.adapters.vault import NationalIdVault
from membership.domain.card import format_card_number
from membership.domain.email import mask_email, validate_email
from membership.domain.enums import EmploymentType, JoinChannel, MemberStatus
from membership.domain.errors import AlreadyMember, DomainError, NotFound
from membership.domain.model import Branch, Member
from membership.domain.names import validate_employer, validate_name
from membership.domain.national_id import birth_year, mask_national_id, validate_national_id
from membership.domain.phone import mask_phone, validate_mobile
from membership.handlers.contact_points import publish_contact_points


@dataclass(frozen=True)
class ValidPerson:
    name: str
    national_id: str = field(repr=False)
    phone: str = field(repr=False)
    employer: str
    employment_type: EmploymentType
    email: str | None = field(default=None, repr=False)


def validate_person(person: cmds.Person) -> ValidPerson:
    return ValidPerson(
        validate_name(person.name),
        validate_national_id(person.national_id),
        validate_mobile(person.phone),
        validate_employer(person.employer),
        _employment_type(person.employment_type),
        validate_email(person.email) if person.email is not None else None,
    )


def _employment_type(value: object) -> EmploymentType:
    try:
        return EmploymentType(str(value))
    except ValueError:
        raise DomainError(f"unknown employment type {value!r}", field="employment_type") from None


def secrets_of(vault: NationalIdVault, nid: str, phone: str | None, email: str | None = None) -> Secrets:
    """What is stored of a person's ID, phone and e-mail, and their contact points sealed for
    the notifications service (all CPU: bulk imports call it in a thread)."""
    return Secrets(
        vault.lookup_hash(nid),
        vault.encrypt(nid),
        vault.encrypt(phone) if phone else None,
        vault.seal(email.encode()) if email else None,
        vault.seal_contact(phone, email) if phone or email else None,
    )


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
        birth_year=member.birth_year,
    )


def new_member(
    branch: Branch, person: ValidPerson, serial: int, joined_on: date, member_id: uuid.UUID | None = None
) -> Member:
    return Member(
        member_id=member_id or uuid.uuid4(),
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
        birth_year=birth_year(person.national_id),
        email_masked=mask_email(person.email) if person.email else None,
    )


def _refuse_if_closed(branch: Branch, field_name: str) -> None:
    if not branch.is_open:
        raise DomainError(f"branch {branch.name} is closed and accepts no members", field=field_name)


async def open_branch(repo: Repository, branch_id: str, field_name: str = "branch_id") -> Branch:
    """A branch named in a request body: unknown or closed is a 422 on that field."""
    branch = await repo.get_branch(branch_id, lock="share")
    if branch is None:
        raise DomainError(f"no branch with id {branch_id}", field=field_name)
    _refuse_if_closed(branch, field_name)
    return branch


async def open_branch_in_scope(repo: Repository, branch_id: str, scope: Scope) -> Branch:
    """A branch named in the path: unknown is a 404, out of scope a 403, closed a 422."""
    branch = await repo.get_branch(branch_id, lock="share")
    if branch is None:
        raise NotFound(f"branch {branch_id}")
    scope(branch.district, branch.branch_id)
    _refuse_if_closed(branch, "branch_id")
    return branch


async def refuse_if_active(repo: Repository, nid_hash: str) -> None:
    card = (await repo.active_cards([nid_hash])).get(nid_hash)
    if card is not None:
        raise AlreadyMember(card)


async def join(
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
    secrets = secrets_of(vault, person.national_id, person.phone, person.email)
    await refuse_if_active(repo, secrets.national_id_hash)
    (serial,) = await repo.next_card_serials(1)
    member = new_member(branch, person, serial, joined_on or date.today())
    try:
        async with uow.session.begin_nested():
            await repo.insert_member(member, secrets, channel.value)
    except IntegrityError:  # a concurrent join of the same person won the race
        await refuse_if_active(repo, secrets.national_id_hash)
        raise
    await repo.add_history(
        [history_row(member, "joined", member.joined_on, channel=channel.value)], uow.actor
    )
    uow.emit(
        member_joined(member, channel),
        district=member.district,
        branch=member.branch_id,
        sequence=member.version,
        caused_by=caused_by,
    )
    publish_contact_points(uow, member, secrets.contact_sealed, vault.contact_key.key_id, caused_by)
    return member


def move_member(uow: UnitOfWork, member: Member, target: Branch, on: date, reason: str | None) -> None:
    """Transfer in the domain and emit MemberTransferred to the old and the new district."""
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
