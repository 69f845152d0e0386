"""Request and response models of the HTTP API (`XCreate` in, `XPublic` out). Money is exact:
a decimal string with at most 2 decimals (`"1500.00"`), never a float."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field
from unionfed_chassis.inputs import Comment, DistrictCode, Name, Reason, ShortText
from unionfed_chassis.routes import Page, Public
from unionfed_events.assistance import (
    AidType,
    ApprovalLevel,
    Decision,
    HardshipCategory,
    HardshipCause,
    HardshipExitReason,
    RightsIssue,
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
    campaign_id: UUID | None = Field(
        description="The drive (campaign) whose aid window the case came through"
    )
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


def _single_spaced(value: str) -> str:
    # Reports group by employer and industry: "某某 公司 " and "某某 公司" are one employer.
    spaced = " ".join(value.split())
    if not spaced:
        raise ValueError("must not be blank")
    return spaced


EmployerName = Annotated[Name, AfterValidator(_single_spaced)]
IndustryName = Annotated[ShortText, AfterValidator(_single_spaced)]


class AppealCreate(BaseModel):
    member_id: UUID = Field(description="The worker; for a branch's appeal, its lead worker")
    filed_by: Literal["member", "branch"] = Field(
        description="Whose appeal it is: the worker's or the branch's"
    )
    issue: RightsIssue
    employer: EmployerName = Field(description="Employer appealed against")
    industry: IndustryName | None = Field(None, description="The employer's industry; default the member's")
    workers_affected: int = Field(1, ge=1, le=1_000_000, description="Workers the appeal concerns")
    description: Annotated[Comment, Field(min_length=1)] = Field(description="What happened")
    kind: Literal["legal", "mediation"] = Field(description="The case it opens: legal aid or mediation")


class AppealPublic(Public):
    appeal_id: UUID
    case_id: UUID
    kind: AidType = Field(description="legal or mediation: the aid type of its case")
    district: str
    branch_id: str
    member_id: UUID | None
    filed_by: str
    issue: RightsIssue
    employer: str
    industry: str
    workers_affected: int
    filed_on: date
    case_status: str
    case_current_level: ApprovalLevel | None
    case_outcome: ServiceOutcome | None
    created_at: datetime


class AidWindowPublic(Public):
    campaign_id: UUID
    aid_type: AidType
    title: str
    districts: list[str] = Field(description="Districts it covers; empty = every district")
    industries: list[str] = Field(description="Industries it covers; empty = every industry")
    opens_on: date
    closes_on: date


class AidReportRow(Public):
    district: str
    aid_type: AidType
    month: str = Field(description="YYYY-MM (UTC)")
    requested: int = Field(description="Cases requested in the month")
    granted: int = Field(description="Cases granted (final approval) in the month")
    rejected: int = Field(description="Cases rejected in the month")
    granted_yuan: Decimal = Field(description="Amount granted in the month (services: 0)")
    disbursed_yuan: Decimal = Field(description="Amount paid out in the month (the funds' spend entries)")


class AidReport(BaseModel):
    year: int
    district: str | None
    aid_type: AidType | None
    rows: list[AidReportRow]


class AppealReportRow(Public):
    industry: str
    employer: str
    month: str = Field(description="YYYY-MM of filing")
    appeals: int
    workers_affected: int


class AppealIndustryTotal(Public):
    industry: str
    appeals: int
    workers_affected: int
    employers: int = Field(description="Distinct employers appealed against")


class AppealReport(BaseModel):
    year: int
    district: str | None
    rows: list[AppealReportRow]
    industries: list[AppealIndustryTotal]


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
