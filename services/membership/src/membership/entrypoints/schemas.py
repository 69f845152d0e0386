"""Request and response models of the HTTP API (`XCreate` in, `XPublic` out). Responses carry
national IDs and phone numbers only masked. Every text input is a constrained type of
`unionfed_chassis.inputs` (bounded length, no control characters), so the OpenAPI document
states what the API enforces; the domain checks the content further."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field
from unionfed_chassis.inputs import Comment, DistrictCode, Name, Reason, ShortText, Slug
from unionfed_chassis.routes import Page, Public
from unionfed_events import topics

__all__ = ["Page"]  # re-exported: the routes use s.Page

from membership.domain.enums import (
    ApplicationStatus,
    BranchKind,
    BranchStatus,
    EmploymentType,
    JoinChannel,
    LeaveReason,
    MemberStatus,
)


class DistrictCreate(BaseModel):
    code: DistrictCode = Field(examples=["xuhui"], description="Lowercase slug, as in topic names")
    name: Name = Field(examples=["徐汇区"])


class DistrictPublic(Public):
    code: str
    name: str


class BranchCreate(BaseModel):
    name: Name = Field(examples=["上海恒通物流有限公司工会"])
    kind: BranchKind
    industry: ShortText = Field(examples=["logistics"])
    district: DistrictCode
    auto_approve: bool = Field(False, description="Approve self-service applications without an officer")
    branch_id: Slug | None = Field(None, description="Default: generated")
    established_on: date | None = None


class BranchPublic(Public):
    branch_id: str
    name: str
    kind: BranchKind
    industry: str
    district: str
    status: BranchStatus
    auto_approve: bool
    established_on: date
    closed_on: date | None = None
    close_reason: str | None = None
    merged_into: str | None = None


class BranchClose(BaseModel):
    reason: Reason
    move_members_to: Slug | None = Field(None, description="Branch that takes over members (a merge)")
    on: date | None = None


class BranchClosurePublic(Public):
    branch: BranchPublic
    members_moved: int
    applications_moved: int


class PersonCreate(BaseModel):
    name: Name
    national_id: ShortText = Field(description="18-character resident ID number (checksum validated)")
    phone: ShortText = Field(description="Mainland mobile number")
    employer: Name
    employment_type: EmploymentType
    email: ShortText | None = Field(None, description="E-mail address for notifications (optional)")


class ApplicationCreate(PersonCreate):
    branch_id: Slug


class MemberCreate(PersonCreate):
    joined_on: date | None = Field(None, description="Default: today")


class ApplicationReceipt(Public):
    """The same for everyone: it never says whether the person is already a member."""

    application_id: UUID
    branch_id: str
    status: ApplicationStatus = Field(
        description="`awaiting_verification`: type the code sent to the phone; `pending`: the branch decides"
    )
    code_sent_to: str | None = Field(None, description="Masked phone the one-time code went to")


class VerificationCreate(BaseModel):
    code: str = Field(pattern=r"^[0-9]{6}$", description="The 6-digit code sent to the phone")


class VerificationReceipt(Public):
    """The same for everyone who typed the right code (see docs/architecture.md, public joining)."""

    application_id: UUID
    branch_id: str
    verified: bool = True
    message: str = "Thank you: your phone is confirmed. Your branch sends your membership details."


class ApplicationPublic(Public):
    application_id: UUID
    branch_id: str
    district: str
    name: str
    national_id_masked: str
    phone_masked: str
    email_masked: str | None = None
    employer: str
    employment_type: EmploymentType
    submitted_on: date
    status: ApplicationStatus
    decided_on: date | None = None
    reject_reason: str | None = None
    member_id: UUID | None = None
    duplicate_of: UUID | None = Field(
        None, description="The member or earlier application this one repeats (officers only)"
    )
    duplicate_reason: str | None = None


class ApplicationReject(BaseModel):
    reason: Comment = Field(min_length=1, description="Shown to the applicant; may span several lines")


class MemberPublic(Public):
    member_id: UUID
    card_number: str
    name: str = Field(description="The member's name; a fixed placeholder once erased")
    national_id_masked: str | None = Field(description="Masked resident ID; null once erased")
    phone_masked: str | None
    email_masked: str | None = None
    employer: str | None
    employment_type: EmploymentType
    branch_id: str
    district: str
    industry: str
    status: MemberStatus
    channel: JoinChannel
    joined_on: date
    left_on: date | None = None
    leave_reason: LeaveReason | None = None
    erased_on: date | None = Field(None, description="When the personal data was erased on request (PIPL)")
    version: int


class TransferCreate(BaseModel):
    to_branch_id: Slug
    reason: Reason | None = None
    on: date | None = None


class LeaveCreate(BaseModel):
    reason: LeaveReason
    note: Comment | None = Field(None, description="Free text; may span several lines")
    on: date | None = None


class ReinstateCreate(BaseModel):
    branch_id: Slug | None = Field(None, description="Default: the branch the member left")
    on: date | None = None


class ContactUpdate(BaseModel):
    phone: ShortText | None = None
    employer: Name | None = None
    employment_type: EmploymentType | None = None
    email: ShortText | None = None


class RepublishPublic(Public):
    members: int = Field(description="Active members whose contact points were sealed and published again")
    key_id: str = Field(description="The key they are sealed to now")
    batches: int


class ErasureCreate(BaseModel):
    reason: Comment = Field(min_length=1, description="The request the erasure answers (kept in the history)")


class HistoryEntry(Public):
    at: datetime
    on_date: date
    kind: str
    district: str
    branch_id: str
    details: dict[str, Any]
    actor: str | None = Field(
        None, description="Who made the change: token subject, branch system or service"
    )
    actor_role: str | None = Field(None, description="Their role (`public`, `branch_system`, `service`, …)")


class RowErrorPublic(Public):
    row: int = Field(description="Data row number (1 = first row under the header)")
    field: str
    reason: str


class ImportPublic(Public):
    import_id: UUID
    branch_id: str
    rows: int
    created: int
    failed: int
    errors: list[RowErrorPublic] = Field(description="The first 200 row errors")
    failed_rows_url: str
    replayed: bool = Field(False, description="True when this file had been imported before")


class CountBy(Public):
    key: str
    label: str | None = None
    members: int


class BranchCount(Public):
    branch_id: str
    name: str
    district: str
    industry: str
    kind: BranchKind
    members: int


class CoveragePublic(Public):
    total_members: int
    migrant_members: int
    migrant_share: float
    by_district: list[CountBy]
    branches_per_district: dict[str, int]
    by_branch: list[BranchCount]
    by_industry: list[CountBy]
    by_employment_type: list[CountBy]


class MonthPublic(Public):
    month: str = Field(examples=["2026-03"])
    joins: int
    leaves: int


SYSTEM_ID_PATTERN = topics.SYSTEM_CODE.pattern


class BranchSystemCreate(BaseModel):
    system_id: str = Field(
        pattern=SYSTEM_ID_PATTERN,
        max_length=32,
        examples=["hengtong-hr"],
        description="Segment of its topic names",
    )
    district: DistrictCode
    name: Name = Field(examples=["恒通物流 HR 系统"])
    branch_ids: list[Slug] = Field(
        min_length=1, max_length=1000, description="Branches it registers members into"
    )


class BranchSystemBranches(BaseModel):
    branch_ids: list[Slug] = Field(min_length=1, max_length=1000)


class BranchSystemPublic(Public):
    system_id: str
    district: str
    name: str
    branch_ids: list[str]
    inbound_topic: str = Field(description="Where it publishes MemberRegistrationRequested")
    replies_topic: str = Field(description="Where it reads MemberRegistrationAnswered")
    acl_prefix: str = Field(description="Kafka prefixed ACL granting exactly these topics")
