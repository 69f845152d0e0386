"""Finance's confirmations of a payment batch: which ones change something, and which are refused.

All confirmations of a request are checked before any is applied, so a bad one changes nothing.
A confirmation that repeats what is already recorded is accepted and changes nothing (finance may
upload the same bank report twice); one that contradicts it is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from assistance.domain.errors import DomainError


class PaymentStatus(StrEnum):
    PENDING = "pending"  # in a batch finance has, not confirmed yet
    PAID = "paid"
    FAILED = "failed"  # the case stays granted and holds its amount, for the next batch


class PaymentOutcome(StrEnum):
    PAID = "paid"
    FAILED = "failed"


@dataclass(frozen=True)
class Confirmation:
    """What finance reports for one payment of the batch."""

    case_id: UUID
    outcome: PaymentOutcome
    reference: str | None = None  # the bank's reference of the transfer
    reason: str | None = None  # why it failed; required for a failure
    paid_on: date | None = None  # the bank's date; default the day it is confirmed


@dataclass(frozen=True)
class RecordedPayment:
    status: PaymentStatus
    reference: str | None


def to_apply(
    confirmations: Sequence[Confirmation],
    recorded: Mapping[UUID, RecordedPayment],
    *,
    earliest: date,
    latest: date,
) -> list[Confirmation]:
    """The confirmations that settle a pending payment, in case order; DomainError naming the
    field for the first one that is refused. `earliest`..`latest`: the dates `paid_on` may take."""
    seen: set[UUID] = set()
    changes = []
    for number, confirmation in enumerate(confirmations, start=1):
        where = f"confirmation {number} (case {confirmation.case_id})"
        if confirmation.case_id in seen:
            raise DomainError(f"{where}: the case is confirmed twice in this request", field="case_id")
        seen.add(confirmation.case_id)
        payment = recorded.get(confirmation.case_id)
        if payment is None:
            raise DomainError(f"{where}: the case is not in this batch", field="case_id")
        _check_fields(where, confirmation, earliest, latest)
        if payment.status is PaymentStatus.PENDING:
            changes.append(confirmation)
        else:
            _check_repeat(where, confirmation, payment)
    return sorted(changes, key=lambda c: c.case_id)


def _check_fields(where: str, confirmation: Confirmation, earliest: date, latest: date) -> None:
    if confirmation.outcome is PaymentOutcome.FAILED:
        if not confirmation.reason:
            raise DomainError(f"{where}: a failed payment needs finance's reason", field="reason")
        if confirmation.paid_on is not None:
            raise DomainError(f"{where}: a failed payment has no payment date", field="paid_on")
    elif confirmation.reason is not None:
        raise DomainError(f"{where}: a reason is only for a failed payment", field="reason")
    paid_on = confirmation.paid_on
    if paid_on is not None and not earliest <= paid_on <= latest:
        raise DomainError(
            f"{where}: the payment date must be between {earliest.isoformat()} and {latest.isoformat()}",
            field="paid_on",
        )


def _check_repeat(where: str, confirmation: Confirmation, payment: RecordedPayment) -> None:
    if confirmation.outcome.value != payment.status.value:
        raise DomainError(
            f"{where}: the payment is already confirmed as {payment.status.value}", field="outcome"
        )
    if confirmation.reference is not None and confirmation.reference != payment.reference:
        raise DomainError(
            f"{where}: the payment is already confirmed with another reference", field="reference"
        )
