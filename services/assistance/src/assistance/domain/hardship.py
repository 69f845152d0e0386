"""A household in the hardship-worker registry (困难职工档案): registration, yearly review, exit.
Plain rules, no I/O. Per-capita income is integer cents and personal: it never leaves the
service in an event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from unionfed_events.assistance import HardshipCategory, HardshipCause, HardshipExitReason

from assistance.domain.errors import DomainError


class HardshipStatus(StrEnum):
    ACTIVE = "active"
    EXITED = "exited"


class RecordClosed(DomainError):
    """A step on a record that already left the registry."""

    field = "record_id"


def one_year_after(day: date) -> date:
    """The same day a year later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True)
class Household:
    """What the branch records about the household; checked as a whole (members affected
    against household size)."""

    category: HardshipCategory
    causes: list[HardshipCause]
    household_size: int
    members_affected: int
    per_capita_income_cents: int

    def __post_init__(self) -> None:
        if not self.causes:
            raise DomainError("name at least one cause", field="causes")
        if len(set(self.causes)) != len(self.causes):
            raise DomainError("each cause at most once", field="causes")
        if self.household_size < 1:
            raise DomainError("a household has at least 1 person", field="household_size")
        if not 1 <= self.members_affected <= self.household_size:
            raise DomainError(
                "members affected is at least 1 and at most the household size", field="members_affected"
            )
        if self.per_capita_income_cents < 0:
            raise DomainError("income is not negative", field="per_capita_income_yuan")


@dataclass
class HardshipRecord:
    record_id: UUID
    member_id: UUID
    district: str
    branch_id: str
    household: Household
    status: HardshipStatus
    registered_on: date
    review_due_on: date
    last_reviewed_on: date | None = None
    exited_on: date | None = None
    exit_reason: HardshipExitReason | None = None
    version: int = 0

    @classmethod
    def register(
        cls, record_id: UUID, member_id: UUID, district: str, branch_id: str, household: Household, on: date
    ) -> HardshipRecord:
        """A new active record; its first review is due a year on."""
        return cls(
            record_id=record_id,
            member_id=member_id,
            district=district,
            branch_id=branch_id,
            household=household,
            status=HardshipStatus.ACTIVE,
            registered_on=on,
            review_due_on=one_year_after(on),
            version=1,
        )

    @property
    def is_active(self) -> bool:
        return self.status is HardshipStatus.ACTIVE

    def _expect_active(self) -> None:
        if not self.is_active:
            raise RecordClosed(f"the record left the registry on {self.exited_on}")

    def review(self, household: Household, on: date) -> None:
        """The yearly review keeps the household in the registry, as it is now; the next
        review is due a year after this one."""
        self._expect_active()
        self.household = household
        self.last_reviewed_on = on
        self.review_due_on = one_year_after(on)
        self.version += 1

    def exit(self, reason: HardshipExitReason, on: date) -> None:
        self._expect_active()
        self.status = HardshipStatus.EXITED
        self.exit_reason = reason
        self.exited_on = on
        self.version += 1
