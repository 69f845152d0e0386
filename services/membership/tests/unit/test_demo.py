from collections import Counter
from datetime import date

from membership.demo import DEMO_AS_OF, demo_branches, demo_districts, demo_members
from membership.domain.model import INDUSTRIES, BranchKind, EmploymentType, validate_name
from membership.domain.national_id import age_on, birth_date, validate_national_id
from membership.domain.phone import validate_mobile

TODAY = date(2026, 6, 1)


def test_districts_and_branches_are_consistent() -> None:
    districts = {d.code for d in demo_districts()}
    assert districts == {"huangpu", "xuhui", "pudong", "minhang", "jiading", "songjiang"}
    branches = demo_branches()
    assert len(branches) >= 24
    assert len({b.branch_id for b in branches}) == len(branches)
    assert len({b.name for b in branches}) == len(branches)
    assert {b.district for b in branches} == districts
    assert {b.industry for b in branches} <= set(INDUSTRIES)
    assert {b.kind for b in branches} == set(BranchKind)
    assert all(b.name.endswith("工会") for b in branches)
    assert branches[0].to_branch().is_open


def test_members_are_valid_unique_and_plausible() -> None:
    branches = demo_branches()
    by_id = {b.branch_id: b for b in branches}
    members = list(demo_members(branches, 3000))
    assert len({m.national_id for m in members}) == 3000
    assert len({m.phone for m in members}) == 3000
    for m in members:
        assert validate_national_id(m.national_id, today=TODAY) == m.national_id
        assert validate_mobile(m.phone) == m.phone
        assert validate_name(m.name) == m.name
        assert 1965 <= birth_date(m.national_id).year <= 2004
        assert age_on(m.national_id, m.joined_on) >= 18
        assert by_id[m.branch_id].established_on <= m.joined_on <= DEMO_AS_OF
        assert (m.district, m.industry) == (by_id[m.branch_id].district, by_id[m.branch_id].industry)
    shares = Counter(m.employment_type for m in members)
    assert 0.20 < shares[EmploymentType.MIGRANT] / 3000 < 0.30
    assert 0.09 < shares[EmploymentType.FLEXIBLE] / 3000 < 0.15
    assert all(
        by_id[m.branch_id].kind is not BranchKind.ENTERPRISE
        for m in members
        if m.employment_type is EmploymentType.FLEXIBLE
    )


def test_generation_is_deterministic_per_seed() -> None:
    assert demo_branches(seed=7) == demo_branches(seed=7)
    assert demo_branches(seed=7) != demo_branches(seed=8)
    branches = demo_branches()
    assert list(demo_members(branches, 200, seed=3)) == list(demo_members(branches, 200, seed=3))
    assert list(demo_members(branches, 200, seed=3)) != list(demo_members(branches, 200, seed=4))
