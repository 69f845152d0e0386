"""Request and response models of the HTTP API (`XCreate` in, `XPublic` out). Responses carry
national IDs and phone numbers only masked."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from membership.domain.enums import (
    ApplicationStatus,
    BranchKind,
    BranchStatus,
    EmploymentType,
    JoinChannel,
    LeaveReason,
    MemberStatus,
)

T = TypeVar("T")


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(Public, Generic[T]):
    items: list[T]
    total: int = Field(description="Matching items over all pages")
    page: int
    page_size: int


class DistrictCreate(BaseModel):
    code: str = Field(examples=["xuhui"], description="Lowercase slug, as in topic names")
    name: str = Field(examples=["徐汇区"])


class DistrictPublic(Public):
    code: str
    name: str


class BranchCreate(BaseModel):
    name: str = Field(examples=["上海恒通物流有限公司工会"])
    kind: BranchKind
    industry: str = Field(examples=["logistics"])
    district: str
    auto_approve: bool = Field(False, description="Approve self-service applications without an officer")
    branch_id: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", description="Default: generated"
    )
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
    reason: str = Field(min_length=1)
    move_members_to: str | None = Field(None, description="Branch that takes over members (a merge)")
    on: date | None = None


class BranchClosurePublic(Public):
    branch: BranchPublic
    members_moved: int
    applications_moved: int


class PersonCreate(BaseModel):
    name: str
    national_id: str = Field(description="18-character resident ID number (checksum validated)")
    phone: str = Field(description="Mainland mobile number")
    employer: str
    employment_type: EmploymentType


class ApplicationCreate(PersonCreate):
    branch_id: str


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
    reason: str


class MemberPublic(Public):
    member_id: UUID
    card_number: str
    name: str
    national_id_masked: str
    phone_masked: str | None
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
    version: int


class TransferCreate(BaseModel):
    to_branch_id: str
    reason: str | None = None
    on: date | None = None


class LeaveCreate(BaseModel):
    reason: LeaveReason
    note: str | None = Field(None, max_length=500)
    on: date | None = None


class ReinstateCreate(BaseModel):
    branch_id: str | None = Field(None, description="Default: the branch the member left")
    on: date | None = None


class ContactUpdate(BaseModel):
    phone: str | None = None
    employer: str | None = None
    employment_type: EmploymentType | None = None


class HistoryEntry(Public):
    at: datetime
    on_date: date
    kind: str
    district: str
    branch_id: str
    details: dict[str, Any]


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


class BranchSystemCreate(BaseModel):
    system_id: str = Field(
        pattern=r"^[a-z][a-z0-9-]{1,31}$", examples=["hengtong-hr"], description="Segment of its topic names"
    )
    district: str
    name: str = Field(min_length=1, max_length=200, examples=["恒通物流 HR 系统"])
    branch_ids: list[str] = Field(
        min_length=1, max_length=1000, description="Branches it registers members into"
    )


class BranchSystemBranches(BaseModel):
    branch_ids: list[str] = Field(min_length=1, max_length=1000)


class BranchSystemPublic(Public):
    system_id: str
    district: str
    name: str
    branch_ids: list[str]
    inbound_topic: str = Field(description="Where it publishes MemberRegistrationRequested")
    replies_topic: str = Field(description="Where it reads MemberRegistrationAnswered")
    acl_prefix: str = Field(description="Kafka prefixed ACL granting exactly these topics")
