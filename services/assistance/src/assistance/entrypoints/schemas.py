"""Request and response models of the HTTP API (`XCreate` in, `XPublic` out). Money is exact:
a decimal string with at most 2 decimals (`"1500.00"`), never a float."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field
from unionfed_chassis.inputs import Comment, DistrictCode, Reason, ShortText
from unionfed_chassis.routes import Page, Public
from unionfed_events.assistance import (
    AidType,
    ApprovalLevel,
    Decision,
    HardshipCategory,
    HardshipCause,
    HardshipExitReason,
    ServiceOutcome,
)
from unionfed_events.fields import Yuan

__all__ = ["Page"]  # re-exported: the routes use s.Page

Amount = Yuan


class CaseCreate(BaseModel):
    member_id: UUID
    aid_type: AidType
    amount_yuan: Amount | None = Field(None, description="Money aid: amount asked for; services: omit")
    description: Comment | None = Field(None, description="The situation, in the caseworker's words")


class CaseDecision(BaseModel):
    decision: Literal["approve", "reject", "return"]
    comment: Comment | None = Field(
        None, description="Required to reject (the reason) or return (what to revise)"
    )
    amount_yuan: Amount | None = Field(None, description="Approve a lower amount than asked (money aid)")


class CaseResubmit(BaseModel):
    amount_yuan: Amount | None = None
    description: Comment | None = None
    comment: Comment | None = None


class CaseCancel(BaseModel):
    reason: Reason


class CaseworkerAssign(BaseModel):
    caseworker: ShortText = Field(min_length=1, description="Account id of the caseworker")


class ServiceComplete(BaseModel):
    outcome: ServiceOutcome
    comment: Comment | None = None


class FlagResolve(BaseModel):
    action: Literal["continue", "cancel"]
    comment: Reason


class FundAllocate(BaseModel):
    district: DistrictCode
    year: int = Field(ge=2000, le=2100)
    aid_type: AidType
    amount_yuan: Amount


class StepPublic(Public):
    level: ApprovalLevel | None
    decision: Decision
    actor: str
    actor_role: str
    at: datetime
    comment: str | None
    amount_yuan: Decimal | None


class FundCheck(Public):
    """What the approver sees before deciding: the fund against what the case needs."""

    fund: str
    allocated_yuan: Decimal
    reserved_yuan: Decimal
    spent_yuan: Decimal
    available_yuan: Decimal
    required_yuan: Decimal
    shortage_yuan: Decimal


class CasePublic(Public):
    case_id: UUID
    member_id: UUID
    district: str
    branch_id: str
    aid_type: AidType
    origin: str
    status: str
    description: str | None
    requested_yuan: Decimal | None
    approved_yuan: Decimal | None
    reserved_yuan: Decimal
    budget_year: int
    levels: list[ApprovalLevel]
    current_level: ApprovalLevel | None
    waiting_since: datetime | None
    escalated_at: datetime | None
    requested_on: date
    caseworker: str | None
    outcome: ServiceOutcome | None
    flag: str | None
    version: int


class CaseDetail(CasePublic):
    trail: list[StepPublic]
    fund_check: FundCheck | None = Field(description="Money aid waiting for a decision: the fund's balance")


class FundPublic(Public):
    district: str
    year: int
    aid_type: AidType
    allocated_yuan: Decimal
    reserved_yuan: Decimal
    spent_yuan: Decimal
    available_yuan: Decimal


class FundEntryPublic(Public):
    entry_id: int
    kind: str
    amount_yuan: Decimal
    case_id: UUID | None
    allocated_after_yuan: Decimal
    reserved_after_yuan: Decimal
    spent_after_yuan: Decimal
    available_after_yuan: Decimal
    actor: str
    actor_role: str
    at: datetime


class MemberPublic(Public):
    member_id: UUID
    card_number: str | None
    name: str | None
    branch_id: str
    district: str
    industry: str | None
    employment_type: str | None
    status: str
    joined_on: date | None
    left_on: date | None


class MemberCount(Public):
    district: str
    status: str
    members: int


class HardshipCreate(BaseModel):
    member_id: UUID
    category: HardshipCategory
    causes: list[HardshipCause] = Field(
        min_length=1, max_length=len(HardshipCause), description="Each cause once"
    )
    household_size: int = Field(ge=1, le=100)
    members_affected: int = Field(ge=1, le=100, description="At most the household size")
    per_capita_income_yuan: Amount = Field(
        description="Per-capita income of the household; personal: never in events or logs"
    )
    registered_on: date | None = Field(
        None, ge=date(2000, 1, 1), description="Default today; a past day when a paper record is entered"
    )


class HardshipReview(BaseModel):
    category: HardshipCategory
    per_capita_income_yuan: Amount
    causes: list[HardshipCause] | None = Field(None, min_length=1, max_length=len(HardshipCause))
    household_size: int | None = Field(None, ge=1, le=100)
    members_affected: int | None = Field(None, ge=1, le=100)


class HardshipExit(BaseModel):
    reason: HardshipExitReason


class HardshipPublic(Public):
    record_id: UUID
    member_id: UUID
    district: str
    branch_id: str
    category: HardshipCategory
    causes: list[HardshipCause]
    household_size: int
    members_affected: int
    per_capita_income_yuan: Decimal
    status: str
    registered_on: date
    review_due_on: date
    last_reviewed_on: date | None
    exited_on: date | None
    exit_reason: HardshipExitReason | None
    version: int


class LevelDecisionTimes(Public):
    level: ApprovalLevel
    decisions: int = Field(description="Decisions taken at this level (approve, reject, return)")
    mean_hours: float | None
    median_hours: float | None
    p90_hours: float | None


class DecisionTimes(Public):
    district: str | None = Field(description="null: every district (federation)")
    year: int
    levels: list[LevelDecisionTimes]


class PaymentBatchCreate(BaseModel):
    district: DistrictCode


class PaymentConfirmationIn(BaseModel):
    case_id: UUID
    outcome: Literal["paid", "failed"]
    reference: ShortText | None = Field(None, description="The bank's reference of the transfer")
    reason: Reason | None = Field(None, description="Why the payment failed (required for failed)")
    paid_on: date | None = Field(None, description="The bank's payment date (paid); default today")


class PaymentBatchPublic(Public):
    batch_id: UUID
    district: str
    status: str = Field(description="open, or settled once every payment is confirmed")
    item_count: int
    total_yuan: Decimal
    created_by: str
    created_at: datetime
    updated_at: datetime


class PaymentPublic(Public):
    case_id: UUID
    member_id: UUID
    branch_id: str
    amount_yuan: Decimal
    status: str = Field(description="pending, paid or failed")
    reference: str | None
    failure_reason: str | None
    paid_on: date | None
    settled_at: datetime | None


class PaymentBatchDetail(PaymentBatchPublic):
    payments: list[PaymentPublic]


class MutualAidPlanPut(BaseModel):
    share_percent: int = Field(ge=1, le=100, description="Share of medical costs reimbursed, in percent")
    cap_yuan: Amount = Field(description="Most a member is reimbursed in the year")


class MutualAidPlanPublic(Public):
    year: int
    share_percent: int
    cap_yuan: Decimal


class MutualAidEnrol(BaseModel):
    member_id: UUID
    year: int = Field(ge=2000, le=2100)


class MutualAidEnrolmentPublic(Public):
    year: int
    member_id: UUID
    district: str
    enrolled_on: date


class MutualAidClaimCreate(BaseModel):
    member_id: UUID
    medical_costs_yuan: Amount
    description: Comment | None = Field(None, description="The treatment, in the caseworker's words")


class MutualAidClaimPublic(Public):
    medical_costs_yuan: Decimal
    share_percent: int
    cap_yuan: Decimal
    committed_before_yuan: Decimal = Field(description="Taken of this year's cap before this claim")
    reimbursement_yuan: Decimal = Field(description="min(costs x share, cap left), rounded down to the cent")
    case: CaseDetail
