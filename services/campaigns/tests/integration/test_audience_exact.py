"""Audiences match their rule exactly, over the real database and broker: members built to
match, and to miss on each criterion alone (district, branch, industry, employment type, each
edge of the age band, no birth year, hardship registered / never / exited, left), give the
preview and the launched audience exactly the expected set; a large district's audience goes
out in chunks of at most 1,000 ids."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from campaigns.adapters.orm import audience_members, hardship_view, members
from campaigns_testkit import Campaigns, new_district
from unionfed_devstack.testing import wait_for
from unionfed_events import membership as mev

MIGRANT, FLEXIBLE, REGULAR = (
    mev.EmploymentType.MIGRANT,
    mev.EmploymentType.FLEXIBLE,
    mev.EmploymentType.REGULAR,
)


async def registered(svc: Campaigns) -> set[uuid.UUID]:
    async with svc.engine.connect() as conn:
        query = sa.select(hardship_view.c.member_id).where(hardship_view.c.registered)
        return {r.member_id for r in await conn.execute(query)}


async def launch(
    svc: Campaigns, audience: dict[str, Any], owner: str | None = None
) -> tuple[str, dict[str, Any]]:
    today = datetime.now(svc.settings.zone).date()
    r = await svc.client.post(
        "/campaigns",
        json={
            "kind": "golden_autumn",
            "title": "金秋助学",
            "owner_district": owner,
            "starts_on": str(today),
            "ends_on": str(today + timedelta(days=20)),
            "audience": audience,
        },
        headers=svc.admin,
    )
    assert r.status_code == 201, r.text
    cid = r.json()["campaign_id"]
    r = await svc.client.post(f"/campaigns/{cid}/launch", headers=svc.admin)
    assert r.status_code == 200, r.text
    return cid, r.json()


async def snapshot_ids(svc: Campaigns, cid: str) -> set[uuid.UUID]:
    async with svc.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(audience_members.c.member_id).where(audience_members.c.campaign_id == uuid.UUID(cid))
        )
        return {r.member_id for r in rows}


async def test_preview_and_launch_match_the_rule_exactly(campaigns_service) -> None:
    a, b = new_district(), new_district()
    async with campaigns_service([a, b]) as svc:
        year = datetime.now(svc.settings.zone).date().year
        b1 = await svc.feed.branch(a, industry="logistics")
        b2 = await svc.feed.branch(a, industry="catering")
        b3 = await svc.feed.branch(a, industry="logistics")
        bb = await svc.feed.branch(b, industry="logistics")

        async def member(
            district: str = a,
            branch: str = b1,
            industry: str = "logistics",
            employment: mev.EmploymentType = MIGRANT,
            age: int | None = 30,
        ) -> uuid.UUID:
            birth_year = year - age if age is not None else None
            return await svc.member(
                district, branch, industry=industry, employment_type=employment, birth_year=birth_year
            )

        m: dict[str, uuid.UUID] = {
            "base": await member(),
            "other_branch_kind": await member(branch=b2, industry="catering", employment=FLEXIBLE),
            "age_25": await member(age=25),
            "age_40": await member(age=40),
            "age_24": await member(age=24),
            "age_41": await member(age=41),
            "no_birth_year": await member(age=None),
            "district_b": await member(district=b, branch=bb),
            "branch_3": await member(branch=b3),
            "industry": await member(industry="construction"),
            "employment": await member(employment=REGULAR),
            "never_registered": await member(),
            "exited": await member(),
            "left": await member(),
        }
        district_of = {name: (b if name == "district_b" else a) for name in m}
        for name, member_id in m.items():
            if name != "never_registered":
                branch = {"district_b": bb, "branch_3": b3, "other_branch_kind": b2}.get(name, b1)
                await svc.hardship.register(district_of[name], branch, member_id)
        on_registry = set(m.values()) - {m["never_registered"]}
        await wait_for(lambda: _is(registered(svc), on_registry))
        await svc.hardship.exit(a, m["exited"])
        await wait_for(lambda: _is(registered(svc), on_registry - {m["exited"]}))
        await svc.feed.leave(a, b1, m["left"])
        await svc.wait_member(m["left"], "left")

        full_rule = {
            "districts": [a],
            "branch_ids": [b1, b2],
            "industries": ["logistics", "catering"],
            "employment_types": ["migrant", "flexible"],
            "min_age": 25,
            "max_age": 40,
            "hardship": "registered",
        }
        # The member view reads every district's topic: other tests' members are there too, so
        # each rule names this test's districts.
        ours = [a, b]
        cases: list[tuple[dict[str, Any], set[str]]] = [
            (full_rule, {"base", "other_branch_kind", "age_25", "age_40"}),
            ({"districts": ours, "hardship": "not_registered"}, {"never_registered", "exited"}),
            ({"districts": [b]}, {"district_b"}),
            ({"branch_ids": [b3]}, {"branch_3"}),
            ({"districts": ours, "industries": ["construction"]}, {"industry"}),
            ({"districts": ours, "employment_types": ["regular"]}, {"employment"}),
            ({"districts": ours, "max_age": 24}, {"age_24"}),
            ({"districts": ours, "min_age": 41}, {"age_41"}),
            (
                {"districts": ours, "min_age": 0},
                set(m) - {"no_birth_year", "left"},
            ),  # none without a birth year
            ({"districts": ours}, set(m) - {"left"}),
        ]
        for rule, names in cases:
            expected = {m[n] for n in names}
            r = await svc.client.post(
                "/campaigns/audience-preview", json={"audience": rule}, headers=svc.admin
            )
            assert r.status_code == 200, r.text
            counts: dict[str, int] = {}
            for n in names:
                counts[district_of[n]] = counts.get(district_of[n], 0) + 1
            assert r.json() == {
                "size": len(expected),
                "by_district": [{"district": d, "size": c} for d, c in sorted(counts.items())],
            }, rule
            cid, launched = await launch(svc, rule)
            assert launched["audience_size"] == len(expected), rule
            assert await snapshot_ids(svc, cid) == expected, rule
            chunks = await svc.events.wait("AudienceTargeted", len(counts), campaign_id=cid)
            assert {uuid.UUID(i) for c in chunks for i in c.data["member_ids"]} == expected, rule


async def _is(found: Any, expected: set[uuid.UUID]) -> bool:
    return bool(await found == expected)


async def test_a_large_audience_goes_out_in_chunks(campaigns_service) -> None:
    district = new_district()
    async with campaigns_service([district]) as svc:
        # The member view's rows straight in: this test is about the chunks, not the view.
        rows = [
            {
                "member_id": uuid.uuid4(),
                "branch_id": f"{district}-b1",
                "district": district,
                "industry": "construction",
                "employment_type": "migrant",
                "birth_year": 1990,
                "status": "active",
                "version": 1,
            }
            for _ in range(2345)
        ]
        async with svc.engine.begin() as conn:
            await conn.execute(members.insert(), rows)
        cid, launched = await launch(svc, {}, owner=district)
        assert launched["audience_size"] == 2345
        chunks = await svc.events.wait("AudienceTargeted", 3, campaign_id=cid)
        assert sorted((c.data["chunk"], c.data["chunks"], len(c.data["member_ids"])) for c in chunks) == [
            (1, 3, 1000),
            (2, 3, 1000),
            (3, 3, 345),
        ]
        assert {uuid.UUID(i) for c in chunks for i in c.data["member_ids"]} == {r["member_id"] for r in rows}
        r = await svc.client.get(f"/campaigns/{cid}/audience", headers=svc.district_officer(district))
        assert r.json() == {"size": 2345, "by_district": [{"district": district, "size": 2345}]}
