"""Dead-letter replay over real consumers: it reaches only the group that failed the events, is
recorded, and does nothing the second time."""

from __future__ import annotations

from typing import Any

from prometheus_client import REGISTRY
from unionfed_chassis.dead_letter_reading import read_replays
from unionfed_devstack import dead_letters as dl
from unionfed_devstack.testing import wait_for
from unionfed_events import Envelope, topics

SOURCE = "/unionfed/other-service"


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_replay_reaches_only_the_failed_group(
    db,
    kafka,
    kafka_bootstrap,
    kafka_idempotence,
    runtimes,
    make_consumer,
    make_event,
    district,
    group,
    counts,
) -> None:
    class Fixable(make_consumer):  # type: ignore[misc, valid-type]
        """Fails every event until the test "deploys the fix"."""

        broken = True

        async def _handle(self, uow: Any, deliveries: list[Any]) -> None:
            if self.broken:
                for d in deliveries:
                    self.calls[d.envelope.id] += 1
                raise RuntimeError("handler bug")
            await super()._handle(uow, deliveries)

    failing, healthy = group, f"{group}-other"
    topic = topics.district_events("membership", district)
    await kafka.create_topics(topic)
    await kafka.create_topics(topics.dead_letter(failing), topics.retry(failing), partitions=1)
    events = [
        Envelope.wrap(make_event(f"b-{i}", district), source=SOURCE, district=district) for i in range(2)
    ]
    for e in events:
        await kafka.produce_envelope(topic, e)

    fixable = Fixable(failing, [topic], max_attempts=1)
    other = make_consumer(healthy, [topic])
    await runtimes(db, [fixable, other])
    await wait_for(lambda: _counts_are(counts, db, healthy, (2, 2)), timeout=30)
    await wait_for(lambda: metric("unionfed_events_dead_lettered_total", consumer=failing) >= 2, timeout=30)
    assert await counts(db, failing) == (0, 0)

    fixable.broken = False
    summary = await dl.replay_dead_letters(
        kafka_bootstrap, failing, by="operator-7", enable_idempotence=kafka_idempotence
    )
    assert summary.replayed == 2
    await wait_for(lambda: _counts_are(counts, db, failing, (2, 2)), timeout=30)

    # A later event on the original topic: once the healthy group has it, it has read past the
    # time of the replay, and it never saw the replayed events again.
    later = Envelope.wrap(make_event("b-later", district), source=SOURCE, district=district)
    await kafka.produce_envelope(topic, later)
    await wait_for(lambda: _counts_are(counts, db, healthy, (3, 3)), timeout=30)
    assert all(other.calls[e.id] == 1 for e in events)
    assert metric("unionfed_events_duplicate_total", consumer=healthy) == 0

    again = await dl.replay_dead_letters(kafka_bootstrap, failing, enable_idempotence=kafka_idempotence)
    assert (again.replayed, again.already_replayed) == (0, 2)
    replays = [v for v in (await read_replays(kafka_bootstrap)).values() if v["group"] == failing]
    assert sorted(v["event_id"] for v in replays) == sorted(e.id for e in events)
    assert {v["by"] for v in replays} == {"operator-7"}
    by_group = {c.group: c for c in await dl.count_by_group(kafka_bootstrap)}
    assert (by_group[failing].total, by_group[failing].unreplayed) == (2, 0)
    await wait_for(lambda: _counts_are(counts, db, failing, (3, 3)), timeout=30)
    assert metric("unionfed_events_duplicate_total", consumer=failing) == 0, "replayed once"


async def _counts_are(counts, db, group, expected) -> bool:  # type: ignore[no-untyped-def]
    return bool(await counts(db, group) == expected)
