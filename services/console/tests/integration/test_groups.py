"""Consumer-group lag on a real broker: a group that read some records of a topic and not the
others lags on those, per partition, against the console's own partition ends; a group whose lag
keeps rising is flagged on the API and in /metrics; a district officer sees only partitions of
their district's topics.

The ends are the console index's own (`partition_ends`): the test waits for the index to have
read what it produced, then for a sample."""

from __future__ import annotations

import uuid
from typing import Any

from aiokafka import TopicPartition
from console_testkit import Console, new_district
from lag_kit import indexed_to, produce, read_and_commit
from unionfed_devstack.testing import wait_for
from unionfed_events import topics


async def _group(console: Console, group: str, headers: dict[str, str]) -> dict[str, Any] | None:
    body = (await console.client.get("/api/groups", headers=headers)).json()
    return next((g for g in body["groups"] if g["group_id"] == group), None)


async def test_lag_per_partition_growth_flag_metric_and_district_scope(console_service: Any) -> None:
    district, other = new_district("lag"), new_district("lag")
    topic = topics.district_events("membership", district)
    group = f"lag-test-{uuid.uuid4().hex[:8]}"
    settings = {
        "consumer_groups": [group],
        "discover_groups": False,
        "lag_sample_seconds": 0.2,
        "lag_growing_samples": 3,
        "lag_growing_threshold": 5,
    }
    async with console_service(districts=[district, other], **settings) as console:
        await produce(console, topic, 0, 4)
        await produce(console, topic, 1, 3)
        await indexed_to(console, topic, 0, 4)
        await indexed_to(console, topic, 1, 3)
        bootstrap = console.settings.kafka_bootstrap_servers
        await read_and_commit(bootstrap, group, {TopicPartition(topic, 0): 4, TopicPartition(topic, 1): 1})

        async def lags() -> dict[int, dict[str, Any]] | None:
            found = await _group(console, group, console.operator)
            return (
                {p["partition"]: p for p in found["partitions"]}
                if found and len(found["partitions"]) == 2
                else None
            )

        by_partition = await wait_for(lags, timeout=30)
        assert (by_partition[0]["committed"], by_partition[0]["end_offset"], by_partition[0]["lag"]) == (
            4,
            4,
            0,
        )
        assert (by_partition[1]["committed"], by_partition[1]["end_offset"], by_partition[1]["lag"]) == (
            1,
            3,
            2,
        )
        assert by_partition[1]["district"] == district
        steady = await _group(console, group, console.operator)
        assert steady is not None and steady["growing"] is False

        # Scope: the district's officer sees the group on their topic, another district's does not.
        assert await _group(console, group, console.district_officer(district)) is not None
        assert await _group(console, group, console.district_officer(other)) is None

        # Records keep coming on partition 1 and the group reads none of them: its lag grows.
        produced = 3
        for _ in range(12):
            await produce(console, topic, 1, 2)
            produced += 2
            await indexed_to(console, topic, 1, produced)
            sampled = (await console.client.get("/api/groups", headers=console.operator)).json()["sampled_at"]

            async def next_sample(before: str = sampled) -> bool:
                body = (await console.client.get("/api/groups", headers=console.operator)).json()
                return bool(body["sampled_at"] != before)

            await wait_for(next_sample, timeout=30)
            found = await _group(console, group, console.operator)
            if found is not None and found["growing"]:
                break
        assert found is not None and found["growing"] is True
        assert found["lag"] >= 5 and found["trend"] == sorted(found["trend"])

        metrics = (await console.client.get("/metrics")).text
        assert f'unionfed_console_lag_growing{{group="{group}"}} 1.0' in metrics
        assert (
            f'unionfed_console_consumer_lag{{group="{group}",partition="0",topic="{topic}"}} 0.0' in metrics
        )

        page = await console.client.get("/groups", headers=console.operator)
        assert page.status_code == 200
        assert f'data-group="{group}"' in page.text and "lag keeps growing" in page.text


async def test_a_group_the_broker_lists_is_sampled_without_being_configured(console_service: Any) -> None:
    district = new_district("lag")
    topic = topics.district_events("assistance", district)
    group = f"unlisted-{uuid.uuid4().hex[:8]}"
    settings = {"consumer_groups": [], "discover_groups": True, "lag_sample_seconds": 0.2}
    async with console_service(districts=[district], **settings) as console:
        await produce(console, topic, 2, 3)
        await indexed_to(console, topic, 2, 3)
        await read_and_commit(console.settings.kafka_bootstrap_servers, group, {TopicPartition(topic, 2): 2})

        async def sampled() -> dict[str, Any] | None:
            return await _group(console, group, console.operator)

        found = await wait_for(sampled, timeout=30)
        assert [(p["topic"], p["partition"], p["lag"]) for p in found["partitions"]] == [(topic, 2, 1)]
