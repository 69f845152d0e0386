"""Membership domain events: branches, members joining / moving / leaving, branch-system registration.

Only masked personal data travels in these events (`national_id_masked`, `phone_masked`,
`email_masked`), except in the inbound command `MemberRegistrationRequested` (see
`PERSONAL_DATA_EVENTS`) and, sealed, in `MemberContactPoints`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Self
from uuid import UUID

from pydantic import Field, model_validator

from .base import Event
from .fields import BranchId, DistrictCode, NationalIdMasked, PhoneMasked

DOMAIN = "membership"


class BranchKind(StrEnum):
    """Kind of grassroots branch: one enterprise's union, or a regional / industry joint union."""

    ENTERPRISE = "enterprise"
    JOINT_REGIONAL = "joint_regional"
    JOINT_INDUSTRY = "joint_industry"


class EmploymentType(StrEnum):
    """How the member is employed (migrant, flexible and laid-off workers get targeted services)."""

    REGULAR = "regular"
    MIGRANT = "migrant"
    FLEXIBLE = "flexible"
    LAID_OFF = "laid_off"
    DISPATCHED = "dispatched"
    OTHER = "other"


class JoinChannel(StrEnum):
    """How the membership was recorded."""

    SELF_SERVICE = "self_service"
    BULK_IMPORT = "bulk_import"
    BRANCH_SYSTEM = "branch_system"
    OFFICER = "officer"
    SEED = "seed"


class LeaveReason(StrEnum):
    """Why a member left the union."""

    RESIGNED = "resigned"
    RETIRED = "retired"
    CHANGED_JOB = "changed_job"
    DECEASED = "deceased"
    EXPELLED = "expelled"
    OTHER = "other"
    ERASED = "erased"  # the person asked for their personal data to be erased (PIPL): see MemberErased


class RegistrationOutcome(StrEnum):
    """The membership service's answer to a branch system's registration request."""

    ACCEPTED = "accepted"
    PENDING_APPROVAL = "pending_approval"
    REJECTED = "rejected"


class BranchEstablished(Event):
    """A grassroots branch (enterprise or joint branch) was established in a district."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "BranchEstablished"

    branch_id: BranchId = Field(description="Id of the new branch, a slug such as `xuhui-b012`.")
    name: str = Field(min_length=1, description="The branch's registered name.")
    kind: BranchKind = Field(description="Enterprise union, or regional / industry joint union.")
    industry: str = Field(description="Industry the branch belongs to.")
    district: DistrictCode = Field(description="Code of the district union the branch belongs to.")
    established_on: date = Field(description="Date the branch was established.")

    def subject(self) -> str:
        return self.branch_id


class BranchClosed(Event):
    """A grassroots branch was closed; its members were moved to another branch or left unassigned."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "BranchClosed"

    branch_id: BranchId = Field(description="Id of the closed branch.")
    district: DistrictCode = Field(description="Code of the district union the branch belonged to.")
    reason: str = Field(description="Why the branch was closed (e.g. enterprise deregistered).")
    members_moved_to: BranchId | None = Field(
        description="Branch the remaining members were transferred to; null if none."
    )
    members_moved: int = Field(ge=0, description="How many members were transferred.")
    closed_on: date = Field(description="Date the branch was closed.")

    def subject(self) -> str:
        return self.branch_id


class MemberJoined(Event):
    """A worker joined the union through a branch and was issued a member card."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "MemberJoined"

    member_id: UUID = Field(description="Id of the new member.")
    card_number: str = Field(description="Number of the member card issued.")
    name: str = Field(min_length=1, description="The member's name.")
    branch_id: BranchId = Field(description="Branch the member joined.")
    district: DistrictCode = Field(description="Code of the branch's district union.")
    industry: str = Field(description="Industry the member works in.")
    employment_type: EmploymentType = Field(description="How the member is employed.")
    joined_on: date = Field(description="Date the membership starts.")
    channel: JoinChannel = Field(description="How the membership was recorded.")
    national_id_masked: NationalIdMasked = Field(
        description="Resident ID number, masked: first 4 and last 4 characters only."
    )
    birth_year: int | None = Field(
        default=None,
        ge=1900,
        le=2100,
        description="Year of birth (for age bands of campaign audiences); the full date stays in membership.",
    )

    def subject(self) -> str:
        return str(self.member_id)


class MemberTransferred(Event):
    """A member's membership moved to another branch, possibly in another district."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "MemberTransferred"

    member_id: UUID = Field(description="Id of the member.")
    card_number: str = Field(description="The member's card number (unchanged by a transfer).")
    from_branch_id: BranchId = Field(description="Branch the member leaves.")
    from_district: DistrictCode = Field(description="District union of the branch left.")
    to_branch_id: BranchId = Field(description="Branch the member moves to.")
    to_district: DistrictCode = Field(description="District union of the new branch.")
    transferred_on: date = Field(description="Date of the transfer.")
    reason: str | None = Field(default=None, description="Why the member transferred (e.g. new employer).")

    def subject(self) -> str:
        return str(self.member_id)


class MemberLeft(Event):
    """A member left the union."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "MemberLeft"

    member_id: UUID = Field(description="Id of the member.")
    branch_id: BranchId = Field(description="Branch the member belonged to.")
    district: DistrictCode = Field(description="Code of the branch's district union.")
    reason: LeaveReason = Field(description="Why the member left.")
    note: str | None = Field(default=None, description="Free-text note by the officer.")
    left_on: date = Field(description="Date the membership ended.")

    def subject(self) -> str:
        return str(self.member_id)


class MemberReinstated(Event):
    """A former member's membership was restored."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "MemberReinstated"

    member_id: UUID = Field(description="Id of the member.")
    branch_id: BranchId = Field(description="Branch the member is reinstated in.")
    district: DistrictCode = Field(description="Code of the branch's district union.")
    reinstated_on: date = Field(description="Date the membership resumes.")

    def subject(self) -> str:
        return str(self.member_id)


class MemberContactUpdated(Event):
    """A member's contact and employment details changed; carries the current values (masked)."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "MemberContactUpdated"

    member_id: UUID = Field(description="Id of the member.")
    branch_id: BranchId = Field(description="Branch the member belongs to.")
    district: DistrictCode = Field(description="Code of the branch's district union.")
    phone_masked: PhoneMasked | None = Field(
        description="Mobile number, masked (`138****5678`); null if none on record."
    )
    employer: str | None = Field(description="Current employer; null if none (e.g. flexible workers).")
    employment_type: EmploymentType | None = Field(description="How the member is employed; null if unknown.")
    email_masked: str | None = Field(
        default=None, description="E-mail address, masked (`z***@example.com`); null if none on record."
    )

    def subject(self) -> str:
        return str(self.member_id)


class MemberApplicationRejected(Event):
    """A branch refused a worker's self-service membership application."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "MemberApplicationRejected"

    application_id: UUID = Field(description="Id of the self-service application.")
    branch_id: BranchId = Field(description="Branch the worker applied to.")
    district: DistrictCode = Field(description="Code of the branch's district union.")
    reason: str = Field(description="Why the application was refused, for the applicant.")
    field: str | None = Field(default=None, description="The application field at fault, if any.")

    def subject(self) -> str:
        return str(self.application_id)


class MemberRegistrationRequested(Event):
    """Inbound command: a branch system asks the membership service to register a worker.

    Published by a branch system on its district's `membership.inbound` topic. It is the ONLY
    payload that carries a full resident ID number and phone number: it is a command addressed to
    the membership service on an ACL-restricted topic, never an event to fan out, log or store.
    See `PERSONAL_DATA_EVENTS`. The answer is `MemberRegistrationAnswered`.
    """

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "MemberRegistrationRequested"

    request_id: str = Field(
        min_length=1, max_length=64, description="The branch system's own id of this request (idempotency)."
    )
    branch_id: str = Field(description="Branch the worker joins (validated by the membership service).")
    name: str = Field(description="The worker's name.")
    national_id: str = Field(description="FULL resident ID number (18 characters). Personal data.")
    phone: str = Field(description="FULL mobile number. Personal data.")
    employer: str = Field(description="The worker's employer.")
    employment_type: EmploymentType = Field(description="How the worker is employed.")
    joined_on: date | None = Field(default=None, description="Membership start date; null = today.")
    email: str | None = Field(default=None, description="E-mail address, optional. Personal data.")

    def subject(self) -> str:
        return self.request_id


class MemberRegistrationAnswered(Event):
    """Reply to `MemberRegistrationRequested`, on the district's `membership.replies` topic."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "MemberRegistrationAnswered"

    request_id: str = Field(min_length=1, max_length=64, description="The request answered.")
    outcome: RegistrationOutcome = Field(description="Accepted, waiting for branch approval, or rejected.")
    member_id: UUID | None = Field(default=None, description="Id of the member; set when accepted.")
    card_number: str | None = Field(default=None, description="Member card number; set when accepted.")
    reason: str | None = Field(default=None, description="Why rejected or pending; set when rejected.")
    field: str | None = Field(default=None, description="The request field at fault, if any.")

    @model_validator(mode="after")
    def _outcome_consistent(self) -> Self:
        if self.outcome is RegistrationOutcome.ACCEPTED and (self.member_id is None or not self.card_number):
            raise ValueError("an accepted registration needs member_id and card_number")
        if self.outcome is RegistrationOutcome.REJECTED and not self.reason:
            raise ValueError("a rejected registration needs a reason")
        return self

    def subject(self) -> str:
        return self.request_id


class MemberContactPoints(Event):
    """Where a member can be reached, for the notifications service only: published on the private,
    compacted topic `topics.CONTACT_POINTS` (key: member id), never on a district topic. The phone and
    e-mail travel sealed to the notifications service's public key (`contact_points.seal`): the broker,
    its operators and any other reader see ciphertext. The latest record per member is the truth; a
    tombstone (null value) follows `MemberContactPointsWithdrawn`."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "MemberContactPoints"

    member_id: UUID = Field(description="Id of the member.")
    branch_id: BranchId = Field(description="Branch the member belongs to.")
    district: DistrictCode = Field(description="Code of the branch's district union.")
    sealed: str = Field(
        min_length=1,
        description='Base64 of a sealed box (X25519, libsodium) holding `{"phone": ..., "email": ...}`.',
    )
    key_id: str = Field(
        min_length=1, description="Which of the notifications service's keys it was sealed to."
    )
    has_phone: bool = Field(description="Whether a phone number is inside.")
    has_email: bool = Field(description="Whether an e-mail address is inside.")

    def subject(self) -> str:
        return str(self.member_id)


class ContactWithdrawalReason(StrEnum):
    LEFT = "left"
    ERASED = "erased"


class MemberContactPointsWithdrawn(Event):
    """The member may no longer be contacted (left, or erased): drop every copy of their contact
    points. Published on `topics.CONTACT_POINTS`, followed by a tombstone of the same key."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "MemberContactPointsWithdrawn"

    member_id: UUID = Field(description="Id of the member.")
    reason: ContactWithdrawalReason = Field(description="Why the contact points were withdrawn.")

    def subject(self) -> str:
        return str(self.member_id)


class MemberErased(Event):
    """A member's personal data was erased on request (PIPL): membership destroyed it, and every
    service removes its copies (names, card numbers, contact points, message contents) while keeping
    the anonymous facts that statistics count (district, branch, status, dates)."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "MemberErased"

    member_id: UUID = Field(description="Id of the member (a random id, kept so counts stay right).")
    branch_id: BranchId = Field(description="Branch the member belonged to.")
    district: DistrictCode = Field(description="Code of the branch's district union.")
    erased_on: date = Field(description="Date of the erasure.")

    def subject(self) -> str:
        return str(self.member_id)


PERSONAL_DATA_EVENTS: frozenset[type[Event]] = frozenset({MemberRegistrationRequested})
"""Payloads carrying unmasked personal data: inbound commands only; never log, store or republish them."""

EVENTS: list[type[Event]] = [
    BranchEstablished,
    BranchClosed,
    MemberJoined,
    MemberTransferred,
    MemberLeft,
    MemberReinstated,
    MemberContactUpdated,
    MemberApplicationRejected,
    MemberRegistrationRequested,
    MemberRegistrationAnswered,
    MemberContactPoints,
    MemberContactPointsWithdrawn,
    MemberErased,
]
