"""Entities and value types of the membership domain. Enum values mirror the integration
contracts exactly; entity methods enforce the allowed transitions and bump `version`, which
events carry as `ce_sequence` (handlers lock the row with SELECT … FOR UPDATE, so versions of one
member never race)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from membership.domain.card import format_card_number, is_valid_card_number
from membership.domain.email import mask_email, validate_email
from membership.domain.enums import (
    EMPLOYMENT_TYPE_LABELS,
    ApplicationStatus,
    BranchKind,
    BranchStatus,
    EmploymentType,
    JoinChannel,
    LeaveReason,
    MemberStatus,
)
from membership.domain.errors import BranchClosedError, InvalidTransition
from membership.domain.names import validate_employer, validate_name
from membership.domain.phone import mask_phone, validate_mobile

# Re-exported so callers import the whole vocabulary from one module.
__all__ = [
    "EMPLOYMENT_TYPE_LABELS",
    "INDUSTRIES",
    "Application",
    "ApplicationStatus",
    "Branch",
    "BranchKind",
    "BranchStatus",
    "District",
    "EmploymentType",
    "JoinChannel",
    "LeaveReason",
    "Member",
    "MemberStatus",
    "format_card_number",
    "is_valid_card_number",
    "validate_name",
]

# What an erased member's name reads (the column is nulled; the domain keeps a readable stand-in).
ERASED_NAME = "(erased)"

INDUSTRIES: dict[str, str] = {
    "manufacturing": "制造业",
    "construction": "建筑业",
    "logistics": "交通运输物流",
    "catering": "住宿餐饮",
    "retail": "批发零售",
    "healthcare": "卫生",
    "education": "教育",
    "it": "信息技术",
    "finance": "金融",
    "platform": "平台经济/新就业形态",
    "sanitation": "环卫",
    "property": "物业服务",
}


@dataclass(frozen=True)
class District:
    code: str
    name: str


@dataclass
class Branch:
    branch_id: str  # a slug such as "xuhui-b012", as in the event contracts
    name: str
    kind: BranchKind
    industry: str
    district: str
    status: BranchStatus
    auto_approve: bool
    established_on: date

    @property
    def is_open(self) -> bool:
        return self.status is BranchStatus.ACTIVE

    def close(self) -> None:
        if not self.is_open:
            raise InvalidTransition(f"branch {self.name} is already closed")
        self.status = BranchStatus.CLOSED


@dataclass
class Member:
    member_id: UUID
    card_number: str
    name: str
    national_id_masked: str | None  # None once erased
    branch_id: str
    district: str
    industry: str
    employer: str | None  # none for some flexible workers
    employment_type: EmploymentType
    phone_masked: str | None
    status: MemberStatus
    joined_on: date
    version: int = 1
    left_on: date | None = None
    leave_reason: LeaveReason | None = None
    birth_year: int | None = None  # from the ID number; for age bands elsewhere (none for old rows)
    email_masked: str | None = None
    erased_on: date | None = None  # personal data destroyed on request (PIPL); see `erase`

    def transfer_to(self, branch: Branch, on: date) -> None:
        # The member stays ACTIVE: TRANSFERRED is reserved for moving out of this federation.
        self._require_active("transfer")
        if not branch.is_open:
            raise BranchClosedError(branch.name)
        if branch.branch_id == self.branch_id:
            raise InvalidTransition("the member already belongs to this branch")
        self._require_not_before_joining(on, "transfer")
        self._bump(branch_id=branch.branch_id, district=branch.district, industry=branch.industry)

    def leave(self, reason: LeaveReason, on: date) -> None:
        if self.status is MemberStatus.LEFT:
            raise InvalidTransition(f"the member already left on {self.left_on}")
        self._require_active("leave")
        self._require_not_before_joining(on, "leave")
        self._bump(status=MemberStatus.LEFT, left_on=on, leave_reason=reason)

    def reinstate(self, branch: Branch, on: date) -> None:
        if self.erased_on is not None:
            raise InvalidTransition(
                "an erased member cannot be reinstated: they may join again as someone new"
            )
        if self.status is not MemberStatus.LEFT:
            raise InvalidTransition(f"only a former member can be reinstated; this one is {self.status}")
        if self.leave_reason is LeaveReason.DECEASED:
            raise InvalidTransition("a deceased member cannot be reinstated")
        if not branch.is_open:
            raise BranchClosedError(branch.name)
        if self.left_on is not None and on < self.left_on:
            raise InvalidTransition(f"cannot reinstate on {on}, before leaving on {self.left_on}")
        self._bump(
            status=MemberStatus.ACTIVE,
            branch_id=branch.branch_id,
            district=branch.district,
            industry=branch.industry,
            left_on=None,
            leave_reason=None,
        )

    def erase(self, on: date) -> None:
        """Destroy what identifies the person; the member stays counted (branch, district, status,
        dates). A member still active must leave first (the handler does, reason `erased`)."""
        if self.erased_on is not None:
            raise InvalidTransition(f"the member's personal data was already erased on {self.erased_on}")
        if self.status is MemberStatus.ACTIVE:
            raise InvalidTransition("an active member must leave before being erased")
        self._bump(
            name=ERASED_NAME,
            national_id_masked=None,
            phone_masked=None,
            email_masked=None,
            employer=None,
            birth_year=None,
            erased_on=on,
        )

    def update_contact(
        self,
        *,
        phone: str | None = None,
        employer: str | None = None,
        employment_type: EmploymentType | None = None,
        email: str | None = None,
    ) -> None:
        """Validate and apply the given fields; a call that changes nothing keeps the version."""
        if self.status is MemberStatus.LEFT:
            raise InvalidTransition("contact details of a former member are frozen")
        changes: dict[str, object] = {}
        if phone is not None:
            changes["phone_masked"] = mask_phone(validate_mobile(phone))
        if email is not None:
            changes["email_masked"] = mask_email(validate_email(email))
        if employer is not None:
            changes["employer"] = validate_employer(employer)
        if employment_type is not None:
            changes["employment_type"] = EmploymentType(employment_type)
        changes = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if changes:
            self._bump(**changes)

    def _require_active(self, action: str) -> None:
        if self.status is not MemberStatus.ACTIVE:
            raise InvalidTransition(f"only an active member can {action}; this one is {self.status}")

    def _require_not_before_joining(self, on: date, action: str) -> None:
        if on < self.joined_on:
            raise InvalidTransition(f"cannot {action} on {on}, before joining on {self.joined_on}")

    def _bump(self, **changes: object) -> None:
        for name, value in changes.items():
            setattr(self, name, value)
        self.version += 1


@dataclass
class Application:
    """A self-service request to join: waits for the phone's code (auto-approving branches),
    then for an officer unless the branch approves on its own."""

    application_id: UUID
    branch_id: str
    name: str
    national_id_masked: str
    phone_masked: str
    employer: str
    employment_type: EmploymentType
    submitted_on: date
    status: ApplicationStatus = ApplicationStatus.PENDING
    email_masked: str | None = None
    decided_on: date | None = None
    reject_reason: str | None = None
    duplicate_of: UUID | None = None  # the member or application this one repeats (officers only)
    duplicate_reason: str | None = None

    def mark_duplicate(self, of: UUID, reason: str) -> None:
        self.duplicate_of, self.duplicate_reason = of, reason

    def phone_verified(self, on: date, *, approve: bool) -> None:
        """The applicant proved the phone: approved at once, or left to an officer."""
        if self.status is not ApplicationStatus.AWAITING_VERIFICATION:
            raise InvalidTransition(f"the application is {self.status}, not waiting for a code")
        self.status = ApplicationStatus.PENDING
        if approve:
            self.approve(on)

    def approve(self, on: date) -> None:
        self._decide(ApplicationStatus.APPROVED, on)

    def reject(self, reason: str, on: date) -> None:
        if not reason.strip():
            raise InvalidTransition("a rejection needs a reason the applicant can read")
        self._decide(ApplicationStatus.REJECTED, on)
        self.reject_reason = reason.strip()

    def _decide(self, outcome: ApplicationStatus, on: date) -> None:
        if self.status is not ApplicationStatus.PENDING:
            raise InvalidTransition(f"the application was already {self.status}")
        self.status, self.decided_on = outcome, on
