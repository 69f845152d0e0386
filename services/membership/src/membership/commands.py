"""Commands: what a caller asks the membership service to do (imperative names, plain data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from membership.domain.enums import BranchKind, EmploymentType, JoinChannel, LeaveReason


@dataclass(frozen=True)
class CreateDistrict:
    code: str
    name: str


@dataclass(frozen=True)
class EstablishBranch:
    name: str
    kind: BranchKind
    industry: str
    district: str
    auto_approve: bool = False
    branch_id: str | None = None
    established_on: date | None = None


@dataclass(frozen=True)
class CloseBranch:
    branch_id: str
    reason: str
    move_members_to: str | None = None
    on: date | None = None


@dataclass(frozen=True)
class Person:
    """A worker's details as typed; validated by the handler, never logged (see repr=False)."""

    name: str
    national_id: str = field(repr=False)
    phone: str = field(repr=False)
    employer: str
    employment_type: EmploymentType | str
    email: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SubmitApplication:
    branch_id: str
    person: Person


@dataclass(frozen=True)
class RegisterMember:
    """An officer records a member of a branch directly (channel `officer`)."""

    branch_id: str
    person: Person
    joined_on: date | None = None


@dataclass(frozen=True)
class ApproveApplication:
    application_id: UUID
    on: date | None = None


@dataclass(frozen=True)
class RejectApplication:
    application_id: UUID
    reason: str


@dataclass(frozen=True)
class ImportMembers:
    branch_id: str
    data: bytes = field(repr=False)
    filename: str | None = None
    created_by: str | None = None
    channel: JoinChannel = JoinChannel.BULK_IMPORT


@dataclass(frozen=True)
class RegisterFromBranchSystem:
    district: str  # of the inbound topic the request came on
    system_id: str  # likewise: whose topic it was, not what the request claims
    request_id: str
    branch_id: str
    person: Person
    joined_on: date | None = None


@dataclass(frozen=True)
class TransferMember:
    member_id: UUID
    to_branch_id: str
    reason: str | None = None
    on: date | None = None


@dataclass(frozen=True)
class MemberLeaves:
    member_id: UUID
    reason: LeaveReason
    note: str | None = None
    on: date | None = None


@dataclass(frozen=True)
class ReinstateMember:
    member_id: UUID
    branch_id: str | None = None
    on: date | None = None


@dataclass(frozen=True)
class UpdateContact:
    member_id: UUID
    phone: str | None = field(default=None, repr=False)
    employer: str | None = None
    employment_type: EmploymentType | None = None
    email: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class EraseMember:
    """Destroy a member's personal data on their request (PIPL); the anonymous facts stay."""

    member_id: UUID
    reason: str


@dataclass(frozen=True)
class VerifyApplication:
    """The applicant types the one-time code sent to their phone."""

    application_id: UUID
    code: str = field(repr=False)


@dataclass(frozen=True)
class RegisterBranchSystem:
    system_id: str
    district: str
    name: str
    branch_ids: tuple[str, ...]


@dataclass(frozen=True)
class SetBranchSystemBranches:
    system_id: str
    branch_ids: tuple[str, ...]
