"""Tombstones of compacted topics: `UnitOfWork.tombstone` goes through the outbox and the relay as
a Kafka null value after the event staged before it, and the chassis consumer skips a null value
(no handler call, no dead letter) and goes on with the events after it."""

from __future__ import annotations

from unionfed_devstack.testing import wait_for
from unionfed_events import Envelope, topics

SOURCE = "/unionfed/other-service"


async def test_a_tombstone_goes_out_as_a_null_value_after_the_event_before_it(
    db, kafka, runtimes, make_event, district
) -> None:
    topic = topics.district_events("membership", district)
    await kafka.create_topics(topic)
    runtime = await runtimes(db)
    async with runtime.unit_of_work() as uow:
        envelope = uow.send_to(topic, make_event("b-gone", district), district=district)
        uow.tombstone(topic, "b-gone")
        await uow.commit()
    assert await db.scalar("SELECT count(*) FROM outbox WHERE payload = ''::bytea") == 1

    async with kafka.tap(topic) as tap:
        await wait_for(lambda: _outbox_empty(db), timeout=20)
        await kafka.drain(tap)
    records = [r for r in tap.records if r.key == b"b-gone"]
    assert len(records) == 2
    event, tombstone = sorted(records, key=lambda r: r.offset)
    assert dict(event.headers)["ce_id"].decode() == str(envelope.id)
    assert tombstone.value is None and not tombstone.headers


async def _outbox_empty(db) -> bool:  # type: ignore[no-untyped-def]
    return await db.outbox_count() == 0


async def test_the_consumer_skips_a_tombstone_and_applies_what_follows(
    db, kafka, runtimes, make_consumer, make_event, district, group, counts
) -> None:
    topic = topics.district_events("membership", district)
    await kafka.create_topics(topic, partitions=1)
    before = Envelope.wrap(make_event("b-1", district), source=SOURCE, district=district)
    after = Envelope.wrap(make_event("b-1", district, name="again"), source=SOURCE, district=district)
    await kafka.produce_envelope(topic, before)
    await kafka.produce(topic, None, key=b"b-1")
    await kafka.produce_envelope(topic, after)
    consumer = make_consumer(group, [topic])
    await runtimes(db, [consumer])

    async def both_applied() -> bool:
        return await counts(db, group) == (2, 2)

    await wait_for(both_applied, timeout=30)
    assert [d.envelope.id for d in consumer.seen] == [before.id, after.id]
    dead = topics.dead_letter(group)
    async with kafka.tap(dead, partitions=1) as tap:
        assert await kafka.drain(tap) == []
