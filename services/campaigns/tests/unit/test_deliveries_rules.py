"""Which deliveries a campaign takes: launched, of a delivering kind, in its districts, at a
branch of the named district, dated between the start and today."""

from __future__ import annotations

from datetime import date

import pytest
from campaigns.domain.errors import DomainError
from campaigns.domain.participation import DELIVERY_KINDS, CampaignFacts, DeliverySite, check_delivery
from unionfed_events.campaigns import CampaignKind

TODAY = date(2026, 7, 20)
START = date(2026, 7, 1)


def _campaign(
    kind: str = "summer_cooling",
    status: str = "launched",
    owner: str | None = None,
    districts: tuple[str, ...] = (),
) -> CampaignFacts:
    return CampaignFacts(kind, status, owner, districts, START, None)


def _site(
    district: str = "pd", branch_district: str | None = None, on: date = TODAY, named: bool = False
) -> DeliverySite:
    return DeliverySite(district, branch_district, named, on, TODAY)


def _refusal(campaign: CampaignFacts, site: DeliverySite) -> tuple[str | None, str | None]:
    with pytest.raises(DomainError) as refused:
        check_delivery(campaign, site)
    return refused.value.field, refused.value.rule


def test_relief_cultural_and_safety_drives_take_deliveries_and_the_others_do_not() -> None:
    taking = {"winter_warmth", "summer_cooling", "golden_autumn", "cultural_delivery", "safety_training"}
    assert {str(k) for k in DELIVERY_KINDS} == taking
    for kind in CampaignKind:
        if kind in taking:
            check_delivery(_campaign(kind), _site())
        else:
            assert _refusal(_campaign(kind), _site()) == ("campaign_id", "takes_deliveries")


def test_only_a_launched_campaign_takes_deliveries() -> None:
    assert _refusal(_campaign(status="closed"), _site()) == ("campaign_id", "campaign_launched")


def test_a_district_campaign_takes_deliveries_in_its_own_district_only() -> None:
    check_delivery(_campaign(owner="pd"), _site("pd"))
    assert _refusal(_campaign(owner="pd"), _site("xh")) == ("district", "in_campaign_districts")


def test_a_federation_campaign_takes_deliveries_in_its_audience_districts_or_anywhere() -> None:
    check_delivery(_campaign(districts=("pd", "xh")), _site("xh"))
    check_delivery(_campaign(), _site("anywhere"))
    assert _refusal(_campaign(districts=("pd",)), _site("xh")) == ("district", "in_campaign_districts")


def test_a_named_branch_belongs_to_the_district() -> None:
    check_delivery(_campaign(), _site("pd", "pd", named=True))
    assert _refusal(_campaign(), _site("pd", "xh", named=True)) == ("branch_id", "branch_in_district")
    assert _refusal(_campaign(), _site("pd", None, named=True)) == ("branch_id", "branch_in_district")


@pytest.mark.parametrize("on", [date(2026, 6, 30), date(2026, 7, 21)])
def test_a_delivery_is_dated_between_the_start_and_today(on: date) -> None:
    assert _refusal(_campaign(), _site(on=on)) == ("delivered_on", "within_campaign_dates")
    check_delivery(_campaign(), _site(on=START))
