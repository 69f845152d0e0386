"""End to end over the real broker and database: members join through membership's events →
a district's campaign targeting part of them is scheduled for today and launches by itself
(the real scheduler loop) → its audience is exactly the members the rule names → after its
last day the scheduler closes it and `CampaignClosed` carries the results."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from campaigns_testkit import new_district
from unionfed_events import membership as mev
from unionfed_events import topics


async def test_a_scheduled_campaign_launches_by_itself_for_exactly_its_audience(campaigns_service) -> None:
    district = new_district()
    async with campaigns_service([district], schedule_check_seconds=0.3) as svc:
        year = datetime.now(svc.settings.zone).year
        site = await svc.feed.branch(district, industry="construction")
        office = await svc.feed.branch(district, industry="finance")
        outdoor = mev.EmploymentType.MIGRANT

        async def join(
            branch: str, industry: str, age: int | None, kind: mev.EmploymentType = outdoor
        ) -> uuid.UUID:
            birth = year - age if age is not None else None
            return await svc.member(
                district, branch, industry=industry, employment_type=kind, birth_year=birth
            )

        targeted = {
            await join(site, "construction", 22),
            await join(site, "construction", 55),
            await join(site, "construction", 40),
        }
        others = [
            await join(site, "construction", 56),  # past the band
            await join(site, "construction", None),  # no birth year: no band matches
            await join(site, "construction", 30, mev.EmploymentType.REGULAR),
            await join(office, "finance", 30),
        ]
        officer = svc.district_officer(district)
        today = datetime.now(svc.settings.zone).date()
        r = await svc.client.post(
            "/campaigns",
            json={
                "kind": "summer_cooling",
                "title": "夏送清凉·户外建筑工人",
                "owner_district": district,
                "starts_on": str(today),
                "ends_on": str(today + timedelta(days=10)),
                "audience": {
                    "industries": ["construction"],
                    "employment_types": ["migrant", "flexible"],
                    "min_age": 18,
                    "max_age": 55,
                },
                "capacity": 100,
            },
            headers=officer,
        )
        assert r.status_code == 201, r.text
        cid = r.json()["campaign_id"]
        r = await svc.client.post(
            "/campaigns/audience-preview", json={"audience": r.json()["audience"]}, headers=officer
        )
        assert r.json()["size"] == len(targeted)
        r = await svc.client.post(f"/campaigns/{cid}/schedule", headers=officer)
        assert r.status_code == 200, r.text

        [launched] = await svc.events.wait("CampaignLaunched", campaign_id=cid)  # nobody launched it by hand
        assert launched.topic == topics.district_events("campaigns", district)
        assert launched.data["audience_size"] == len(targeted)
        assert launched.data["industries"] == ["construction"] and launched.data["districts"] == [district]
        [chunk] = await svc.events.wait("AudienceTargeted", campaign_id=cid)
        assert {uuid.UUID(i) for i in chunk.data["member_ids"]} == targeted
        assert not targeted & set(others)
        r = await svc.client.get(f"/campaigns/{cid}/audience", headers=officer)
        assert r.json() == {
            "size": len(targeted),
            "by_district": [{"district": district, "size": len(targeted)}],
        }

        # The day after its last day, a round closes it with its results.
        after = datetime.now(svc.settings.zone) + timedelta(days=11)
        assert (await svc.app.state.scheduler.run_round(after)).closed == 1
        [closed] = await svc.events.wait("CampaignClosed", campaign_id=cid)
        assert closed.data["results"]["targeted"] == len(targeted)
        assert closed.data["closed_on"] == str(today + timedelta(days=11))
        r = await svc.client.get(f"/campaigns/{cid}", headers=officer)
        assert r.json()["status"] == "closed" and r.json()["results"]["targeted"] == len(targeted)
