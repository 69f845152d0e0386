"""Checks of an audience rule (plain Python): the age band is ordered, and a district union's
campaign targets members of its own district only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from unionfed_events.campaigns import AudienceRule

from campaigns.domain.errors import DomainError


def age_on(birth_year: int, on: date) -> int:
    """Age in whole years at `on`, from the birth year alone (membership publishes no birthday):
    the age the member reaches during that year."""
    return on.year - birth_year


def birth_years(rule: AudienceRule, on: date) -> tuple[int | None, int | None]:
    """The rule's age band at `on` as (earliest, latest) birth year, None where unbounded: the
    form an index on the birth year can use. Inverse of `age_on`."""
    earliest = on.year - rule.max_age if rule.max_age is not None else None
    latest = on.year - rule.min_age if rule.min_age is not None else None
    return earliest, latest


def check_rule(rule: AudienceRule) -> None:
    if rule.min_age is not None and rule.max_age is not None and rule.min_age > rule.max_age:
        raise DomainError(
            "the youngest age targeted is above the oldest", field="audience.max_age", rule="age_band_ordered"
        )


def within_district(rule: AudienceRule, district: str | None) -> AudienceRule:
    """The rule of a campaign owned by `district` (None: the federation, any district): an empty
    district list becomes that district; any other district is refused."""
    check_rule(rule)
    if district is None:
        return rule
    others = _positions(rule.districts, lambda d: d != district, "districts")
    if others:
        raise DomainError(
            f"a district's campaign targets its own members only: {others}",
            field="audience.districts",
            rule="audience_in_owner_district",
        )
    return rule.model_copy(update={"districts": [district]})


def check_districts(rule: AudienceRule, known: set[str]) -> None:
    """Every district the rule names is one the member view knows (a typo would match nobody)."""
    unknown = _positions(rule.districts, lambda d: d not in known, "districts")
    if unknown:
        raise DomainError(
            f"not known districts: {unknown}",
            field="audience.districts",
            rule="district_known",
        )


def check_branches(rule: AudienceRule, district_of_branch: dict[str, str], owner: str | None) -> None:
    """Every branch the rule names is known, and in the owner's district (if a district owns it).
    Refusals name positions, not values: a mistyped id may be a phone or ID number."""
    unknown = _positions(rule.branch_ids, lambda b: b not in district_of_branch)
    if unknown:
        raise DomainError(f"not known branches: {unknown}", field="audience.branch_ids", rule="branch_known")
    if owner is not None:
        outside = _positions(rule.branch_ids, lambda b: district_of_branch[b] != owner)
        if outside:
            raise DomainError(
                f"branches outside {owner}: {outside}",
                field="audience.branch_ids",
                rule="audience_in_owner_district",
            )
    if rule.districts:
        elsewhere = _positions(rule.branch_ids, lambda b: district_of_branch[b] not in rule.districts)
        if elsewhere:
            raise DomainError(
                f"branches outside the rule's districts (they would match nobody): {elsewhere}",
                field="audience.branch_ids",
                rule="branches_in_districts",
            )


def _positions(values: list[str], wrong: Callable[[str], bool], name: str = "branch_ids") -> str:
    """`branch_ids[0], branch_ids[3]`: where the wrong values are in the request (not the values:
    a mistyped one may be personal data)."""
    return ", ".join(f"{name}[{i}]" for i, v in enumerate(values) if wrong(v))
