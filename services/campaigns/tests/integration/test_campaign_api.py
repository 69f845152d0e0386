"""The campaign lifecycle through the HTTP API over the real database and broker: drafting,
revising, scheduling, launching, closing and cancelling, with the events each step publishes,
refusals that change nothing, and who may organise or read what."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from campaigns_testkit import Campaigns, new_district
from unionfed_events import topics

TODAY = date.today()  # the service's zone may be a day off UTC: tests keep a day's margin


def body(owner: str | None, **kw: Any) -> dict[str, Any]:
    return {
        "kind": "winter_warmth",
        "title": "冬送温暖",
        "owner_district": owner,
        "starts_on": str(TODAY + timedelta(days=5)),
        "ends_on": str(TODAY + timedelta(days=30)),
        "audience": {},
    } | kw


async def create(svc: Campaigns, headers: dict[str, str], owner: str | None, **kw: Any) -> dict[str, Any]:
    r = await svc.client.post("/campaigns", json=body(owner, **kw), headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def get(svc: Campaigns, campaign_id: str) -> dict[str, Any]:
    r = await svc.client.get(f"/campaigns/{campaign_id}", headers=svc.admin)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_a_campaign_goes_draft_scheduled_launched_closed(campaigns_service) -> None:
    district = new_district()
    async with campaigns_service([district]) as svc:
        branch = await svc.feed.branch(district)
        members = [await svc.member(district, branch) for _ in range(3)]
        officer = svc.district_officer(district)
        campaign = await create(svc, officer, district, capacity=50)
        cid = campaign["campaign_id"]
        assert campaign["status"] == "draft" and campaign["audience"]["districts"] == [district]
        assert campaign["created_by"] == f"do-{district}"

        r = await svc.client.patch(f"/campaigns/{cid}", json={"title": "冬送温暖·第二批"}, headers=officer)
        assert r.status_code == 200 and r.json()["title"] == "冬送温暖·第二批"
        r = await svc.client.get(f"/campaigns/{cid}/audience", headers=officer)
        assert r.json() == {"size": 3, "by_district": [{"district": district, "size": 3}]}

        r = await svc.client.post(f"/campaigns/{cid}/schedule", headers=officer)
        assert r.status_code == 200 and r.json()["status"] == "scheduled", r.text
        scheduled = await svc.events.wait("CampaignScheduled", campaign_id=cid)
        assert scheduled[0].topic == topics.district_events("campaigns", district)

        r = await svc.client.post(f"/campaigns/{cid}/launch", headers=officer)
        assert r.status_code == 200, r.text
        launched = r.json()
        assert (launched["status"], launched["audience_size"]) == ("launched", 3)
        assert launched["starts_on"] <= str(TODAY + timedelta(days=1))  # launched early: starts now
        [event] = await svc.events.wait("CampaignLaunched", campaign_id=cid)
        assert event.topic == topics.district_events("campaigns", district)
        assert event.data["audience_size"] == 3 and event.data["capacity"] == 50
        assert event.data["districts"] == [district] and event.data["audience"]["districts"] == [district]
        [chunk] = await svc.events.wait("AudienceTargeted", campaign_id=cid)
        assert sorted(chunk.data["member_ids"]) == sorted(str(m) for m in members)
        assert (chunk.data["chunk"], chunk.data["chunks"], chunk.data["district"]) == (1, 1, district)

        r = await svc.client.get(f"/campaigns/{cid}/stats", headers=svc.branch_officer(district, branch))
        assert r.status_code == 200, r.text
        assert r.json() == {
            "targeted": 3,
            "notified": 0,
            "enrolled": 0,
            "waitlisted": 0,
            "reached": 0,
            "by_district": [{"district": district, "targeted": 3, "enrolled": 0, "reached": 0}],
        }
        # A member joining after the launch is not in the fixed audience.
        await svc.member(district, branch)
        r = await svc.client.get(f"/campaigns/{cid}/audience", headers=officer)
        assert r.json()["size"] == 3

        r = await svc.client.post(f"/campaigns/{cid}/close", headers=officer)
        assert r.status_code == 200, r.text
        closed = r.json()
        assert closed["status"] == "closed" and closed["results"]["targeted"] == 3
        assert closed["results"]["by_district"] == [
            {"district": district, "targeted": 3, "enrolled": 0, "reached": 0}
        ]
        [event] = await svc.events.wait("CampaignClosed", campaign_id=cid)
        assert event.data["participants"] == 0 and event.data["results"]["targeted"] == 3


async def test_refused_steps_change_nothing_and_name_the_rule(campaigns_service) -> None:
    district = new_district()
    async with campaigns_service([district]) as svc:
        await svc.member(district, await svc.feed.branch(district))  # the view knows the district
        officer = svc.district_officer(district)
        campaign = await create(svc, officer, district)
        cid = campaign["campaign_id"]

        async def refused(method: str, path: str, json: Any = None) -> dict[str, Any]:
            r = await svc.client.request(method, path, json=json, headers=officer)
            assert r.status_code == 422, r.text
            return dict(r.json()["detail"][0])

        detail = await refused("POST", f"/campaigns/{cid}/close")
        assert detail["loc"] == ["body", "campaign_id"] and detail["rule"] == "campaign_launched"
        detail = await refused("PATCH", f"/campaigns/{cid}", {"ends_on": str(TODAY)})
        assert detail["loc"] == ["body", "ends_on"] and detail["rule"] == "dates_ordered"
        detail = await refused("PATCH", f"/campaigns/{cid}", {"audience": {"min_age": 50, "max_age": 20}})
        assert detail["loc"] == ["body", "audience.max_age"]
        detail = await refused("PATCH", f"/campaigns/{cid}", {"title": None})
        assert detail["loc"] == ["body", "title"]
        await refused("PATCH", f"/campaigns/{cid}", {"capacity": 0})
        await refused("PATCH", f"/campaigns/{cid}", {"audience": {"industries": ["a\x00b"]}})
        await refused("POST", "/campaigns", body(district, ends_on=str(TODAY)))
        await refused("POST", "/campaigns", body(district, kind="picnic"))
        await refused("POST", "/campaigns", body(district, title=""))
        detail = await refused(
            "POST", "/campaigns", body(district, audience={"branch_ids": ["no-such-branch"]})
        )
        assert (detail["loc"], detail["rule"]) == (["body", "audience.branch_ids"], "branch_known")
        r = await svc.client.post("/campaigns", json=body(new_district()), headers=svc.admin)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "owner_district"]
        r = await svc.client.post(
            "/campaigns", json=body(None, audience={"districts": [new_district()]}), headers=svc.admin
        )
        assert r.status_code == 422 and r.json()["detail"][0]["rule"] == "district_known"
        past = await create(svc, officer, district, starts_on=str(TODAY - timedelta(days=3)))
        detail = await refused("POST", f"/campaigns/{past['campaign_id']}/schedule")
        assert detail["loc"] == ["body", "starts_on"] and detail["rule"] == "starts_not_past"
        detail = await refused("POST", f"/campaigns/{cid}/cancel", {"reason": ""})

        assert await get(svc, cid) == campaign
        r = await svc.client.post(f"/campaigns/{cid}/cancel", json={"reason": "经费未到位"}, headers=officer)
        assert r.status_code == 200 and r.json()["cancel_reason"] == "经费未到位"
        await svc.events.wait("CampaignCancelled", campaign_id=cid)
        for step in ("schedule", "launch", "close"):
            await refused("POST", f"/campaigns/{cid}/{step}")
        await refused("PATCH", f"/campaigns/{cid}", {"title": "x"})
        r = await svc.client.post("/campaigns/00000000-0000-0000-0000-000000000000/launch", headers=officer)
        assert r.status_code == 404
        assert not svc.events.of("CampaignLaunched", campaign_id=cid)


async def test_district_officers_organise_their_own_district_only(campaigns_service) -> None:
    mine, other = new_district(), new_district()
    async with campaigns_service([mine, other]) as svc:
        branch = await svc.feed.branch(mine)
        elsewhere = await svc.feed.branch(other)
        await svc.member(mine, branch)
        await svc.member(other, elsewhere)
        officer = svc.district_officer(mine)
        r = await svc.client.post("/campaigns", json=body(other), headers=officer)
        assert r.status_code == 403
        r = await svc.client.post("/campaigns", json=body(None), headers=officer)
        assert r.status_code == 403
        r = await svc.client.post(
            "/campaigns", json=body(mine, audience={"districts": [other]}), headers=officer
        )
        assert r.status_code == 422 and r.json()["detail"][0]["rule"] == "audience_in_owner_district"
        r = await svc.client.post(
            "/campaigns", json=body(mine, audience={"branch_ids": [elsewhere]}), headers=officer
        )
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "audience.branch_ids"]
        r = await svc.client.post("/campaigns/audience-preview", json={"audience": {}}, headers=officer)
        assert r.json() == {"size": 1, "by_district": [{"district": mine, "size": 1}]}
        r = await svc.client.post("/campaigns", json=body(mine), headers=svc.branch_officer(mine, branch))
        assert r.status_code == 403

        # The view holds other tests' members too: the federation's rule names these districts.
        federation = await create(svc, svc.admin, None, audience={"districts": [mine, other]})
        theirs = await create(svc, svc.admin, other)
        own = await create(svc, officer, mine)
        r = await svc.client.post(f"/campaigns/{theirs['campaign_id']}/launch", headers=officer)
        assert r.status_code == 403
        r = await svc.client.post(f"/campaigns/{federation['campaign_id']}/schedule", headers=officer)
        assert r.status_code == 403
        r = await svc.client.get(f"/campaigns/{theirs['campaign_id']}", headers=officer)
        assert r.status_code == 403
        r = await svc.client.get(f"/campaigns/{federation['campaign_id']}", headers=officer)
        assert r.status_code == 200

        listed = await svc.client.get("/campaigns", headers=svc.branch_officer(mine, branch))
        ids = {c["campaign_id"] for c in listed.json()["items"]}
        assert own["campaign_id"] in ids and federation["campaign_id"] in ids
        assert theirs["campaign_id"] not in ids
        r = await svc.client.get(f"/campaigns?district={other}", headers=officer)
        assert r.status_code == 403
        r = await svc.client.get(f"/campaigns?district={other}&status=draft", headers=svc.admin)
        assert [c["campaign_id"] for c in r.json()["items"]] == [theirs["campaign_id"]]
        r = await svc.client.post(f"/campaigns/{own['campaign_id']}/launch", headers=svc.token("operator"))
        assert r.status_code == 403

        r = await svc.client.post(f"/campaigns/{federation['campaign_id']}/launch", headers=svc.admin)
        assert r.status_code == 200 and r.json()["audience_size"] == 2
        [event] = await svc.events.wait("CampaignLaunched", campaign_id=federation["campaign_id"])
        assert event.topic == topics.federation_events("campaigns")
        targeted = await svc.events.wait("AudienceTargeted", 2, campaign_id=federation["campaign_id"])
        by_topic = {r.topic for r in targeted}
        assert topics.district_events("campaigns", mine) in by_topic
        assert topics.district_events("campaigns", other) in by_topic
