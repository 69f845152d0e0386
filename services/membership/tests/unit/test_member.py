from datetime import date
from uuid import uuid4

import pytest
from membership.domain.errors import (
    AlreadyMember,
    BranchClosedError,
    DomainError,
    InvalidPhone,
    InvalidTransition,
)
from membership.domain.model import (
    Application,
    ApplicationStatus,
    Branch,
    BranchKind,
    BranchStatus,
    EmploymentType,
    LeaveReason,
    Member,
    MemberStatus,
)


def make_branch(branch_id: str = "xuhui-b001", district: str = "xuhui", industry: str = "it") -> Branch:
    return Branch(
        branch_id,
        f"{branch_id}工会",
        BranchKind.ENTERPRISE,
        industry,
        district,
        BranchStatus.ACTIVE,
        False,
        date(2000, 1, 1),
    )


def make_member(status: MemberStatus = MemberStatus.ACTIVE) -> Member:
    return Member(
        uuid4(),
        "GH2026000123458",
        "张伟",
        "3101**********1234",
        "xuhui-b001",
        "xuhui",
        "it",
        "上海恒通软件有限公司",
        EmploymentType.REGULAR,
        "138****5678",
        status,
        date(2020, 5, 1),
    )


def test_transfer_moves_branch_district_and_industry() -> None:
    member = make_member()
    member.transfer_to(make_branch("pudong-b003", "pudong", "logistics"), date(2024, 3, 1))
    assert (member.branch_id, member.district, member.industry) == ("pudong-b003", "pudong", "logistics")
    assert member.status is MemberStatus.ACTIVE
    assert member.version == 2


def test_refuses_transfer_to_the_same_or_a_closed_branch() -> None:
    member = make_member()
    with pytest.raises(InvalidTransition, match="already belongs"):
        member.transfer_to(make_branch(), date(2024, 3, 1))
    closed = make_branch("pudong-b003", "pudong")
    closed.close()
    with pytest.raises(BranchClosedError) as exc:
        member.transfer_to(closed, date(2024, 3, 1))
    assert exc.value.field == "branch_id"
    assert member.version == 1


def test_refuses_transfer_of_a_former_member_or_before_joining() -> None:
    member = make_member()
    with pytest.raises(InvalidTransition, match="before joining"):
        member.transfer_to(make_branch("pudong-b003"), date(2019, 1, 1))
    member.leave(LeaveReason.RETIRED, date(2025, 1, 1))
    with pytest.raises(InvalidTransition, match="only an active member"):
        member.transfer_to(make_branch("pudong-b003"), date(2025, 2, 1))


def test_leave_records_reason_and_cannot_happen_twice() -> None:
    member = make_member()
    member.leave(LeaveReason.CHANGED_JOB, date(2025, 1, 1))
    assert (member.status, member.leave_reason, member.left_on) == (
        MemberStatus.LEFT,
        LeaveReason.CHANGED_JOB,
        date(2025, 1, 1),
    )
    with pytest.raises(InvalidTransition, match="already left on 2025-01-01"):
        member.leave(LeaveReason.OTHER, date(2025, 2, 1))
    assert member.version == 2


def test_pending_member_cannot_leave() -> None:
    member = make_member(MemberStatus.PENDING)
    with pytest.raises(InvalidTransition):
        member.leave(LeaveReason.OTHER, date(2025, 1, 1))


def test_reinstate_only_a_former_member_into_an_open_branch() -> None:
    member = make_member()
    with pytest.raises(InvalidTransition, match="only a former member"):
        member.reinstate(make_branch(), date(2025, 1, 1))
    member.leave(LeaveReason.RESIGNED, date(2025, 1, 1))
    closed = make_branch("jiading-b002", "jiading")
    closed.close()
    with pytest.raises(BranchClosedError):
        member.reinstate(closed, date(2025, 6, 1))
    with pytest.raises(InvalidTransition, match="before leaving"):
        member.reinstate(make_branch(), date(2024, 6, 1))
    member.reinstate(make_branch("jiading-b003", "jiading"), date(2025, 6, 1))
    assert (member.status, member.branch_id, member.left_on, member.leave_reason) == (
        MemberStatus.ACTIVE,
        "jiading-b003",
        None,
        None,
    )
    assert member.version == 3


def test_deceased_member_cannot_be_reinstated() -> None:
    member = make_member()
    member.leave(LeaveReason.DECEASED, date(2025, 1, 1))
    with pytest.raises(InvalidTransition, match="deceased"):
        member.reinstate(make_branch(), date(2025, 6, 1))


def test_update_contact_masks_the_phone_and_bumps_version_only_on_change() -> None:
    member = make_member()
    member.update_contact(phone="+86 139 0000 1111", employment_type=EmploymentType.DISPATCHED)
    assert member.phone_masked == "139****1111"
    assert member.employment_type is EmploymentType.DISPATCHED
    assert member.version == 2
    member.update_contact(phone="13900001111", employer="上海恒通软件有限公司")
    assert member.version == 2


def test_update_contact_validates_and_is_frozen_after_leaving() -> None:
    member = make_member()
    with pytest.raises(InvalidPhone):
        member.update_contact(phone="12345")
    with pytest.raises(DomainError) as exc:
        member.update_contact(employer="   ")
    assert exc.value.field == "employer"
    member.leave(LeaveReason.RETIRED, date(2025, 1, 1))
    with pytest.raises(InvalidTransition):
        member.update_contact(phone="13900001111")


def test_branch_closes_once() -> None:
    branch = make_branch()
    branch.close()
    assert branch.status is BranchStatus.CLOSED and not branch.is_open
    with pytest.raises(InvalidTransition):
        branch.close()


def test_application_is_decided_once_and_rejection_needs_a_reason() -> None:
    app = Application(
        uuid4(),
        "xuhui-b001",
        "李娜",
        "3101**********1234",
        "138****5678",
        "个体",
        EmploymentType.FLEXIBLE,
        date(2026, 1, 2),
    )
    with pytest.raises(InvalidTransition):
        app.reject("  ", date(2026, 1, 3))
    app.reject("not employed in this industry", date(2026, 1, 3))
    assert app.status is ApplicationStatus.REJECTED and app.decided_on == date(2026, 1, 3)
    with pytest.raises(InvalidTransition, match="already rejected"):
        app.approve(date(2026, 1, 4))


def test_already_member_shows_only_the_card_tail() -> None:
    err = AlreadyMember("GH2026000123458")
    assert err.field == "national_id"
    assert err.reason == "this person is already an active member (card ending 3458)"
