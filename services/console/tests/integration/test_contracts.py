"""The contract catalog over a real running service: producers and consumers come from
membership's own AsyncAPI document (over HTTP), an unreachable service is named, every registered
event type is listed with its schema and versions, and the sample is the latest indexed event of
the type on a topic it is published to (never a dead letter or retry copy), masked, within a
district officer's district only."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from console.adapters.orm import stream_events
from console_testkit import new_district, serve_app
from platform_kit import start_membership
from unionfed_devstack._util import free_port
from unionfed_devstack.feeds import member_joined
from unionfed_devstack.testing import wait_for
from unionfed_events import membership as mev
from unionfed_events import topics
from unionfed_events.envelope import Envelope
from unionfed_events.registry import event_types

JOINED = mev.MemberJoined.ce_type()
REQUESTED = mev.MemberRegistrationRequested.ce_type()


async def test_catalog_from_a_running_services_asyncapi_with_a_masked_sample_in_scope(
    console_service: Any, make_database: Any, kafka_bootstrap: str, kafka_idempotence: bool
) -> None:
    district, other = new_district("ct"), new_district("ct")
    broker = (make_database, kafka_bootstrap, kafka_idempotence)
    async with (
        start_membership([district], *broker) as membership,
        serve_app(membership.app) as membership_url,
    ):
        services = {"membership": membership_url, "campaigns": f"http://127.0.0.1:{free_port()}"}
        async with console_service(services=services, districts=[district, other]) as console:
            catalog = (await console.client.get("/api/contracts", headers=console.operator)).json()
            sources = {s["service"]: s for s in catalog["sources"]}
            assert sources["membership"]["reachable"] is True
            assert sources["campaigns"]["reachable"] is False and sources["campaigns"]["error"]
            by_type = {c["type"]: c for c in catalog["contracts"]}
            assert set(by_type) == set(event_types())
            joined = by_type[JOINED]
            assert joined["producers"] == [
                {"service": "membership", "topic": topics.district_template("membership")}
            ]
            assert joined["versions"] == [JOINED] and joined["short_type"] == "MemberJoined.v1"
            [registrations] = by_type[REQUESTED]["consumers"]
            assert (registrations["service"], registrations["group"]) == (
                "membership",
                "membership-registrations",
            )

            # Nothing indexed yet: no sample. Then a member joins in the district.
            detail = await console.client.get(f"/api/contracts/{JOINED}", headers=console.operator)
            assert detail.json()["json_schema"]["$id"] == JOINED
            branch = await console.feed.branch(district)
            member_id = await console.feed.join(district, branch)

            async def sample() -> Any:
                body = (await console.client.get(f"/api/contracts/{JOINED}", headers=console.operator)).json()
                found = body["sample"]
                return found if found and found["payload"]["member_id"] == str(member_id) else None

            shown = await wait_for(sample, timeout=60)  # a new district: the next metadata refresh
            assert shown["district"] == district
            assert shown["payload"]["national_id_masked"] == "1101**********1234"

            officer_here = console.district_officer(district)
            officer_there = console.district_officer(other)
            mine = (await console.client.get(f"/api/contracts/{JOINED}", headers=officer_here)).json()
            assert mine["sample"]["payload"]["member_id"] == str(member_id)
            theirs = (await console.client.get(f"/api/contracts/{JOINED}", headers=officer_there)).json()
            assert theirs["sample"] is None

            # A later copy of a MemberJoined on its way back to a group (a dead letter, a retry)
            # is indexed, but it is no sample: a dead letter may be the malformed one.
            copy = member_joined(district, branch, uuid.uuid4(), "T-COPY")
            envelope = Envelope.wrap(copy, source="/unionfed/membership", district=district)
            group = f"contracts-{uuid.uuid4().hex[:8]}"
            for topic in (topics.dead_letter(group), topics.retry(group)):
                await console.producer.send_and_wait(topic, envelope.data, headers=envelope.headers())
            await wait_for(lambda: _indexed_copies(console, envelope.id, 2), timeout=60)
            for token in (console.operator, officer_here):
                body = (await console.client.get(f"/api/contracts/{JOINED}", headers=token)).json()
                assert body["sample"]["payload"]["member_id"] == str(member_id)

            assert (
                await console.client.get("/api/contracts/org.unionfed.x.Nope.v1", headers=console.operator)
            ).status_code == 404
            page = await console.client.get("/contracts", headers=console.operator)
            assert page.status_code == 200 and f'data-type="{JOINED}"' in page.text
            one = await console.client.get(f"/contracts/{JOINED}", headers=console.operator)
            assert one.status_code == 200 and str(member_id) in one.text and "json-schema" in one.text


async def _indexed_copies(console: Any, event_id: str, count: int) -> bool:
    query = sa.select(sa.func.count()).where(stream_events.c.event_id == event_id)
    async with console.engine.connect() as conn:
        return (await conn.execute(query)).scalar_one() >= count
