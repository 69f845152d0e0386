"""An aid case from application to payment or closure: the rules of every step, no I/O.

A step that changes what the fund must hold returns the change (`hold_change_cents`: more to
reserve when positive, to release when negative); the handler moves the money and the case's
`reserved_cents` together in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from unionfed_events.assistance import MONETARY_AID, AidType, ApprovalLevel, Decision, ServiceOutcome

from assistance.domain.errors import DomainError, InvalidTransition
from assistance.domain.policy import level_above, rank


class CaseStatus(StrEnum):
    PENDING = "pending"  # waiting for the decision of `current_level`
    RETURNED = "returned"  # sent back for revision; resubmitted, it resumes at `current_level`
    GRANTED = "granted"  # money aid approved at every level, reserved, waiting for payment
    IN_SERVICE = "in_service"  # service aid approved, with (or waiting for) a caseworker
    DISBURSED = "disbursed"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset(
    {CaseStatus.PENDING, CaseStatus.RETURNED, CaseStatus.GRANTED, CaseStatus.IN_SERVICE}
)


@dataclass(frozen=True)
class Actor:
    subject: str
    role: str


@dataclass
class Step:
    level: ApprovalLevel | None
    decision: Decision
    actor: str
    actor_role: str
    at: datetime
    comment: str | None = None
    amount_cents: int | None = None
    waited_seconds: float | None = None


@dataclass
class AidCase:
    case_id: UUID
    member_id: UUID
    district: str
    branch_id: str
    aid_type: AidType
    origin: str
    status: CaseStatus
    requested_cents: int | None
    budget_year: int
    levels: list[ApprovalLevel]
    requested_on: date
    current_level: ApprovalLevel | None = None
    waiting_since: datetime | None = None
    approved_cents: int | None = None
    reserved_cents: int = 0
    escalated_at: datetime | None = None
    granted_at: datetime | None = None
    closed_at: datetime | None = None
    caseworker: str | None = None
    outcome: ServiceOutcome | None = None
    flag: str | None = None
    flagged_at: datetime | None = None
    campaign_id: UUID | None = None
    description: str | None = None
    version: int = 0
    trail: list[Step] = field(default_factory=list)  # every step so far, oldest first
    new_steps: list[Step] = field(default_factory=list)  # steps of this command, to be saved

    @property
    def is_monetary(self) -> bool:
        return self.aid_type in MONETARY_AID

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def fund_key(self) -> str | None:
        return f"{self.district}:{self.budget_year}:{self.aid_type.value}" if self.is_monetary else None

    def _record(self, step: Step) -> None:
        self.trail.append(step)
        self.new_steps.append(step)
        self.version += 1

    def _waited(self, now: datetime) -> float | None:
        return (now - self.waiting_since).total_seconds() if self.waiting_since else None

    def _expect(self, *statuses: CaseStatus) -> None:
        if self.status not in statuses:
            wanted = " or ".join(s.value for s in statuses)
            raise InvalidTransition(f"the case is {self.status.value}, not {wanted}")

    def _expect_decision_at(self, level: ApprovalLevel) -> None:
        self._expect(CaseStatus.PENDING)
        if self.current_level != level:
            assert self.current_level is not None
            raise InvalidTransition(
                f"the case waits for the {self.current_level.value} level, not the {level.value} level"
            )

    @classmethod
    def open(cls, case: AidCase, by: Actor, now: datetime) -> AidCase:
        """A new case waits for its lowest level."""
        case.status = CaseStatus.PENDING
        case.current_level = case.levels[0]
        case.waiting_since = now
        # The description (health, family circumstances) stays in this service: not in the trail,
        # which travels in the events.
        case._record(Step(None, Decision.REQUESTED, by.subject, by.role, now, None, case.requested_cents))
        return case

    def approve(
        self,
        level: ApprovalLevel,
        by: Actor,
        now: datetime,
        *,
        amount_cents: int | None,
        comment: str | None,
        levels_for_amount: list[ApprovalLevel],
    ) -> int:
        """Approve at `level`; the next required level decides next, or the case is granted.
        Money aid: the approved amount (at most what was asked, default the amount so far) is
        what the fund must hold from now on. `levels_for_amount`: levels the approved amount needs."""
        self._expect_decision_at(level)
        hold = self._approved_amount(amount_cents)
        waited = self._waited(now)
        self._record(Step(level, Decision.APPROVED, by.subject, by.role, now, comment, hold, waited))
        if hold is not None:
            self.approved_cents = hold
            self.levels = sorted(
                set(levels_for_amount) | {lv for lv in self.levels if rank(lv) <= rank(level)}, key=rank
            )
        following = [lv for lv in self.levels if rank(lv) > rank(level)]
        if following:
            self.current_level, self.waiting_since, self.escalated_at = following[0], now, None
        else:
            self._grant(now)
        return (hold or 0) - self.reserved_cents

    def _approved_amount(self, amount_cents: int | None) -> int | None:
        if not self.is_monetary:
            if amount_cents is not None:
                raise DomainError("service aid has no amount", field="amount_yuan")
            return None
        ceiling = self.approved_cents if self.approved_cents is not None else self.requested_cents
        assert ceiling is not None
        if amount_cents is None:
            return ceiling
        if amount_cents <= 0 or amount_cents > ceiling:
            raise DomainError(
                "the approved amount must be above 0 and at most the amount asked or approved so far",
                field="amount_yuan",
            )
        return amount_cents

    def _grant(self, now: datetime) -> None:
        self.status = CaseStatus.GRANTED if self.is_monetary else CaseStatus.IN_SERVICE
        self.current_level = None
        self.waiting_since = None
        self.granted_at = now

    @property
    def next_level(self) -> ApprovalLevel | None:
        return self.current_level if self.status is CaseStatus.PENDING else None

    def reject(self, level: ApprovalLevel, by: Actor, now: datetime, reason: str) -> int:
        """Close the case at `level`; everything it held goes back to the fund."""
        self._expect_decision_at(level)
        self._record(
            Step(level, Decision.REJECTED, by.subject, by.role, now, reason, None, self._waited(now))
        )
        return self._close(CaseStatus.REJECTED, now)

    def send_back(self, level: ApprovalLevel, by: Actor, now: datetime, comment: str) -> None:
        """Return the case for revision; it keeps its level and what it holds."""
        self._expect_decision_at(level)
        self._record(
            Step(level, Decision.RETURNED, by.subject, by.role, now, comment, None, self._waited(now))
        )
        self.status = CaseStatus.RETURNED
        self.waiting_since = None

    def resubmit(
        self,
        by: Actor,
        now: datetime,
        *,
        amount_cents: int | None,
        description: str | None,
        comment: str | None,
        levels_for_amount: list[ApprovalLevel],
    ) -> int:
        """Resume at the level that returned it. A new amount replaces the request; a case that
        already holds money holds the new amount instead (more may be refused by the fund)."""
        self._expect(CaseStatus.RETURNED)
        if amount_cents is not None:
            if not self.is_monetary:
                raise DomainError("service aid has no amount", field="amount_yuan")
            self.requested_cents = amount_cents
            self.approved_cents = None
            self.levels = sorted(
                set(levels_for_amount) | {lv for lv in self.levels if rank(lv) < rank(self._level())},
                key=rank,
            )
        if description is not None:
            self.description = description
        self._record(
            Step(self.current_level, Decision.RESUBMITTED, by.subject, by.role, now, comment, amount_cents)
        )
        self.status = CaseStatus.PENDING
        self.waiting_since = now
        self.escalated_at = None
        if self.reserved_cents and amount_cents is not None:
            return amount_cents - self.reserved_cents
        return 0

    def _level(self) -> ApprovalLevel:
        assert self.current_level is not None
        return self.current_level

    def cancel(self, by: Actor, now: datetime, reason: str) -> int:
        self._expect(CaseStatus.PENDING, CaseStatus.RETURNED, CaseStatus.GRANTED, CaseStatus.IN_SERVICE)
        self._record(
            Step(None, Decision.CANCELLED, by.subject, by.role, now, reason, self.reserved_cents or None)
        )
        return self._close(CaseStatus.CANCELLED, now)

    def _close(self, status: CaseStatus, now: datetime) -> int:
        released = self.reserved_cents
        self.status = status
        self.current_level = None
        self.waiting_since = None
        self.closed_at = now
        return -released

    def escalate(self, by: Actor, now: datetime) -> tuple[ApprovalLevel, ApprovalLevel, datetime]:
        """The case waited too long: the level above decides now (its step covers the one
        skipped). At the top level the alert is raised once and the case stays."""
        self._expect(CaseStatus.PENDING)
        source, since = self._level(), self.waiting_since
        assert since is not None
        target = level_above(source) or source
        self._record(
            Step(source, Decision.ESCALATED, by.subject, by.role, now, f"waiting since {since.isoformat()}")
        )
        self.escalated_at = now
        if target is not source:
            self.current_level = target
            self.waiting_since = now
            self.levels = sorted(set(self.levels) | {target}, key=rank)
        return source, target, since

    def assign(self, by: Actor, now: datetime, caseworker: str) -> None:
        self._expect(CaseStatus.IN_SERVICE)
        self.caseworker = caseworker
        self._record(Step(None, Decision.ASSIGNED, by.subject, by.role, now, caseworker))

    def complete(self, by: Actor, now: datetime, outcome: ServiceOutcome, comment: str | None) -> None:
        self._expect(CaseStatus.IN_SERVICE)
        if self.caseworker is None:
            raise InvalidTransition("assign a caseworker before closing the case")
        self.outcome = outcome
        self._record(Step(None, Decision.COMPLETED, by.subject, by.role, now, comment or outcome.value))
        self.status = CaseStatus.COMPLETED
        self.closed_at = now

    def disburse(self, now: datetime) -> int:
        """Paid: what the case held becomes spending. Returns the amount spent."""
        self._expect(CaseStatus.GRANTED)
        spent, self.reserved_cents = self.reserved_cents, 0
        self.status = CaseStatus.DISBURSED
        self.closed_at = now
        self.version += 1
        return spent

    def payment_failed(self) -> None:
        """Finance could not pay: the case stays granted, holding its amount, for the next batch
        or a cancellation. A new version, so its event orders after the grant's."""
        self._expect(CaseStatus.GRANTED)
        self.version += 1

    def raise_flag(self, by: Actor, now: datetime, reason: str) -> bool:
        """Flag an open case for an officer; False when closed or already flagged."""
        if not self.is_open or self.flag is not None:
            return False
        self.flag, self.flagged_at = reason, now
        self._record(Step(None, Decision.FLAGGED, by.subject, by.role, now, reason))
        return True

    def clear_flag(self, by: Actor, now: datetime, comment: str) -> None:
        if self.flag is None:
            raise InvalidTransition("the case is not flagged")
        self.flag, self.flagged_at = None, None
        self._record(Step(None, Decision.FLAG_RESOLVED, by.subject, by.role, now, comment))
