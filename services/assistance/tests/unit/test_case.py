"""The aid case's rules without a database: levels by amount, holds, revision, escalation."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from assistance.domain.case import Actor, AidCase, CaseStatus
from assistance.domain.errors import DomainError, InvalidTransition
from assistance.domain.money import format_yuan, to_cents, to_yuan
from assistance.domain.policy import ApprovalThresholds
from unionfed_events.assistance import AidType, ApprovalLevel, Decision

B, D, F = ApprovalLevel.BRANCH, ApprovalLevel.DISTRICT, ApprovalLevel.FEDERATION
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
OFFICER = Actor("officer-1", "branch_officer")
THRESHOLDS = ApprovalThresholds(Decimal("2000"), Decimal("10000"))


def new_case(amount: str | None = "5000.00", aid_type: AidType = AidType.MEDICAL) -> AidCase:
    cents = to_cents(Decimal(amount)) if amount else None
    case = AidCase(
        case_id=uuid.uuid4(),
        member_id=uuid.uuid4(),
        district="xuhui",
        branch_id="xuhui-b001",
        aid_type=aid_type,
        origin="application",
        status=CaseStatus.PENDING,
        requested_cents=cents,
        budget_year=2026,
        levels=THRESHOLDS.levels_for(aid_type, cents),
        requested_on=date(2026, 3, 1),
    )
    return AidCase.open(case, OFFICER, T0)


def approve(case: AidCase, level: ApprovalLevel, amount: int | None = None) -> int:
    held = amount if amount is not None else case.approved_cents or case.requested_cents
    return case.approve(
        level,
        OFFICER,
        T0,
        amount_cents=amount,
        comment=None,
        levels_for_amount=THRESHOLDS.levels_for(case.aid_type, held),
    )


@pytest.mark.parametrize(
    ("amount", "levels"),
    [("2000.00", [B]), ("2000.01", [B, D]), ("10000.00", [B, D]), ("10000.01", [B, D, F])],
)
def test_the_amount_decides_which_levels_approve(amount: str, levels: list[ApprovalLevel]) -> None:
    assert new_case(amount).levels == levels


def test_services_need_the_branch_only() -> None:
    assert new_case(None, AidType.LEGAL).levels == [B]


def test_the_first_approval_holds_the_amount_and_a_lower_one_gives_back_the_difference() -> None:
    case = new_case("5000.00")
    assert approve(case, B) == 500000
    case.reserved_cents = 500000
    assert approve(case, D, 300000) == -200000
    assert case.status is CaseStatus.GRANTED and case.approved_cents == 300000


def test_a_lower_amount_at_district_makes_the_federation_step_unnecessary() -> None:
    case = new_case("12000.00")
    approve(case, B)
    approve(case, D, 900000)
    assert case.status is CaseStatus.GRANTED and case.levels == [B, D]


def test_an_approval_cannot_raise_the_amount_nor_come_from_the_wrong_level() -> None:
    case = new_case("5000.00")
    with pytest.raises(InvalidTransition, match="branch level"):
        approve(case, D)
    with pytest.raises(DomainError) as raised:
        approve(case, B, 500001)
    assert raised.value.field == "amount_yuan"


def test_rejection_releases_everything_held() -> None:
    case = new_case("5000.00")
    approve(case, B)
    case.reserved_cents = 500000
    assert case.reject(D, OFFICER, T0, "duplicate") == -500000
    assert case.status is CaseStatus.REJECTED and case.trail[-1].decision is Decision.REJECTED


def test_a_returned_case_resumes_where_it_was_returned() -> None:
    case = new_case("12000.00")
    approve(case, B)
    case.reserved_cents = 1200000
    case.send_back(D, OFFICER, T0, "invoice missing")
    change = case.resubmit(
        OFFICER,
        T0 + timedelta(days=1),
        amount_cents=800000,
        description=None,
        comment=None,
        levels_for_amount=THRESHOLDS.levels_for(AidType.MEDICAL, 800000),
    )
    assert change == -400000
    assert (case.status, case.current_level, case.levels) == (CaseStatus.PENDING, D, [B, D])


def test_escalation_moves_up_once_per_level_and_alerts_once_at_the_top() -> None:
    case = new_case("1000.00")
    assert case.escalate(OFFICER, T0) == (B, D, T0)
    assert case.current_level is D and case.levels == [B, D]
    case.escalate(OFFICER, T0)
    source, target, _ = case.escalate(OFFICER, T0)
    assert (source, target, case.current_level) == (F, F, F)
    assert case.escalated_at == T0


def test_only_open_cases_are_flagged_and_only_once() -> None:
    case = new_case("1000.00")
    assert case.raise_flag(OFFICER, T0, "member_left")
    assert not case.raise_flag(OFFICER, T0, "member_left")
    case.clear_flag(OFFICER, T0, "checked")
    case.reject(B, OFFICER, T0, "no")
    assert not case.raise_flag(OFFICER, T0, "member_left")


def test_money_is_exact() -> None:
    assert to_cents(Decimal("12000.50")) == 1200050
    assert to_yuan(1200050) == Decimal("12000.50")
    assert format_yuan(5) == "0.05"
    with pytest.raises(ValueError):
        to_cents(Decimal("0.005"))
