"""Commands: what a caller asks the assistance service to do (imperative names, plain data).
Amounts are exact `Decimal` yuan, as the API takes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from unionfed_events.assistance import (
    AidType,
    ApprovalLevel,
    HardshipCategory,
    HardshipCause,
    HardshipExitReason,
    RightsIssue,
    ServiceOutcome,
)

from assistance.domain.payments import Confirmation


@dataclass(frozen=True)
class ApplyForAid:
    member_id: UUID
    aid_type: AidType
    amount_yuan: Decimal | None
    description: str | None = None
    requested_on: date | None = None
    origin: str = "application"
    case_id: UUID | None = None


@dataclass(frozen=True)
class DecideOnCase:
    """approve / reject / return, at the level the caller decides for."""

    case_id: UUID
    level: ApprovalLevel
    decision: str  # approve | reject | return
    comment: str | None = None
    amount_yuan: Decimal | None = None


@dataclass(frozen=True)
class ResubmitCase:
    case_id: UUID
    amount_yuan: Decimal | None = None
    description: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class CancelCase:
    case_id: UUID
    reason: str


@dataclass(frozen=True)
class AssignCaseworker:
    case_id: UUID
    caseworker: str


@dataclass(frozen=True)
class CompleteService:
    case_id: UUID
    outcome: ServiceOutcome
    comment: str | None = None


@dataclass(frozen=True)
class ResolveFlag:
    case_id: UUID
    action: str  # continue | cancel
    comment: str


@dataclass(frozen=True)
class AllocateFund:
    district: str
    year: int
    aid_type: AidType
    amount_yuan: Decimal


@dataclass(frozen=True)
class RegisterHardship:
    """Enter a member's household in the hardship registry. The income is personal: it is
    stored, shown to officers in scope, and never put in an event or a log."""

    member_id: UUID
    category: HardshipCategory
    causes: list[HardshipCause]
    household_size: int
    members_affected: int
    per_capita_income_yuan: Decimal
    registered_on: date | None = None  # None: today; a past day when a paper record is entered


@dataclass(frozen=True)
class ReviewHardship:
    """The yearly review: the household as it is now (omitted fields stay as they were)."""

    record_id: UUID
    category: HardshipCategory
    per_capita_income_yuan: Decimal
    causes: list[HardshipCause] | None = None
    household_size: int | None = None
    members_affected: int | None = None


@dataclass(frozen=True)
class ExitHardship:
    record_id: UUID
    reason: HardshipExitReason


@dataclass(frozen=True)
class FileRightsAppeal:
    """A worker's (or, for a branch, its lead worker's) appeal against an employer; it opens a
    legal-aid or mediation case. `industry` None: the member's industry."""

    member_id: UUID
    filed_by: str  # member | branch
    issue: RightsIssue
    employer: str
    industry: str | None
    workers_affected: int
    description: str
    kind: AidType  # legal | mediation
    filed_on: date | None = None


@dataclass(frozen=True)
class CreatePaymentBatch:
    district: str


@dataclass(frozen=True)
class ConfirmPayments:
    batch_id: UUID
    confirmations: tuple[Confirmation, ...]


@dataclass(frozen=True)
class SetMutualAidPlan:
    year: int
    share_percent: int
    cap_yuan: Decimal


@dataclass(frozen=True)
class EnrolInMutualAid:
    member_id: UUID
    year: int


@dataclass(frozen=True)
class ClaimMutualAid:
    member_id: UUID
    medical_costs_yuan: Decimal
    description: str | None = None
