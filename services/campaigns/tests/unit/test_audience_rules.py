"""Checks of audience rules, without a database."""

from __future__ import annotations

from datetime import date

import pytest
from campaigns.domain.audience import age_on, birth_years, check_branches, check_districts, within_district
from campaigns.domain.errors import DomainError
from unionfed_events.campaigns import AudienceRule


def test_the_age_band_is_ordered() -> None:
    with pytest.raises(DomainError) as refused:
        within_district(AudienceRule(min_age=40, max_age=30), None)
    assert (refused.value.field, refused.value.rule) == ("audience.max_age", "age_band_ordered")
    within_district(AudienceRule(min_age=30, max_age=30), None)


def test_a_district_campaign_stays_in_its_district() -> None:
    assert within_district(AudienceRule(), "xuhui").districts == ["xuhui"]
    assert within_district(AudienceRule(districts=["xuhui"]), "xuhui").districts == ["xuhui"]
    with pytest.raises(DomainError) as refused:
        within_district(AudienceRule(districts=["xuhui", "pudong"]), "xuhui")
    assert refused.value.field == "audience.districts" and "districts[1]" in refused.value.reason
    assert within_district(AudienceRule(districts=["pudong"]), None).districts == ["pudong"]


def test_branches_must_be_known_and_inside_the_owner() -> None:
    where = {"xh-1": "xuhui", "pd-1": "pudong"}
    check_branches(AudienceRule(districts=["xuhui"], branch_ids=["xh-1"]), where, "xuhui")
    for branch, owner, rule in [
        ("nope", None, "branch_known"),
        ("pd-1", "xuhui", "audience_in_owner_district"),
    ]:
        with pytest.raises(DomainError) as refused:
            check_branches(AudienceRule(branch_ids=[branch]), where, owner)
        assert (refused.value.field, refused.value.rule) == ("audience.branch_ids", rule)
    with pytest.raises(DomainError) as refused:
        check_branches(AudienceRule(districts=["xuhui"], branch_ids=["pd-1"]), where, None)
    assert refused.value.rule == "branches_in_districts"


def test_ages_are_counted_from_the_birth_year() -> None:
    on = date(2026, 3, 1)
    assert age_on(1990, on) == 36
    assert birth_years(AudienceRule(min_age=18, max_age=35), on) == (1991, 2008)
    assert birth_years(AudienceRule(min_age=50), on) == (None, 1976)
    assert birth_years(AudienceRule(), on) == (None, None)
    earliest, latest = birth_years(AudienceRule(min_age=18, max_age=35), on)
    assert earliest is not None and latest is not None
    assert all(18 <= age_on(y, on) <= 35 for y in range(earliest, latest + 1))
    assert not 18 <= age_on(earliest - 1, on) <= 35 and not 18 <= age_on(latest + 1, on) <= 35


def test_districts_must_be_known() -> None:
    check_districts(AudienceRule(districts=["xuhui"]), {"xuhui", "pudong"})
    check_districts(AudienceRule(), set())
    with pytest.raises(DomainError) as refused:
        check_districts(AudienceRule(districts=["xuhui", "xuhiu"]), {"xuhui"})
    assert (refused.value.field, refused.value.rule) == ("audience.districts", "district_known")
    assert "districts[1]" in refused.value.reason and "xuhiu" not in refused.value.reason
