"""The dead-letters page in a real browser against a real consuming service: notifications'
audience consumer dead-letters a campaign's audience chunk whose launch it never saw; the launch
then arrives (the cause is fixed), an operator redrives the chunk from the page with a reason, and
notifications invites the audience once; a second redrive sends nothing and changes nothing."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "services/notifications/tests"))

from browser import Browser  # noqa: E402
from console_testkit import new_district  # noqa: E402
from dead_letter_kit import wait_indexed  # noqa: E402
from fanout_kit import copy_members, in_app_recipients, rows_by_channel, winter_launch  # noqa: E402
from notifications.domain.fanout import invitation_content_id  # noqa: E402
from notifications_testkit import start_notifications  # noqa: E402
from prometheus_client import REGISTRY  # noqa: E402
from unionfed_chassis.dead_letter_reading import read_all, read_dead_letters  # noqa: E402
from unionfed_devstack.feeds import CampaignsFeed  # noqa: E402
from unionfed_devstack.testing import wait_for  # noqa: E402
from unionfed_events import campaigns as cev  # noqa: E402
from unionfed_events import topics  # noqa: E402
from unionfed_events.envelope import Envelope  # noqa: E402

AUDIENCE = 5
REASON = "campaign launch republished by campaigns (INC-4521)"


def _consumed(group: str, event: type[Any]) -> float:
    labels = {"consumer": group, "type": event.ce_type()}
    return REGISTRY.get_sample_value("unionfed_events_consumed_total", labels) or 0.0


async def test_a_redrive_puts_a_fixed_event_back_and_the_service_applies_it_once(
    console_service: Any, browser: Browser, make_database: Any, kafka_bootstrap: str, kafka_idempotence: bool
) -> None:
    district = new_district("dl")
    group = f"notifications-audience-{uuid.uuid4().hex[:8]}"
    # The console first: the dead-letter topic the service creates at its start is then new to
    # the index, which reads it from its start (a topic that existed before a test console
    # started, outside its districts, is read from the end it had then).
    async with (
        console_service(districts=[district]) as console,
        start_notifications(
            [district],
            make_database,
            kafka_bootstrap,
            kafka_idempotence,
            audience_group=group,
            consumer_transient_retry_seconds=1.0,
            consumer_max_retry_backoff_seconds=0.5,
        ) as notifications,
        console.served() as base_url,
    ):
        members = await copy_members(notifications.engine, district, AUDIENCE)
        campaign_id = uuid.uuid4()
        chunk = cev.AudienceTargeted(
            campaign_id=campaign_id, district=district, chunk=1, chunks=1, member_ids=members
        )
        feed = CampaignsFeed(notifications.producer)
        await feed.send(
            topics.district_events("campaigns", district),
            Envelope.wrap(chunk, source="/unionfed/campaigns", district=district),
        )
        # The launch never came: the chunk waits its transient window, then is dead-lettered.
        # At least once: a rebalance between dead-lettering and the offset commit letters it twice.
        letter = (await wait_for(lambda: read_dead_letters(kafka_bootstrap, group, idle=0.5), timeout=60))[0]
        await wait_indexed(console.engine, group, 1)
        assert "LaunchNotSeen" in letter.reason
        content_id = invitation_content_id(campaign_id)
        assert await in_app_recipients(notifications.engine, content_id) == []

        # The cause is fixed: the launch arrives (campaigns republished it).
        await feed.publish(winter_launch(campaign_id), None, None)
        await notifications.producer.flush()
        await wait_for(lambda: _consumed(group, cev.CampaignLaunched) >= 1, timeout=60)
        assert await in_app_recipients(notifications.engine, content_id) == [], "nothing applies it by itself"

        row = f'tr.dead-letter[data-position="{letter.topic}/{letter.partition}/{letter.offset}"]'
        await browser.sign_in(base_url, console.operator, then="/dead-letters")
        await browser.open(f"{base_url}/dead-letters?group={group}")
        await browser.wait_text(f"{row} .reason", "LaunchNotSeen")
        await browser.wait_text(f"{row} .redrive-state", "not redriven")
        await browser.click(f"{row} .select-letter")
        await browser.click("#redrive-selected")
        await browser.wait_text("#redrive-result", "Say why")  # no reason, no redrive
        await browser.type("#redrive-reason", REASON)
        await browser.click("#redrive-selected")
        await browser.wait_text("#redrive-result", "Redrove 1 of 1", within=30)

        async def invited() -> bool:
            return len(await in_app_recipients(notifications.engine, content_id)) == AUDIENCE

        await wait_for(invited, timeout=60)
        await browser.wait_text(f"{row} .redrive-state", "by op-1", within=30)  # after the page reloads
        await browser.wait_text(f"{row} .redrive-state", REASON)
        await browser.screenshot("dead-letters")

        # Again, from the row's own button: the letter was replayed once, nothing is sent.
        await browser.type("#redrive-reason", "second try")
        await browser.click(f"{row} .redrive-one")
        await browser.wait_text("#redrive-result", "already replayed", within=30)
        await browser.wait_text("#redrive-result", "by op-1")
        sent = await read_all(kafka_bootstrap, [topics.retry(group)], idle=0.5)
        assert len(sent) == 1, "the chunk went back once"
        assert sorted(await in_app_recipients(notifications.engine, content_id)) == sorted(map(str, members))
        assert await rows_by_channel(notifications.engine) == {"in_app": AUDIENCE}
