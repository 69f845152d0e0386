"""Enumerations of the membership domain. Values mirror the integration contracts exactly,
so renaming a member here is a contract change."""

from __future__ import annotations

from enum import StrEnum


class BranchKind(StrEnum):
    ENTERPRISE = "enterprise"
    JOINT_REGIONAL = "joint_regional"
    JOINT_INDUSTRY = "joint_industry"


class BranchStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class EmploymentType(StrEnum):
    REGULAR = "regular"
    MIGRANT = "migrant"
    FLEXIBLE = "flexible"
    LAID_OFF = "laid_off"
    DISPATCHED = "dispatched"
    OTHER = "other"


EMPLOYMENT_TYPE_LABELS: dict[EmploymentType, str] = {
    EmploymentType.REGULAR: "正式职工",
    EmploymentType.MIGRANT: "农民工",
    EmploymentType.FLEXIBLE: "灵活就业",
    EmploymentType.LAID_OFF: "下岗职工",
    EmploymentType.DISPATCHED: "劳务派遣",
    EmploymentType.OTHER: "其他",
}


class MemberStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    TRANSFERRED = "transferred"
    LEFT = "left"


class LeaveReason(StrEnum):
    RESIGNED = "resigned"
    RETIRED = "retired"
    CHANGED_JOB = "changed_job"
    DECEASED = "deceased"
    EXPELLED = "expelled"
    OTHER = "other"
    ERASED = "erased"  # the membership ended because the person asked for their data to be erased


class JoinChannel(StrEnum):
    SELF_SERVICE = "self_service"
    BULK_IMPORT = "bulk_import"
    BRANCH_SYSTEM = "branch_system"
    OFFICER = "officer"
    SEED = "seed"


class ApplicationStatus(StrEnum):
    AWAITING_VERIFICATION = "awaiting_verification"  # auto-approval waits for the phone's code
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
