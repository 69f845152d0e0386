"""The Golden-Autumn education-aid window over the real broker and database: campaigns'
`CampaignLaunched` (published as campaigns' relay would: its topic, headers and source) opens an
education-aid window for its districts, industries and dates; education aid is accepted only
inside it; other campaign kinds open nothing; `CampaignClosed` closes it early."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from assistance_testkit import Assistance, new_district
from unionfed_devstack.broker import ensure_topics
from unionfed_devstack.testing import wait_for
from unionfed_events import Envelope, Event, topics
from unionfed_events import campaigns as cev
from unionfed_events.topics import TopicSpec

TODAY = date.today()


@contextlib.asynccontextmanager
async def _campaigns(bootstrap: str, idempotence: bool, district: str) -> AsyncIterator[Any]:
    """Publishes campaigns' events on one district's topic. One partition: the events are read
    in the order sent, so seeing a later event's effect proves an earlier one was applied."""
    topic = topics.district_events("campaigns", district)
    await ensure_topics(bootstrap, [TopicSpec(topic, partitions=1)])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=idempotence)
    await producer.start()

    async def publish(event: Event) -> None:
        envelope = Envelope.wrap(event, source="/unionfed/campaigns", district=district)
        await producer.send_and_wait(topic, envelope.data, key=envelope.key, headers=envelope.headers())

    try:
        yield publish
    finally:
        await producer.stop()


def _launch(kind: cev.CampaignKind, districts: list[str], industries: list[str], starts: int, ends: int):
    return cev.CampaignLaunched(
        campaign_id=uuid.uuid4(),
        kind=kind,
        title=f"{kind.value} drive",
        districts=districts,
        industries=industries,
        starts_on=TODAY + timedelta(days=starts),
        ends_on=TODAY + timedelta(days=ends),
    )


async def _windows(svc: Assistance) -> dict[str, dict[str, Any]]:
    r = await svc.client.get("/aid-windows", headers=svc.branch_officer(svc.districts[0], "x"))
    assert r.status_code == 200, r.text
    return {w["campaign_id"]: w for w in r.json()["items"]}


async def _wait_window(svc: Assistance, campaign_id: uuid.UUID, **expected: Any) -> dict[str, Any]:
    async def seen() -> bool:
        window = (await _windows(svc)).get(str(campaign_id))
        return window is not None and all(window[k] == v for k, v in expected.items())

    await wait_for(seen, timeout=30)
    return (await _windows(svc))[str(campaign_id)]


def _refused_by_window(r: Any) -> bool:
    return r.status_code == 422 and r.json()["detail"][0].get("rule") == "education_window"


async def test_golden_autumn_opens_education_aid_for_its_audience_and_dates(
    assistance_service, kafka_bootstrap: str, kafka_idempotence: bool
) -> None:
    inside, outside = new_district(), new_district()
    group = f"assistance-campaigns-{uuid.uuid4().hex[:8]}"
    # The campaigns topics exist before the service starts: its pattern subscription sees them.
    async with (
        _campaigns(kafka_bootstrap, kafka_idempotence, inside) as publish,
        _campaigns(kafka_bootstrap, kafka_idempotence, outside) as publish_outside,
        assistance_service([inside, outside], campaigns_group=group) as svc,
    ):
        branch = await svc.feed.branch(inside, industry="manufacturing")
        bank = await svc.feed.branch(inside, industry="finance")
        far = await svc.feed.branch(outside, industry="manufacturing")
        worker = await svc.member(inside, branch, industry="manufacturing")
        banker = await svc.member(inside, bank, industry="finance")
        distant = await svc.member(outside, far, industry="manufacturing")
        for d in (inside, outside):
            await svc.allocate(d, "education", "100000.00")

        # Before any drive: no window, education aid refused by name.
        early = await svc.apply(worker, "education", "800.00", svc.admin)
        assert _refused_by_window(early), early.text

        winter = _launch(cev.CampaignKind.WINTER_WARMTH, [], [], -5, 60)
        later = _launch(cev.CampaignKind.GOLDEN_AUTUMN, [outside], [], 10, 40)
        golden = _launch(cev.CampaignKind.GOLDEN_AUTUMN, [inside], ["manufacturing"], -1, 30)
        await publish(winter)
        await publish(golden)
        await publish_outside(later)
        window = await _wait_window(svc, golden.campaign_id)
        await _wait_window(svc, later.campaign_id)
        assert window == {
            "campaign_id": str(golden.campaign_id),
            "aid_type": "education",
            "title": "golden_autumn drive",
            "districts": [inside],
            "industries": ["manufacturing"],
            "opens_on": golden.starts_on.isoformat(),
            "closes_on": golden.ends_on.isoformat(),
        }
        # The winter drive came first on the same partition: it was read, and opened nothing.
        assert str(winter.campaign_id) not in await _windows(svc)

        applied = await svc.apply(worker, "education", "800.00", svc.branch_officer(inside, branch))
        assert applied.status_code == 201, applied.text
        assert applied.json()["aid_type"] == "education"
        assert applied.json()["campaign_id"] == str(golden.campaign_id)  # the case remembers its drive
        for member, why in ((banker, "industry"), (distant, "district, and its own drive has not begun")):
            refused = await svc.apply(member, "education", "800.00", svc.admin)
            assert _refused_by_window(refused), (why, refused.text)
        cases = await svc.client.get("/cases?aid_type=education", headers=svc.admin)
        assert cases.json()["total"] == 1

        # Closed early (yesterday): the window's last day moves back, and a replayed launch of the
        # same campaign does not reopen it.
        await publish(
            cev.CampaignClosed(
                campaign_id=golden.campaign_id, closed_on=TODAY - timedelta(days=1), participants=3
            )
        )
        await publish(golden)
        marker = _launch(cev.CampaignKind.GOLDEN_AUTUMN, [inside], ["mining"], 100, 120)
        await publish(marker)
        await _wait_window(svc, marker.campaign_id)
        window = (await _windows(svc))[str(golden.campaign_id)]
        assert window["closes_on"] == (TODAY - timedelta(days=1)).isoformat()
        second = await svc.member(inside, branch, industry="manufacturing")
        closed = await svc.apply(second, "education", "500.00", svc.admin)
        assert _refused_by_window(closed), closed.text

        open_today = await svc.client.get(f"/aid-windows?open_on={TODAY.isoformat()}", headers=svc.admin)
        assert open_today.json()["items"] == []
        bad = await svc.client.get("/aid-windows?open_on=tomorrow", headers=svc.admin)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "open_on"
        assert (await svc.client.get("/aid-windows")).status_code == 401
