"""E-mail checks (never quoting the address) and the erasure rules of a member."""

from datetime import date
from uuid import uuid4

import pytest
from membership.domain.email import InvalidEmail, mask_email, validate_email
from membership.domain.errors import InvalidTransition
from membership.domain.model import (
    ERASED_NAME,
    Branch,
    BranchKind,
    BranchStatus,
    EmploymentType,
    LeaveReason,
    Member,
    MemberStatus,
)


def test_an_address_is_trimmed_and_its_domain_lower_cased() -> None:
    assert validate_email("  Li.Na+union@Mail.Example.COM ") == "Li.Na+union@mail.example.com"
    assert mask_email("li.na@example.com") == "l***@example.com"


@pytest.mark.parametrize(
    "raw", ["", "secret", "secret@", "@secret.example", "se cret@x.example", "secret@x", "a@@secret.example"]
)
def test_a_bad_address_is_refused_without_being_quoted(raw: str) -> None:
    with pytest.raises(InvalidEmail) as refused:
        validate_email(raw)
    assert refused.value.field == "email"
    assert "secret" not in refused.value.reason


def test_a_too_long_address_is_refused() -> None:
    with pytest.raises(InvalidEmail, match="at most"):
        validate_email("a" * 250 + "@example.com")


def member(status: MemberStatus) -> Member:
    return Member(
        uuid4(),
        "GH2026000000011",
        "李娜",
        "3101**********1234",
        "xuhui-b001",
        "xuhui",
        "it",
        "某公司",
        EmploymentType.REGULAR,
        "139****0001",
        status,
        date(2020, 1, 1),
        birth_year=1990,
        email_masked="l***@example.com",
    )


def test_erasure_blanks_what_identifies_the_person_and_keeps_the_facts() -> None:
    m = member(MemberStatus.ACTIVE)
    m.leave(LeaveReason.ERASED, date(2026, 1, 2))
    m.erase(date(2026, 1, 2))
    assert (m.name, m.national_id_masked, m.phone_masked, m.email_masked) == (ERASED_NAME, None, None, None)
    assert (m.employer, m.birth_year, m.erased_on) == (None, None, date(2026, 1, 2))
    assert (m.branch_id, m.district, m.status, m.card_number) == (
        "xuhui-b001",
        "xuhui",
        MemberStatus.LEFT,
        "GH2026000000011",
    )
    assert m.version == 3


def test_an_active_member_must_leave_first_and_erasure_happens_once() -> None:
    with pytest.raises(InvalidTransition, match="leave"):
        member(MemberStatus.ACTIVE).erase(date(2026, 1, 2))
    m = member(MemberStatus.LEFT)
    m.erase(date(2026, 1, 2))
    with pytest.raises(InvalidTransition, match="already erased"):
        m.erase(date(2026, 1, 3))
    branch = Branch(
        "xuhui-b001", "b", BranchKind.ENTERPRISE, "it", "xuhui", BranchStatus.ACTIVE, False, date(2000, 1, 1)
    )
    with pytest.raises(InvalidTransition, match="erased member cannot be reinstated"):
        m.reinstate(branch, date(2026, 1, 4))
