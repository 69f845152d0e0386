"""Finance's confirmations: only pending payments change, repeats change nothing, contradictions
and bad entries are refused naming the field (and the whole request with them)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from assistance.domain.errors import DomainError
from assistance.domain.payments import (
    Confirmation,
    PaymentOutcome,
    PaymentStatus,
    RecordedPayment,
    to_apply,
)

PAID, FAILED = PaymentOutcome.PAID, PaymentOutcome.FAILED
A, B, C = sorted(uuid.uuid4() for _ in range(3))
DAYS = {"earliest": date(2026, 3, 1), "latest": date(2026, 3, 10)}


def recorded(**statuses: PaymentStatus) -> dict[uuid.UUID, RecordedPayment]:
    ids = {"a": A, "b": B, "c": C}
    return {
        ids[k]: RecordedPayment(v, "REF-1" if v is PaymentStatus.PAID else None) for k, v in statuses.items()
    }


def test_pending_payments_change_in_case_order_and_repeats_do_not() -> None:
    confirmations = [
        Confirmation(C, FAILED, reason="账户已注销"),
        Confirmation(A, PAID, reference="R1", paid_on=date(2026, 3, 2)),
        Confirmation(B, PAID, reference="REF-1"),
    ]
    state = recorded(a=PaymentStatus.PENDING, b=PaymentStatus.PAID, c=PaymentStatus.PENDING)
    assert [c.case_id for c in to_apply(confirmations, state, **DAYS)] == [A, C]


@pytest.mark.parametrize(
    ("confirmation", "field"),
    [
        (Confirmation(A, FAILED), "reason"),
        (Confirmation(A, FAILED, reason="x", paid_on=date(2026, 3, 2)), "paid_on"),
        (Confirmation(A, PAID, reason="x"), "reason"),
        (Confirmation(A, PAID, paid_on=date(2026, 3, 11)), "paid_on"),
        (Confirmation(A, PAID, paid_on=date(2026, 2, 28)), "paid_on"),
        (Confirmation(uuid.uuid4(), PAID), "case_id"),
        (Confirmation(B, FAILED, reason="x"), "outcome"),
        (Confirmation(B, PAID, reference="OTHER"), "reference"),
    ],
)
def test_a_bad_confirmation_refuses_the_request_naming_the_field(
    confirmation: Confirmation, field: str
) -> None:
    good = Confirmation(C, PAID)
    state = recorded(a=PaymentStatus.PENDING, b=PaymentStatus.PAID, c=PaymentStatus.PENDING)
    with pytest.raises(DomainError) as refused:
        to_apply([good, confirmation], state, **DAYS)
    assert refused.value.field == field


def test_the_same_case_twice_in_one_request_is_refused() -> None:
    state = recorded(a=PaymentStatus.PENDING)
    with pytest.raises(DomainError) as refused:
        to_apply([Confirmation(A, PAID), Confirmation(A, FAILED, reason="x")], state, **DAYS)
    assert refused.value.field == "case_id"


def test_a_failed_payment_confirmed_failed_again_is_a_repeat() -> None:
    state = recorded(a=PaymentStatus.FAILED)
    assert to_apply([Confirmation(A, FAILED, reason="again")], state, **DAYS) == []
