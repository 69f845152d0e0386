"""The demo seed: a second run finds the federation there and creates nothing; the first run's
MemberJoined events reach the district topics once the service's outbox relay runs."""

from __future__ import annotations

from collections.abc import Callable

from membership.demo import demo_branches, demo_districts
from membership.seed import seed
from membership.settings import MembershipSettings
from membership_testkit import start_service
from unionfed_devstack.testing import wait_for
from unionfed_events import topics

MEMBERS = 50


async def test_seed_runs_once_and_its_members_joined_are_published(
    make_database: Callable[[str], str], kafka_bootstrap: str, kafka_idempotence: bool
) -> None:
    database_url = make_database("membership")
    settings = MembershipSettings(environment="development", database_url=database_url, log_level="WARNING")
    first = await seed(settings, MEMBERS, emit=lambda _line: None)
    assert first == {
        "districts": len(demo_districts()),
        "branches": len(demo_branches(settings.seed_random)),
        "members": MEMBERS,
        "failed": 0,
    }
    said: list[str] = []
    second = await seed(settings, MEMBERS, emit=said.append)
    assert second == {"districts": 0, "branches": 0, "members": 0, "failed": 0}
    assert said == ["membership: already seeded (districts exist); nothing to do"]

    districts = [d.code for d in demo_districts()]
    async with start_service(
        districts, make_database, kafka_bootstrap, kafka_idempotence, database_url=database_url
    ) as svc:
        listed = await svc.client.get("/members", params={"page_size": 200}, headers=svc.admin)
        assert listed.json()["total"] == MEMBERS
        members = {m["member_id"]: m["district"] for m in listed.json()["items"]}

        def published() -> list[str]:
            return [r.data["member_id"] for r in svc.events.of("MemberJoined", channel="seed")]

        await wait_for(lambda: set(members) <= set(published()), timeout=60)
        assert sorted(m for m in published() if m in members) == sorted(members)  # each once
        for record in svc.events.of("MemberJoined", channel="seed"):
            if record.data["member_id"] in members:
                district = members[record.data["member_id"]]
                assert record.topic == topics.district_events("membership", district)
