"""The consumer-groups page in a real browser: a group that read part of a topic shows its lag
per partition, and once its lag keeps rising the page flags it."""

from __future__ import annotations

import uuid
from typing import Any

from aiokafka import TopicPartition
from browser import Browser
from console_testkit import new_district
from lag_kit import indexed_to, produce, read_and_commit
from unionfed_events import topics


async def test_a_lagging_group_is_shown_per_partition_and_flagged_when_growing(
    console_service: Any, browser: Browser
) -> None:
    district = new_district("gp")
    topic = topics.district_events("membership", district)
    group = f"notifications-events-{uuid.uuid4().hex[:6]}"
    settings = {
        "consumer_groups": [group],
        "discover_groups": False,
        "lag_sample_seconds": 0.3,
        "lag_growing_samples": 3,
        "lag_growing_threshold": 5,
    }
    async with console_service(districts=[district], **settings) as console, console.served() as base_url:
        await produce(console, topic, 0, 3)
        await produce(console, topic, 1, 2)
        await indexed_to(console, topic, 0, 3)
        await indexed_to(console, topic, 1, 2)
        bootstrap = console.settings.kafka_bootstrap_servers
        await read_and_commit(bootstrap, group, {TopicPartition(topic, 0): 3, TopicPartition(topic, 1): 1})

        await browser.sign_in(base_url, console.operator, then="/groups")
        row = f'tr.partition-lag[data-group="{group}"][data-partition="1"]'
        for _ in range(60):  # the page is server-rendered: reload until the first sample has the group
            await browser.open(f"{base_url}/groups")
            if await browser.texts(row):
                break
        [partition_1] = await browser.texts(row)
        assert partition_1.split()[1:5] == ["1", "1", "2", "1"]  # partition, committed, end, lag

        produced = 2
        flagged: list[str] = []
        for _ in range(40):  # records keep coming on partition 1; the group reads none of them
            await produce(console, topic, 1, 2)
            produced += 2
            await indexed_to(console, topic, 1, produced)
            await browser.open(f"{base_url}/groups")
            flagged = await browser.texts(f'section[data-group="{group}"] .lag-growing')
            if flagged:
                break
        assert flagged == ["lag keeps growing"]
        await browser.screenshot("groups")
