"""Assistance domain events: hardship registry, aid cases from request to disbursement, funds,
rights appeals.

Every decision on an aid case carries the case's audit trail (`trail`): who decided (the
officer's account id, never a name), in which role, at which level, when, and the comment.
Money is `Yuan`: an exact decimal written as a JSON string, never a float.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from .base import Event
from .fields import BranchId, DistrictCode, Yuan

DOMAIN = "assistance"


class AidType(StrEnum):
    """Kind of assistance: relief in money, or a service (legal aid, mediation, training, referral)."""

    LIVING = "living"
    EDUCATION = "education"
    MEDICAL = "medical"
    MUTUAL_AID = "mutual_aid"
    LEGAL = "legal"
    MEDIATION = "mediation"
    CONSULTATION = "consultation"
    JOB_TRAINING = "job_training"
    JOB_REFERRAL = "job_referral"


MONETARY_AID = frozenset({AidType.LIVING, AidType.EDUCATION, AidType.MEDICAL, AidType.MUTUAL_AID})
"""Aid types paid in money from a fund; the others are services closed with an outcome."""


class ApprovalLevel(StrEnum):
    """Level of the union organisation that decides on an aid case, lowest first."""

    BRANCH = "branch"
    DISTRICT = "district"
    FEDERATION = "federation"


class Decision(StrEnum):
    """What one step of an aid case's audit trail did."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    ESCALATED = "escalated"
    ASSIGNED = "assigned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FLAGGED = "flagged"
    FLAG_RESOLVED = "flag_resolved"


class ApprovalStep(BaseModel):
    """One entry of an aid case's audit trail."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: ApprovalLevel | None = Field(description="Level the step happened at; null outside approval.")
    decision: Decision = Field(description="What the step did.")
    actor: str = Field(description="Account id of who acted (an officer's token subject, or a service).")
    actor_role: str = Field(description="Role the actor acted in.")
    at: datetime = Field(description="When the step happened (UTC).")
    comment: str | None = Field(default=None, description="The actor's comment or reason.")
    amount_yuan: Yuan | None = Field(default=None, description="Amount the step concerned, if any.")


class HardshipCategory(StrEnum):
    """Registry category of a hardship household."""

    DEEP = "deep"
    RELATIVE = "relative"
    ACCIDENT = "accident"


class HardshipCause(StrEnum):
    """A cause of a worker's hardship, as recorded in the hardship-worker registry."""

    ILLNESS = "illness"
    DISABILITY = "disability"
    UNEMPLOYMENT = "unemployment"
    EDUCATION_COSTS = "education_costs"
    DISASTER = "disaster"
    LOW_INCOME = "low_income"
    ACCIDENT = "accident"
    OTHER = "other"


class HardshipExitReason(StrEnum):
    """Why a household left the hardship registry."""

    CIRCUMSTANCES_IMPROVED = "circumstances_improved"
    MEMBER_LEFT = "member_left"
    REVIEW_LAPSED = "review_lapsed"
    OTHER = "other"


class DisbursementChannel(StrEnum):
    """How granted aid reached the member."""

    BANK_TRANSFER = "bank_transfer"
    CASH = "cash"
    IN_KIND = "in_kind"


class ServiceOutcome(StrEnum):
    """How a service case (legal aid, mediation, consultation, training, referral) ended."""

    RESOLVED = "resolved"
    PARTLY_RESOLVED = "partly_resolved"
    REFERRED = "referred"
    UNRESOLVED = "unresolved"


class RightsIssue(StrEnum):
    """What a rights appeal against an employer is about."""

    WAGE_ARREARS = "wage_arrears"
    SOCIAL_INSURANCE = "social_insurance"
    UNLAWFUL_DISMISSAL = "unlawful_dismissal"
    WORKPLACE_INJURY = "workplace_injury"
    LABOUR_CONTRACT = "labour_contract"
    WORKING_HOURS = "working_hours"
    OTHER = "other"


class HardshipWorkerRegistered(Event):
    """A member's household was entered in the hardship-worker registry (困难职工档案)."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "HardshipWorkerRegistered"

    record_id: UUID = Field(description="Id of the registry record.")
    member_id: UUID = Field(description="Id of the member registered as a hardship worker.")
    branch_id: BranchId = Field(description="The member's branch.")
    district: DistrictCode = Field(description="Code of the member's district union.")
    category: HardshipCategory = Field(description="Registry category.")
    causes: list[HardshipCause] = Field(min_length=1, description="Causes of the hardship.")
    household_size: int = Field(ge=1, description="Number of people in the member's household.")
    registered_on: date = Field(description="Date the household was entered in the registry.")
    review_due_on: date = Field(description="Date of the next yearly review.")

    def subject(self) -> str:
        return str(self.member_id)


class HardshipWorkerReviewed(Event):
    """The yearly review of a hardship household kept it in the registry (category may change)."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "HardshipWorkerReviewed"

    record_id: UUID = Field(description="Id of the registry record.")
    member_id: UUID = Field(description="Id of the member.")
    district: DistrictCode = Field(description="Code of the member's district union.")
    category: HardshipCategory = Field(description="Registry category after the review.")
    reviewed_on: date = Field(description="Date of the review.")
    review_due_on: date = Field(description="Date of the next yearly review.")

    def subject(self) -> str:
        return str(self.member_id)


class HardshipWorkerExited(Event):
    """A household left the hardship-worker registry."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "HardshipWorkerExited"

    record_id: UUID = Field(description="Id of the registry record.")
    member_id: UUID = Field(description="Id of the member.")
    district: DistrictCode = Field(description="Code of the member's district union.")
    reason: HardshipExitReason = Field(description="Why the household left the registry.")
    exited_on: date = Field(description="Date the household left the registry.")

    def subject(self) -> str:
        return str(self.member_id)


class AidRequested(Event):
    """An aid case was opened: a member (or an officer for them) asked for assistance."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidRequested"

    case_id: UUID = Field(description="Id of the aid case.")
    member_id: UUID = Field(description="Id of the member to be helped.")
    aid_type: AidType = Field(description="Kind of assistance asked for.")
    amount_yuan: Yuan | None = Field(description="Amount asked for in yuan; null for services.")
    district: DistrictCode = Field(description="Code of the member's district union.")
    branch_id: BranchId = Field(description="The member's branch.")
    requested_on: date = Field(description="Date of the request.")
    levels: list[ApprovalLevel] = Field(description="Levels that must approve, lowest first.")
    trail: list[ApprovalStep] = Field(description="The case's audit trail so far.")

    def subject(self) -> str:
        return str(self.case_id)


class AidApproved(Event):
    """One approval level approved an aid case; `next_level` says whether a higher one must too."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidApproved"

    case_id: UUID = Field(description="Id of the aid case.")
    member_id: UUID = Field(description="Id of the member to be helped.")
    district: DistrictCode = Field(description="Code of the case's district union.")
    branch_id: BranchId = Field(description="The member's branch.")
    level: ApprovalLevel = Field(description="Level that approved.")
    approved_amount_yuan: Yuan | None = Field(description="Amount approved in yuan; null for services.")
    next_level: ApprovalLevel | None = Field(description="Level that decides next; null when final.")
    trail: list[ApprovalStep] = Field(description="The case's audit trail, this approval last.")

    def subject(self) -> str:
        return str(self.case_id)


class AidReturned(Event):
    """An approver sent an aid case back for revision; resubmitted, it resumes at the same level."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidReturned"

    case_id: UUID = Field(description="Id of the aid case.")
    member_id: UUID = Field(description="Id of the member to be helped.")
    district: DistrictCode = Field(description="Code of the case's district union.")
    branch_id: BranchId = Field(description="The member's branch.")
    level: ApprovalLevel = Field(description="Level that sent it back.")
    comment: str = Field(min_length=1, description="What to revise.")
    trail: list[ApprovalStep] = Field(description="The case's audit trail, this step last.")

    def subject(self) -> str:
        return str(self.case_id)


class AidRejected(Event):
    """An approval level rejected an aid case; the case is closed and its reservation released."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidRejected"

    case_id: UUID = Field(description="Id of the aid case.")
    member_id: UUID = Field(description="Id of the member who asked.")
    district: DistrictCode = Field(description="Code of the case's district union.")
    branch_id: BranchId = Field(description="The member's branch.")
    level: ApprovalLevel = Field(description="Level that rejected.")
    reason: str = Field(min_length=1, description="Why the case was rejected, for the applicant.")
    trail: list[ApprovalStep] = Field(description="The case's audit trail, the rejection last.")

    def subject(self) -> str:
        return str(self.case_id)


class AidGranted(Event):
    """An aid case passed its final approval: money aid is reserved in its fund until paid;
    a service case goes to a caseworker."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidGranted"

    case_id: UUID = Field(description="Id of the aid case.")
    member_id: UUID = Field(description="Id of the member helped.")
    aid_type: AidType = Field(description="Kind of assistance granted.")
    amount_yuan: Yuan = Field(description="Amount granted in yuan (0 for services).")
    district: DistrictCode = Field(description="Code of the district union whose fund pays.")
    branch_id: BranchId = Field(description="The member's branch.")
    fund: str | None = Field(description="Fund charged, `district:year:aid_type`; null for services.")
    budget_year: int = Field(ge=2000, le=2100, description="Budget year the grant is charged to.")
    trail: list[ApprovalStep] = Field(description="The case's full audit trail.")

    def subject(self) -> str:
        return str(self.case_id)


class AidDisbursed(Event):
    """Finance confirmed that granted aid was paid: the reservation became spending."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidDisbursed"

    case_id: UUID = Field(description="Id of the aid case.")
    member_id: UUID = Field(description="Id of the member paid.")
    district: DistrictCode = Field(description="Code of the case's district union.")
    amount_yuan: Yuan = Field(description="Amount paid out in yuan.")
    disbursed_on: date = Field(description="Date of payment.")
    channel: DisbursementChannel = Field(description="How the aid reached the member.")
    batch_id: UUID | None = Field(description="Payment batch it was paid in.")

    def subject(self) -> str:
        return str(self.case_id)


class AidPaymentFailed(Event):
    """Finance reported a payment as failed; the amount stays reserved until retried or cancelled."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidPaymentFailed"

    case_id: UUID = Field(description="Id of the aid case.")
    member_id: UUID = Field(description="Id of the member.")
    district: DistrictCode = Field(description="Code of the case's district union.")
    batch_id: UUID = Field(description="Payment batch the payment failed in.")
    reason: str = Field(min_length=1, description="Finance's reason (e.g. account closed).")

    def subject(self) -> str:
        return str(self.case_id)


class AidCaseCancelled(Event):
    """An aid case was cancelled (by an officer, or expired); any reservation was released."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidCaseCancelled"

    case_id: UUID = Field(description="Id of the aid case.")
    member_id: UUID = Field(description="Id of the member.")
    district: DistrictCode = Field(description="Code of the case's district union.")
    reason: str = Field(min_length=1, description="Why it was cancelled (`expired` when it lapsed).")
    released_yuan: Yuan = Field(description="Amount given back to the fund.")
    trail: list[ApprovalStep] = Field(description="The case's audit trail, the cancellation last.")

    def subject(self) -> str:
        return str(self.case_id)


class AidCaseEscalated(Event):
    """An aid case waited too long at one approval level: the next level up now decides (at the
    top level, an alert to the federation's officers)."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidCaseEscalated"

    case_id: UUID = Field(description="Id of the aid case.")
    district: DistrictCode = Field(description="Code of the case's district union.")
    branch_id: BranchId = Field(description="The member's branch.")
    from_level: ApprovalLevel = Field(description="Level the case was waiting at.")
    to_level: ApprovalLevel = Field(description="Level the case now waits at.")
    waiting_since: datetime = Field(description="Since when the case waited at `from_level`.")

    def subject(self) -> str:
        return str(self.case_id)


class AidCaseFlagged(Event):
    """An open aid case needs an officer's attention (its member left the union)."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidCaseFlagged"

    case_id: UUID = Field(description="Id of the aid case.")
    member_id: UUID = Field(description="Id of the member.")
    district: DistrictCode = Field(description="Code of the case's district union.")
    branch_id: BranchId = Field(description="The member's branch.")
    reason: str = Field(description="Why it was flagged, e.g. `member_left`.")

    def subject(self) -> str:
        return str(self.case_id)


class AidServiceCompleted(Event):
    """A service case (legal aid, mediation, consultation, training, referral) was closed."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidServiceCompleted"

    case_id: UUID = Field(description="Id of the aid case.")
    member_id: UUID = Field(description="Id of the member helped.")
    district: DistrictCode = Field(description="Code of the case's district union.")
    aid_type: AidType = Field(description="Kind of service.")
    outcome: ServiceOutcome = Field(description="How it ended.")
    completed_on: date = Field(description="Date it was closed.")
    trail: list[ApprovalStep] = Field(description="The case's full audit trail.")

    def subject(self) -> str:
        return str(self.case_id)


class DistrictBudgetAllocated(Event):
    """The federation allocated (or topped up) a district's fund for one year and aid type."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "DistrictBudgetAllocated"

    district: DistrictCode = Field(description="Code of the district union.")
    year: int = Field(ge=2000, le=2100, description="Budget year.")
    aid_type: AidType = Field(description="Aid type the fund pays for.")
    amount_yuan: Yuan = Field(description="Amount allocated by this decision, in yuan.")
    allocated_total_yuan: Yuan = Field(description="The fund's allocation after it, in yuan.")

    def subject(self) -> str:
        return f"{self.district}:{self.year}:{self.aid_type.value}"


class RightsAppealFiled(Event):
    """A worker or a branch appealed against an employer; a legal-aid or mediation case follows."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "RightsAppealFiled"

    appeal_id: UUID = Field(description="Id of the appeal.")
    case_id: UUID = Field(description="Id of the legal-aid or mediation case it opened.")
    district: DistrictCode = Field(description="Code of the district union.")
    branch_id: BranchId = Field(description="Branch that filed it or the worker's branch.")
    member_id: UUID | None = Field(description="The worker, when a worker filed it.")
    issue: RightsIssue = Field(description="What the appeal is about.")
    employer: str = Field(min_length=1, description="Employer appealed against.")
    industry: str = Field(description="The employer's industry.")
    workers_affected: int = Field(ge=1, description="How many workers the appeal concerns.")
    filed_on: date = Field(description="Date of filing.")

    def subject(self) -> str:
        return str(self.case_id)


EVENTS: list[type[Event]] = [
    HardshipWorkerRegistered,
    HardshipWorkerReviewed,
    HardshipWorkerExited,
    AidRequested,
    AidApproved,
    AidReturned,
    AidRejected,
    AidGranted,
    AidDisbursed,
    AidPaymentFailed,
    AidCaseCancelled,
    AidCaseEscalated,
    AidCaseFlagged,
    AidServiceCompleted,
    DistrictBudgetAllocated,
    RightsAppealFiled,
]
