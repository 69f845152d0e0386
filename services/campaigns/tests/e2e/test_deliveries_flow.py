"""Deliveries of relief drives and cultural deliveries through the API: what reached how many
workers, where, and who recorded it; the totals per district; and the refusals, each a 422
naming the field and the rule, with nothing recorded."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from campaign_rows import campaign_row
from campaigns_testkit import new_district
from participation_kit import branch_in_view
from unionfed_events import topics


def _delivery(district: str, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "site": "Pudong metro line 14 depot",
        "items": "200 cooling kits (mung-bean soup, fans, sun hats)",
        "workers_reached": 200,
        "delivered_on": date.today().isoformat(),
        "district": district,
    }
    return {**body, **changes}


def _rule(r) -> tuple[int, str, str | None]:
    (item,) = r.json()["detail"]
    return r.status_code, item["loc"][-1], item.get("rule")


async def test_deliveries_are_recorded_listed_and_totalled_by_district(campaigns_service) -> None:
    north, south = new_district("dn"), new_district("ds")
    async with campaigns_service([north, south]) as svc:
        branch = await branch_in_view(svc, north)
        campaign_id = await campaign_row(svc, kind="summer_cooling", capacity=None)
        url = f"/campaigns/{campaign_id}/deliveries"

        r = await svc.client.post(
            url, json=_delivery(north, branch_id=branch), headers=svc.branch_officer(north, branch)
        )
        assert r.status_code == 201, r.text
        first = r.json()
        assert (first["recorded_by"], first["workers_reached"], first["branch_id"]) == (
            f"bo-{branch}",
            200,
            branch,
        )
        yesterday = (date.today() - timedelta(days=1)).isoformat()
        r = await svc.client.post(
            url,
            json=_delivery(north, site="Zhangjiang site 3", workers_reached=50, delivered_on=yesterday),
            headers=svc.district_officer(north),
        )
        assert r.status_code == 201, r.text
        r = await svc.client.post(url, json=_delivery(south, workers_reached=30), headers=svc.admin)
        assert r.status_code == 201, r.text

        (event,) = await svc.events.wait("DeliveryRecorded", delivery_id=first["delivery_id"])
        assert event.topic == topics.district_events("campaigns", north)
        assert (event.data["workers_reached"], event.data["site"], event.data["branch_id"]) == (
            200,
            "Pudong metro line 14 depot",
            branch,
        )

        r = await svc.client.get(url, headers=svc.admin)
        assert r.json()["total"] == 3
        r = await svc.client.get(url, headers=svc.district_officer(north))
        assert [d["workers_reached"] for d in r.json()["items"]] == [200, 50]  # most recent first
        r = await svc.client.get(f"{url}/totals", headers=svc.token("operator", subject="ops"))
        assert r.status_code == 200, r.text
        totals = {t["district"]: t for t in r.json()}
        assert (totals[north]["deliveries"], totals[north]["workers_reached"], totals[north]["sites"]) == (
            2,
            250,
            2,
        )
        assert sorted(totals[north]["recorded_by"]) == sorted([f"bo-{branch}", f"do-{north}"])
        assert (totals[north]["first_on"], totals[north]["last_on"]) == (yesterday, date.today().isoformat())
        assert totals[south]["workers_reached"] == 30
        r = await svc.client.get(f"{url}/totals", headers=svc.district_officer(south))
        assert [t["district"] for t in r.json()] == [south]


async def test_refused_deliveries_name_the_rule_and_record_nothing(campaigns_service) -> None:
    district, elsewhere = new_district("dr"), new_district("dx")
    async with campaigns_service([district, elsewhere]) as svc:
        branch = await branch_in_view(svc, district)
        foreign_branch = await branch_in_view(svc, elsewhere)
        relief = await campaign_row(svc, kind="winter_warmth", owner_district=district)
        draft = await campaign_row(svc, kind="winter_warmth", status="draft", owner_district=district)
        survey = await campaign_row(svc, kind="survey", owner_district=district)
        admin = svc.admin

        async def post(campaign_id, body, headers=admin):
            return await svc.client.post(f"/campaigns/{campaign_id}/deliveries", json=body, headers=headers)

        tomorrow = (date.today() + timedelta(days=1)).isoformat()
        before_start = (date.today() - timedelta(days=5)).isoformat()  # campaign_row starts yesterday
        assert _rule(await post(draft, _delivery(district))) == (422, "campaign_id", "campaign_launched")
        assert _rule(await post(survey, _delivery(district))) == (422, "campaign_id", "takes_deliveries")
        assert _rule(await post(relief, _delivery(elsewhere))) == (422, "district", "in_campaign_districts")
        bad_branch = _delivery(district, branch_id=foreign_branch)
        assert _rule(await post(relief, bad_branch)) == (422, "branch_id", "branch_in_district")
        assert _rule(await post(relief, _delivery(district, delivered_on=tomorrow))) == (
            422,
            "delivered_on",
            "within_campaign_dates",
        )
        assert _rule(await post(relief, _delivery(district, delivered_on=before_start))) == (
            422,
            "delivered_on",
            "within_campaign_dates",
        )
        for field, value in (
            ("workers_reached", 0),
            ("site", ""),
            ("items", "a\x00b"),
            ("district", "NOT A CODE"),
        ):
            r = await post(relief, {**_delivery(district), field: value})
            assert (r.status_code, r.json()["detail"][0]["loc"][-1]) == (422, field)
        assert (
            await post(relief, _delivery(district), svc.token("operator", subject="ops"))
        ).status_code == 403
        assert (
            await post(
                relief, _delivery(district, branch_id=foreign_branch), svc.branch_officer(district, branch)
            )
        ).status_code == 403
        assert (await post(relief, _delivery(district), svc.district_officer(elsewhere))).status_code == 403

        for campaign_id in (relief, draft, survey):
            r = await svc.client.get(f"/campaigns/{campaign_id}/deliveries", headers=admin)
            assert r.json()["total"] == 0
        await asyncio.sleep(1)
        assert svc.events.of("DeliveryRecorded") == []
