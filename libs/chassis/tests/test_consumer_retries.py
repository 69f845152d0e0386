"""Bounded retries: a transient failure holds only its partition, for a bounded window, and then
the event is dead-lettered once with reason transient_exhausted; readiness says it is stuck."""

from __future__ import annotations

from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from unionfed_chassis.runtime import is_ready
from unionfed_devstack.testing import wait_for
from unionfed_events import Envelope, topics

SOURCE = "/unionfed/other-service"


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def _applied(db, group: str) -> set[str]:  # type: ignore[no-untyped-def]
    rows = await db.rows("SELECT event_id FROM effects WHERE consumer = :c", c=group)
    return {r.event_id for r in rows}


async def test_transient_failure_holds_one_partition_then_dead_letters_it_once(
    db, kafka, runtimes, make_consumer, make_event, district, group
) -> None:
    topic = topics.district_events("membership", district)
    dlq = topics.dead_letter(group)
    await kafka.create_topics(topic)
    await kafka.create_topics(dlq, partitions=1)

    def env(branch: str, name: str = "ok") -> Envelope:
        return Envelope.wrap(make_event(branch, district, name), source=SOURCE, district=district)

    stuck = env("b-stuck", "stuck")
    behind = [env(f"b-behind-{i}") for i in range(3)]  # same partition, after the stuck one
    first_wave = [env(f"b-w1-{p}-{i}") for p in (1, 2, 3) for i in range(5)]
    await kafka.produce_envelope(topic, stuck, partition=0)
    for e in behind:
        await kafka.produce_envelope(topic, e, partition=0)
    for i, e in enumerate(first_wave):
        await kafka.produce_envelope(topic, e, partition=1 + i // 5)

    # A long window first, so the test decides when the retries are exhausted.
    consumer = make_consumer(group, [topic], transient_retry_seconds=3600, max_retry_backoff=0.2)
    async with kafka.tap(dlq, partitions=1) as tap:
        runtime = await runtimes(db, [consumer])
        await wait_for(lambda: consumer.calls[stuck.id] >= 3, timeout=30)
        await wait_for(lambda: _has(db, group, {e.id for e in first_wave}), timeout=30)

        # Partition 0 is held; the others keep moving: a second wave is applied meanwhile.
        second_wave = [env(f"b-w2-{p}") for p in (1, 2, 3)]
        for p, e in zip((1, 2, 3), second_wave, strict=True):
            await kafka.produce_envelope(topic, e, partition=p)
        await wait_for(lambda: _has(db, group, {e.id for e in second_wave}), timeout=30)
        assert not _intersects(await _applied(db, group), {stuck.id, *(e.id for e in behind)})
        checks = await runtime.readiness()
        assert checks["consumers"][group].startswith("retrying since"), checks
        assert not is_ready(checks)
        assert checks["database"] == checks["broker"] == "ok"
        assert consumer.calls[stuck.id] >= 3, "retried, with backoff"

        # Window over: the stuck event is dead-lettered, the partition moves on.
        consumer.transient_retry_seconds = 0
        await wait_for(lambda: _has(db, group, {e.id for e in behind}), timeout=30)
        await wait_for(lambda: len(tap.events()) >= 1, timeout=30)
        letters = await kafka.drain(tap)

    assert len(letters) == 1, "dead-lettered once"
    h = {k: v.decode() for k, v in letters[0].headers}
    assert h["dlq_reason"].startswith("transient_exhausted"), h["dlq_reason"]
    assert (h["ce_id"], h["dlq_topic"], h["dlq_partition"]) == (stuck.id, topic, "0")
    assert int(h["dlq_attempts"]) >= 2, "retried before it was dead-lettered"
    assert stuck.id not in await _applied(db, group)
    assert consumer.health() == "ok"
    assert is_ready(await runtime.readiness())
    assert metric("unionfed_events_consumed_total", consumer=group, type=stuck.type) == 3 + 15 + 3


def _intersects(a: set[str], b: set[str]) -> bool:
    return bool(a & b)


async def _has(db, group: str, ids: set[str]) -> bool:  # type: ignore[no-untyped-def]
    return ids <= await _applied(db, group)


async def test_database_outage_is_retried_past_the_window_and_never_dead_lettered(
    db, kafka, runtimes, make_consumer, make_event, district, group
) -> None:
    """The window bounds retries of an event that fails while the database answers; when the
    database itself is unreachable, nothing is the event's fault: the partition waits."""
    topic = topics.district_events("membership", district)
    dlq = topics.dead_letter(group)
    await kafka.create_topics(topic)
    await kafka.create_topics(dlq, partitions=1)
    consumer = make_consumer(group, [topic], transient_retry_seconds=0, max_retry_backoff=0.2)
    await runtimes(db, [consumer])
    working = consumer.session_factory
    nowhere = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere", poolclass=NullPool)
    consumer.session_factory = async_sessionmaker(nowhere, expire_on_commit=False)
    event = Envelope.wrap(make_event("b-outage", district), source=SOURCE, district=district)
    transient_before = metric("unionfed_events_failed_total", consumer=group, reason="transient")

    async with kafka.tap(dlq, partitions=1) as tap:
        await kafka.produce_envelope(topic, event, partition=2)
        await wait_for(
            lambda: (
                metric("unionfed_events_failed_total", consumer=group, reason="transient") - transient_before
                >= 5
            ),
            timeout=30,
        )
        assert consumer.health().startswith("retrying since")
        consumer.session_factory = working  # the database is back
        await wait_for(lambda: _has(db, group, {event.id}), timeout=30)
        letters = await kafka.drain(tap)

    assert letters == [], "an outage dead-letters nothing"
    assert consumer.health() == "ok"
    await nowhere.dispose()
