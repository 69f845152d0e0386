"""The deployment's topic-creation job against the real (embedded) broker."""

from __future__ import annotations

import uuid

import pytest
from unionfed_chassis.topics_job import TopicJobConfig, create_topics, main
from unionfed_devstack._util import free_port
from unionfed_devstack.broker import describe_partitions, list_topics
from unionfed_events.consumer_groups import all_consumer_groups
from unionfed_events.topics import dead_letter, district_events, platform_topics, retry


def _district() -> str:
    return "d" + uuid.uuid4().hex[:8]  # a district no other test created topics for


async def test_creates_every_registry_topic_of_the_districts_then_nothing(kafka_bootstrap: str) -> None:
    districts = [_district(), _district()]
    config = TopicJobConfig(kafka_bootstrap, districts, replication=1, timeout=30)

    created, total = await create_topics(config)

    specs = {s.name: s for s in platform_topics(districts, all_consumer_groups())}
    assert total == len(specs)
    assert set(specs) <= set(await list_topics(kafka_bootstrap))
    mine = [name for name in specs if any(f".{d}." in name for d in districts)]
    assert mine and set(mine) <= set(created)
    partitions = await describe_partitions(kafka_bootstrap, mine)
    assert partitions == {name: specs[name].partitions for name in mine}
    for group in all_consumer_groups():
        assert dead_letter(group) in specs and retry(group) in specs

    again, _ = await create_topics(config)
    assert again == []


def test_main_reads_the_environment(kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]) -> None:
    district = _district()
    code = main({"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "DISTRICTS": f" {district} ,"})
    assert code == 0
    out = capsys.readouterr().out
    assert "+ " + district_events("membership", district) in out
    assert "topic(s) created" in out


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"KAFKA_BOOTSTRAP_SERVERS": "kafka:9092", "DISTRICTS": " , "}, "DISTRICTS"),
        ({"DISTRICTS": "xuhui"}, "KAFKA_BOOTSTRAP_SERVERS"),
        (
            {"KAFKA_BOOTSTRAP_SERVERS": "kafka:9092", "DISTRICTS": "xuhui", "TOPIC_REPLICATION": "0"},
            "TOPIC_REPLICATION",
        ),
    ],
)
def test_a_missing_or_bad_setting_is_named(
    env: dict[str, str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(env) == 2
    assert named in capsys.readouterr().err


def test_an_unreachable_broker_fails_after_the_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    bootstrap = f"127.0.0.1:{free_port()}"
    env = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "DISTRICTS": "xuhui", "TOPIC_JOB_TIMEOUT": "1"}
    assert main(env) == 1
    assert f"topics not created on {bootstrap}" in capsys.readouterr().err
