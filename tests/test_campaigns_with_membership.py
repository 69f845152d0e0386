"""Three real services over one broker: members join through membership's API, one is put on
the hardship registry through assistance's; campaigns scheduled for today through campaigns'
API launch by themselves, target exactly the members their rules match (campaigns' own views,
fed by membership's and assistance's events), a Golden-Autumn launch opens an education-aid
window in assistance, and closing publishes the results."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [
    str(ROOT / "services/membership/tests"),
    str(ROOT / "services/assistance/tests"),
    str(ROOT / "services/campaigns/tests"),
]

from assistance_testkit import Assistance, start_assistance  # noqa: E402
from campaigns_testkit import Campaigns, new_district, start_campaigns  # noqa: E402
from membership.domain.national_id import make_test_national_id  # noqa: E402
from membership_testkit import Service, phone, start_service  # noqa: E402
from unionfed_devstack.testing import wait_for  # noqa: E402
from unionfed_events import topics  # noqa: E402

HOUSEHOLD = {
    "category": "deep",
    "causes": ["illness", "unemployment"],
    "household_size": 4,
    "members_affected": 2,
    "per_capita_income_yuan": "612.35",
}


async def join(membership: Service, branch: str, n: int, employment_type: str, age: int, on: date) -> str:
    """A member joined through membership's API, `age` in whole years at `on` (ages count from
    the birth year, which membership reads from the national ID)."""
    person = {
        "name": "李娜王芳张伟刘洋陈静杨军"[2 * n - 2 : 2 * n],
        "national_id": make_test_national_id("110105", date(on.year - age, 3, 1), 500 + n),
        "phone": phone(7700 + n),
        "employer": "上海某建筑劳务有限公司",
        "employment_type": employment_type,
    }
    r = await membership.client.post(f"/branches/{branch}/members", json=person, headers=membership.admin)
    assert r.status_code == 201, r.text
    return str(r.json()["member_id"])


async def campaign(campaigns: Campaigns, officer: dict[str, str], **fields: Any) -> str:
    r = await campaigns.client.post("/campaigns", json=fields, headers=officer)
    assert r.status_code == 201, r.text
    return str(r.json()["campaign_id"])


async def audience_of(campaigns: Campaigns, campaign_id: str) -> dict[str, Any]:
    r = await campaigns.client.get(f"/campaigns/{campaign_id}/audience", headers=campaigns.admin)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def windows(assistance: Assistance) -> dict[str, dict[str, Any]]:
    r = await assistance.client.get("/aid-windows", headers=assistance.admin)
    assert r.status_code == 200, r.text
    return {w["campaign_id"]: w for w in r.json()["items"]}


async def test_scheduled_campaigns_launch_for_exactly_their_audience_and_reach_assistance(
    make_database, kafka_bootstrap: str, kafka_idempotence: bool
) -> None:  # type: ignore[no-untyped-def]
    district = new_district("e")
    # The service's calendar is UTC here, so "today" is the test's today at any hour.
    today = datetime.now(UTC).date()
    group = f"assistance-campaigns-{uuid.uuid4().hex[:8]}"
    broker = (make_database, kafka_bootstrap, kafka_idempotence)
    # Campaigns first: it creates its own, membership's and assistance's district topics, which
    # the others' pattern subscriptions then see from their start.
    async with (
        start_campaigns([district], *broker, timezone="UTC", schedule_check_seconds=0.5) as campaigns,
        start_assistance([district], *broker, campaigns_group=group) as assistance,
        start_service([district], *broker) as membership,
    ):
        site = await membership.create_branch(district, industry="construction")
        young_migrant = await join(membership, site, 1, "migrant", 25, today)
        hardship_migrant = await join(membership, site, 2, "migrant", 35, today)
        older_migrant = await join(membership, site, 3, "migrant", 36, today)
        too_young = await join(membership, site, 4, "migrant", 17, today)
        regular = await join(membership, site, 5, "regular", 25, today)
        leaving = await join(membership, site, 6, "migrant", 28, today)
        everyone = [young_migrant, hardship_migrant, older_migrant, too_young, regular, leaving]
        r = await membership.client.post(
            f"/members/{leaving}/leave", json={"reason": "resigned"}, headers=membership.admin
        )
        assert r.status_code == 200, r.text
        for member in everyone:
            await assistance.wait_member(uuid.UUID(member), "left" if member == leaving else "active")
            await campaigns.wait_member(uuid.UUID(member), "left" if member == leaving else "active")

        r = await assistance.client.post(
            "/hardship-records",
            json={"member_id": hardship_migrant, **HOUSEHOLD},
            headers=assistance.branch_officer(district, site),
        )
        assert r.status_code == 201, r.text
        officer = campaigns.district_officer(district)

        async def registered_seen() -> bool:
            preview = {"audience": {"districts": [district], "hardship": "registered"}}
            r = await campaigns.client.post("/campaigns/audience-preview", json=preview, headers=officer)
            return bool(r.json()["size"] == 1)

        await wait_for(registered_seen, timeout=30)

        dates = {"starts_on": str(today), "ends_on": str(today + timedelta(days=30))}
        golden = await campaign(
            campaigns,
            officer,
            kind="golden_autumn",
            title="金秋助学",
            owner_district=district,
            audience={"employment_types": ["migrant"], "min_age": 18, "max_age": 35},
            capacity=10,
            **dates,
        )
        winter = await campaign(
            campaigns,
            officer,
            kind="winter_warmth",
            title="冬送温暖",
            owner_district=district,
            audience={"hardship": "registered"},
            **dates,
        )
        expected = {golden: {young_migrant, hardship_migrant}, winter: {hardship_migrant}}
        for campaign_id, members in expected.items():
            shown = await audience_of(campaigns, campaign_id)
            assert shown == {
                "size": len(members),
                "by_district": [{"district": district, "size": len(members)}],
            }
            r = await campaigns.client.post(f"/campaigns/{campaign_id}/schedule", headers=officer)
            assert r.status_code == 200 and r.json()["status"] == "scheduled", r.text

        # Nobody launches them: the scheduler does, as their first day has come.
        for campaign_id, members in expected.items():
            [launched] = await campaigns.events.wait("CampaignLaunched", campaign_id=campaign_id)
            assert launched.topic == topics.district_events("campaigns", district)
            assert launched.data["audience_size"] == len(members)
            assert launched.data["audience"]["districts"] == [district]
            chunks = await campaigns.events.wait("AudienceTargeted", campaign_id=campaign_id)
            targeted = [m for chunk in chunks for m in chunk.data["member_ids"]]
            assert sorted(targeted) == sorted(members)  # exactly, and each once
        golden_launch = campaigns.events.of("CampaignLaunched", campaign_id=golden)[0].data
        assert golden_launch["audience"]["employment_types"] == ["migrant"]
        assert (golden_launch["audience"]["min_age"], golden_launch["audience"]["max_age"]) == (18, 35)

        async def window_opened() -> bool:
            return golden in await windows(assistance)

        await wait_for(window_opened, timeout=30)
        window = (await windows(assistance))[golden]
        assert (window["aid_type"], window["districts"]) == ("education", [district])
        assert (window["opens_on"], window["closes_on"]) == (dates["starts_on"], dates["ends_on"])
        assert winter not in await windows(assistance)  # a winter drive opens no aid window
        await assistance.allocate(district, "education", "10000.00")
        applied = await assistance.apply(
            uuid.UUID(young_migrant), "education", "800.00", assistance.branch_officer(district, site)
        )
        assert applied.status_code == 201 and applied.json()["campaign_id"] == golden, applied.text

        r = await campaigns.client.get(f"/campaigns/{golden}/stats", headers=officer)
        assert r.status_code == 200, r.text
        assert (r.json()["targeted"], r.json()["by_district"][0]["targeted"]) == (2, 2)

        r = await campaigns.client.post(f"/campaigns/{golden}/close", headers=officer)
        assert r.status_code == 200 and r.json()["status"] == "closed", r.text
        [closed] = await campaigns.events.wait("CampaignClosed", campaign_id=golden)
        assert closed.topic == topics.district_events("campaigns", district)
        assert closed.data["results"]["targeted"] == 2
        assert closed.data["results"]["by_district"] == [
            {"district": district, "targeted": 2, "enrolled": 0, "reached": 0}
        ]

        async def window_closed() -> bool:
            return bool((await windows(assistance))[golden]["closes_on"] == closed.data["closed_on"])

        await wait_for(window_closed, timeout=30)
