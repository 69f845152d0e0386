"""The hardship record's rules, without a database."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from assistance.domain.errors import DomainError
from assistance.domain.hardship import HardshipRecord, HardshipStatus, Household, RecordClosed, one_year_after
from unionfed_events.assistance import HardshipCategory, HardshipCause, HardshipExitReason


def household(**kw: object) -> Household:
    values: dict[str, object] = {
        "category": HardshipCategory.DEEP,
        "causes": [HardshipCause.ILLNESS],
        "household_size": 3,
        "members_affected": 2,
        "per_capita_income_cents": 80000,
    }
    values.update(kw)
    return Household(**values)  # type: ignore[arg-type]


def record(on: date = date(2025, 3, 1)) -> HardshipRecord:
    return HardshipRecord.register(uuid.uuid4(), uuid.uuid4(), "d1", "d1-b1", household(), on)


def test_review_is_due_a_year_after_registration() -> None:
    r = record(date(2025, 3, 1))
    assert r.status is HardshipStatus.ACTIVE and r.review_due_on == date(2026, 3, 1)


def test_a_year_after_29_february_is_28_february() -> None:
    assert one_year_after(date(2024, 2, 29)) == date(2025, 2, 28)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"causes": []}, "causes"),
        ({"causes": [HardshipCause.ILLNESS, HardshipCause.ILLNESS]}, "causes"),
        ({"household_size": 0}, "household_size"),
        ({"members_affected": 0}, "members_affected"),
        ({"members_affected": 4}, "members_affected"),
        ({"per_capita_income_cents": -1}, "per_capita_income_yuan"),
    ],
)
def test_a_household_that_does_not_add_up_is_refused_naming_the_field(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(DomainError) as refused:
        household(**changes)
    assert refused.value.field == field


def test_review_keeps_the_record_and_moves_the_next_review_a_year_on() -> None:
    r = record(date(2025, 3, 1))
    r.review(household(category=HardshipCategory.RELATIVE, per_capita_income_cents=120000), date(2026, 2, 20))
    assert r.is_active and r.household.category is HardshipCategory.RELATIVE
    assert r.last_reviewed_on == date(2026, 2, 20) and r.review_due_on == date(2027, 2, 20)
    assert r.version == 2


def test_an_exited_record_is_neither_reviewed_nor_exited_again() -> None:
    r = record()
    r.exit(HardshipExitReason.CIRCUMSTANCES_IMPROVED, date(2025, 6, 1))
    assert r.status is HardshipStatus.EXITED and r.exit_reason is HardshipExitReason.CIRCUMSTANCES_IMPROVED
    with pytest.raises(RecordClosed):
        r.review(household(), date(2025, 7, 1))
    with pytest.raises(RecordClosed):
        r.exit(HardshipExitReason.MEMBER_LEFT, date(2025, 7, 1))
    assert r.exited_on == date(2025, 6, 1)
