"""Assistance domain events: hardship-worker registry, aid cases from request to disbursement, budgets."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from .base import Event
from .fields import BranchId, DistrictCode, Yuan

DOMAIN = "assistance"


class AidType(StrEnum):
    """Kind of assistance: relief in money, or a service (legal aid, training, job referral)."""

    LIVING = "living"
    EDUCATION = "education"
    MEDICAL = "medical"
    LEGAL = "legal"
    CONSULTATION = "consultation"
    JOB_TRAINING = "job_training"
    JOB_REFERRAL = "job_referral"


class ApprovalLevel(StrEnum):
    """Level of the union organisation that decides on an aid case."""

    BRANCH = "branch"
    DISTRICT = "district"
    FEDERATION = "federation"


class HardshipCause(StrEnum):
    """Main cause of a worker's hardship, as recorded in the hardship-worker registry."""

    ILLNESS = "illness"
    DISABILITY = "disability"
    UNEMPLOYMENT = "unemployment"
    EDUCATION_COSTS = "education_costs"
    DISASTER = "disaster"
    LOW_INCOME = "low_income"
    OTHER = "other"


class DisbursementChannel(StrEnum):
    """How granted aid reached the member."""

    BANK_TRANSFER = "bank_transfer"
    CASH = "cash"
    IN_KIND = "in_kind"
    SERVICE = "service"


class HardshipWorkerRegistered(Event):
    """A member was entered in the hardship-worker registry (困难职工档案)."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "HardshipWorkerRegistered"

    member_id: UUID = Field(description="Id of the member registered as a hardship worker.")
    branch_id: BranchId = Field(description="The member's branch.")
    district: DistrictCode = Field(description="Code of the member's district union.")
    cause: HardshipCause = Field(description="Main cause of the hardship.")
    household_size: int = Field(ge=1, description="Number of people in the member's household.")
    registered_on: date = Field(description="Date the member was entered in the registry.")

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

    def subject(self) -> str:
        return str(self.case_id)


class AidApproved(Event):
    """One approval level approved an aid case (it may still need a higher level)."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidApproved"

    case_id: UUID = Field(description="Id of the aid case.")
    district: DistrictCode = Field(description="Code of the case's district union.")
    level: ApprovalLevel = Field(description="Level that approved.")
    approver_role: str = Field(description="Role of the approving officer (never a person's name).")
    approved_amount_yuan: Yuan | None = Field(description="Amount approved in yuan; null for services.")

    def subject(self) -> str:
        return str(self.case_id)


class AidRejected(Event):
    """An approval level rejected an aid case; the case is closed."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidRejected"

    case_id: UUID = Field(description="Id of the aid case.")
    district: DistrictCode = Field(description="Code of the case's district union.")
    reason: str = Field(description="Why the case was rejected, for the applicant.")
    level: ApprovalLevel = Field(description="Level that rejected.")

    def subject(self) -> str:
        return str(self.case_id)


class AidGranted(Event):
    """An aid case passed its final approval: the aid is granted and charged to a budget year."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidGranted"

    case_id: UUID = Field(description="Id of the aid case.")
    member_id: UUID = Field(description="Id of the member helped.")
    aid_type: AidType = Field(description="Kind of assistance granted.")
    amount_yuan: Yuan = Field(description="Amount granted in yuan (0 for services).")
    district: DistrictCode = Field(description="Code of the district union whose budget pays.")
    budget_year: int = Field(ge=2000, le=2100, description="Budget year the grant is charged to.")

    def subject(self) -> str:
        return str(self.case_id)


class AidDisbursed(Event):
    """Granted aid was paid out or delivered to the member."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidDisbursed"

    case_id: UUID = Field(description="Id of the aid case.")
    district: DistrictCode = Field(description="Code of the case's district union.")
    amount_yuan: Yuan = Field(description="Amount paid out in yuan (0 for services).")
    disbursed_on: date = Field(description="Date of payment or delivery.")
    channel: DisbursementChannel = Field(description="How the aid reached the member.")

    def subject(self) -> str:
        return str(self.case_id)


class AidCaseEscalated(Event):
    """An aid case waited too long at one approval level and moved up to the next."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AidCaseEscalated"

    case_id: UUID = Field(description="Id of the aid case.")
    district: DistrictCode = Field(description="Code of the case's district union.")
    from_level: ApprovalLevel = Field(description="Level the case was waiting at.")
    to_level: ApprovalLevel = Field(description="Level the case now waits at.")
    overdue_days: int = Field(ge=0, description="Days the case was overdue at `from_level`.")

    def subject(self) -> str:
        return str(self.case_id)


class DistrictBudgetAllocated(Event):
    """The federation allocated a district union's assistance budget for a year."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "DistrictBudgetAllocated"

    district: DistrictCode = Field(description="Code of the district union.")
    year: int = Field(ge=2000, le=2100, description="Budget year.")
    amount_yuan: Yuan = Field(description="Assistance budget for the year in yuan.")

    def subject(self) -> str:
        return f"{self.district}:{self.year}"


EVENTS: list[type[Event]] = [
    HardshipWorkerRegistered,
    AidRequested,
    AidApproved,
    AidRejected,
    AidGranted,
    AidDisbursed,
    AidCaseEscalated,
    DistrictBudgetAllocated,
]
