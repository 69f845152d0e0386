"""EventConsumer over a real broker and database: inbox dedupe, dead letters, retries, rebalance."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
from datetime import datetime
from typing import Any

from aiokafka.structs import ConsumerRecord
from prometheus_client import REGISTRY
from unionfed_devstack.testing import wait_for
from unionfed_events import Envelope, topics
from unionfed_events.membership import BranchEstablished, LeaveReason, MemberLeft

SOURCE = "/unionfed/other-service"


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def events_topic(district: str) -> str:
    return topics.district_events("membership", district)


async def test_duplicate_delivery_has_no_second_effect(
    db, kafka, runtimes, make_consumer, make_event, district, group, counts
) -> None:
    topic = events_topic(district)
    await kafka.create_topics(topic)
    envelope = Envelope.wrap(make_event("b-dup", district), source=SOURCE, district=district)
    # Two copies before the consumer starts (likely one batch), a third once it has applied one.
    await kafka.produce_envelope(topic, envelope)
    await kafka.produce_envelope(topic, envelope)
    duplicates = "unionfed_events_duplicate_total"
    consumer = make_consumer(group, [topic])
    await runtimes(db, [consumer])

    await wait_for(lambda: metric(duplicates, consumer=group) >= 1, timeout=30)
    await kafka.produce_envelope(topic, envelope)
    await wait_for(lambda: metric(duplicates, consumer=group) >= 2, timeout=30)

    assert await counts(db, group) == (1, 1)
    assert await db.scalar("SELECT count(*) FROM inbox WHERE consumer = :c", c=group) == 1
    assert await db.scalar("SELECT event_id::text FROM inbox") == str(envelope.id)
    assert consumer.calls[str(envelope.id)] == 1, "the handler ran once"
    assert metric("unionfed_events_consumed_total", consumer=group, type=BranchEstablished.ce_type()) == 1


async def test_redelivery_after_restart_without_commit_is_skipped(
    db, kafka, runtimes, stop_runtime, make_consumer, make_event, district, group, counts
) -> None:
    topic = events_topic(district)
    await kafka.create_topics(topic)
    envelopes = [
        Envelope.wrap(make_event(f"b-re-{i}", district), source=SOURCE, district=district) for i in range(20)
    ]
    for env in envelopes:
        await kafka.produce_envelope(topic, env)

    # First member: applies the events but "crashes" before committing any offset.
    crashing = make_consumer(group, [topic], instance="first")
    apply_for_real = crashing.process

    async def never_commit(records, commit, partitions) -> None:  # type: ignore[no-untyped-def]
        async def no_commit() -> None:
            return None

        await apply_for_real(records, no_commit, partitions)

    crashing.process = never_commit  # type: ignore[method-assign]
    first = await runtimes(db, [crashing])
    await wait_for(lambda: _counts_are(counts, db, group, (20, 20)), timeout=30)
    await stop_runtime(first)

    # Same group again: every record comes back, the inbox turns each into a no-op.
    before = metric("unionfed_events_duplicate_total", consumer=group)
    survivor = make_consumer(group, [topic], instance="second")
    await runtimes(db, [survivor])
    await wait_for(
        lambda: metric("unionfed_events_duplicate_total", consumer=group) - before >= 20, timeout=30
    )

    assert await counts(db, group) == (20, 20)
    assert await db.scalar("SELECT count(*) FROM inbox WHERE consumer = :c", c=group) == 20
    assert not survivor.calls, "the handler never saw the redelivered events"
    assert metric("unionfed_events_duplicate_total", consumer=group) - before == 20


async def _counts_are(counts, db, group, expected) -> bool:  # type: ignore[no-untyped-def]
    return bool(await counts(db, group) == expected)


async def test_poison_records_are_dead_lettered_and_the_partition_goes_on(
    db, kafka, runtimes, make_consumer, make_event, district, group, counts
) -> None:
    topic = events_topic(district)
    dlq = topics.dead_letter(group)
    await kafka.create_topics(topic)
    await kafka.create_topics(dlq, partitions=1)

    def env(branch: str, name: str = "ok") -> Envelope:
        return Envelope.wrap(make_event(branch, district, name), source=SOURCE, district=district)

    first, bug, after_1, after_2 = env("b-first"), env("b-bug", "bug"), env("b-after-1"), env("b-after-2")
    unknown_type = dataclasses.replace(env("b-unknown"), type="org.unionfed.membership.NoSuchEvent.v1")
    invalid = env("b-invalid").with_data(b'{"branch_id": 42}')
    binary = env("b-binary")  # sent with a header value that is not UTF-8
    not_ours = Envelope.wrap(
        MemberLeft(
            member_id=first.id,
            branch_id="b-x",
            district=district,
            reason=LeaveReason.OTHER,
            left_on="2025-01-01",
        ),
        source=SOURCE,
        district=district,
    )

    offsets: dict[str, int] = {}

    async def put(label: str, envelope: Envelope | None = None, **raw) -> None:  # type: ignore[no-untyped-def]
        if envelope is not None:
            meta = await kafka.produce_envelope(topic, envelope, partition=0)
        else:
            meta = await kafka.produce(topic, partition=0, **raw)
        offsets[label] = meta.offset

    # All on partition 0, poison in between valid events.
    await put("first", first)
    await put("no_headers", value=b"not a cloud event", key=b"k-raw")
    await put("unknown_type", unknown_type)
    await put("invalid", invalid)
    binary_headers = [(k, b"\xff\xfe" if k == "ce_subject" else v) for k, v in binary.headers()]
    await put("binary_header", value=binary.data, key=binary.key, headers=binary_headers)
    await put("not_ours", not_ours)
    await put("bug", bug)
    # A valid event with a foreign header whose value is null: applied, not dead-lettered.
    await put(
        "after_1",
        value=after_1.data,
        key=after_1.key,
        headers=[*after_1.headers(), ("x-foreign-trace", None)],
    )
    await put("after_2", after_2)

    dead_before = metric("unionfed_events_dead_lettered_total", consumer=group)
    consumer = make_consumer(group, [topic], max_attempts=3)
    async with kafka.tap(dlq, partitions=1) as tap:
        await runtimes(db, [consumer])
        await wait_for(lambda: _counts_are(counts, db, group, (3, 3)), timeout=30)
        await wait_for(lambda: len(tap.events()) >= 4, timeout=30)
        letters = await kafka.drain(tap)

    # The valid events around the poison were applied, once each; "not ours" was skipped.
    applied = {r.event_id for r in await db.rows("SELECT event_id FROM effects")}
    assert applied == {first.id, after_1.id, after_2.id}, "not ours and unknown_type were skipped"
    assert await db.scalar("SELECT count(*) FROM inbox") == 3
    assert 3 <= consumer.calls[str(bug.id)] <= 4, "max_attempts tries (plus the failed batch)"

    assert len(letters) == 4
    by_offset = {int(dict(r.headers)["dlq_offset"]): r for r in letters}
    poison = ("no_headers", "invalid", "binary_header", "bug")
    assert set(by_offset) == {offsets[k] for k in poison}
    expected = {
        "no_headers": ("EnvelopeError", None),
        "invalid": ("InvalidPayload", invalid),
        "binary_header": ("UnicodeDecodeError", binary),
        "bug": ("handler error: RuntimeError", bug),
    }
    for label, (reason, original) in expected.items():
        record = by_offset[offsets[label]]
        h = {k: v.decode(errors="replace") for k, v in record.headers}
        assert h["dlq_reason"].startswith(reason) or reason in h["dlq_reason"], (label, h["dlq_reason"])
        assert h["dlq_topic"] == topic
        assert h["dlq_partition"] == "0"
        assert h["dlq_consumer"] == group
        assert datetime.fromisoformat(h["dlq_time"]).tzinfo is not None
        assert h["dlq_attempts"] == ("3" if label == "bug" else "0")
        if original is None:
            assert (record.key, record.value) == (b"k-raw", b"not a cloud event")
        else:
            assert (record.key, record.value) == (original.key, original.data)
            assert h["ce_id"] == str(original.id), "original headers kept"
    assert metric("unionfed_events_dead_lettered_total", consumer=group) - dead_before == 4
    skipped = "unionfed_events_skipped_total"
    assert metric(skipped, consumer=group, type=unknown_type.type) == 1, "unknown to the contracts: skipped"
    assert metric(skipped, consumer=group, type=MemberLeft.ce_type()) == 1, "not handled here: skipped"


async def test_transient_database_error_is_retried_not_dead_lettered(
    db, kafka, runtimes, make_consumer, make_event, district, group, counts
) -> None:
    topic = events_topic(district)
    dlq = topics.dead_letter(group)
    await kafka.create_topics(topic)
    await kafka.create_topics(dlq, partitions=1)
    flaky = Envelope.wrap(make_event("b-flaky", district, "flaky-2"), source=SOURCE, district=district)
    fine = Envelope.wrap(make_event("b-fine", district), source=SOURCE, district=district)
    await kafka.produce_envelope(topic, flaky, partition=1)
    await kafka.produce_envelope(topic, fine, partition=1)
    transient_before = metric("unionfed_events_failed_total", consumer=group, reason="transient")

    consumer = make_consumer(group, [topic], max_attempts=2)  # fewer tries than failures
    async with kafka.tap(dlq, partitions=1) as tap:
        await runtimes(db, [consumer])
        await wait_for(lambda: _counts_are(counts, db, group, (2, 2)), timeout=30)
        letters = await kafka.drain(tap)

    assert letters == [], "a transient error must not dead-letter"
    assert consumer.calls[str(flaky.id)] == 3, "failed twice, then applied"
    assert metric("unionfed_events_failed_total", consumer=group, reason="transient") - transient_before == 2


async def test_transient_error_while_isolating_events_backs_off(
    db, kafka, runtimes, make_consumer, make_event, district, group, counts
) -> None:
    """After a handler bug the events are tried one by one; a transient error there is not
    counted against the event, but it must still wait between tries (no busy loop)."""
    topic = events_topic(district)
    await kafka.create_topics(topic)
    bug = Envelope.wrap(make_event("b-bug", district, "bug"), source=SOURCE, district=district)
    flaky = Envelope.wrap(make_event("b-flaky", district, "flaky-4"), source=SOURCE, district=district)
    await kafka.produce_envelope(topic, bug, partition=3)
    await kafka.produce_envelope(topic, flaky, partition=3)

    backoff = 0.05
    consumer = make_consumer(group, [topic], max_attempts=2, retry_backoff=backoff)
    await runtimes(db, [consumer])
    await wait_for(lambda: _counts_are(counts, db, group, (1, 1)), timeout=30)

    assert consumer.calls[str(flaky.id)] == 5, "4 transient failures, then applied"
    times = consumer.call_times[str(flaky.id)]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= backoff * 0.9, f"retried without waiting: {gaps}"


async def test_rebalance_mid_stream_applies_every_event_once(
    db, kafka, runtimes, stop_runtime, make_consumer, make_event, district, group, counts
) -> None:
    topic = events_topic(district)
    await kafka.create_topics(topic)
    one = make_consumer(group, [topic], instance="one")
    two = make_consumer(group, [topic], instance="two")
    produced: list[str] = []
    stop_producing = asyncio.Event()

    async def produce() -> None:
        producer = await kafka.producer()
        for n in itertools.count():
            if stop_producing.is_set():
                return
            futures = []
            for i in range(10):
                env = Envelope.wrap(make_event(f"b-{n % 13}-{i}", district), source=SOURCE, district=district)
                futures.append(await producer.send(topic, env.data, key=env.key, headers=env.headers()))
                produced.append(str(env.id))
            await asyncio.gather(*futures)
            await asyncio.sleep(0.02)

    first = await runtimes(db, [one])
    producing = asyncio.create_task(produce())
    try:
        await runtimes(db, [two])
        # Both members own partitions and have applied events.
        await wait_for(lambda: _instance_has_effects(db, group, "two"), timeout=30)
        await wait_for(lambda: _instance_has_effects(db, group, "one"), timeout=30)
        assert one.assigned[-1] and two.assigned[-1] and not (one.assigned[-1] & two.assigned[-1])

        await stop_runtime(first)  # mid-stream: the producer keeps going
        # All four partitions of the events topic (the group's retry topic is assigned too).
        await wait_for(lambda: len({tp for tp in two.assigned[-1] if tp.topic == topic}) == 4, timeout=30)
        mark = len(produced)
        await wait_for(lambda: len(produced) >= mark + 100, timeout=30)
    finally:
        stop_producing.set()
        with contextlib.suppress(asyncio.CancelledError):
            await producing

    total = len(produced)
    assert len(set(produced)) == total
    await wait_for(lambda: _distinct_is(counts, db, group, total), timeout=60)
    rows, distinct = await counts(db, group)
    assert (rows, distinct) == (total, total), "every event applied exactly once"
    assert await db.scalar("SELECT count(*) FROM inbox") == total
    per_instance = dict(await db.rows("SELECT instance, count(*) FROM effects GROUP BY 1"))
    assert per_instance["one"] > 0 and per_instance["two"] > 0


async def _instance_has_effects(db, group: str, instance: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(
        await db.scalar(
            "SELECT count(*) FROM effects WHERE consumer = :c AND instance = :i", c=group, i=instance
        )
    )


async def _distinct_is(counts, db, group, n) -> bool:  # type: ignore[no-untyped-def]
    return bool((await counts(db, group))[1] >= n)


async def test_failed_dead_letter_send_rewinds_the_batch(
    db, kafka, runtimes, make_consumer, make_event, district, group, counts, monkeypatch
) -> None:
    """If a batch cannot be finished (here: the dead-letter topic refuses the first send), its
    records must be read again, not skipped and later committed past."""
    import unionfed_chassis.consumer as consumer_module
    from aiokafka.errors import KafkaTimeoutError

    topic = events_topic(district)
    dlq = topics.dead_letter(group)
    await kafka.create_topics(topic)
    await kafka.create_topics(dlq, partitions=1)
    real_send = consumer_module.send_dead_letters
    failures: list[int] = []

    async def fail_once(producer, consumer, letters) -> None:  # type: ignore[no-untyped-def]
        if letters and not failures:
            failures.append(len(letters))
            raise KafkaTimeoutError("dead-letter topic unavailable")
        await real_send(producer, consumer, letters)

    monkeypatch.setattr(consumer_module, "send_dead_letters", fail_once)
    before = Envelope.wrap(make_event("b-before", district), source=SOURCE, district=district)
    after = Envelope.wrap(make_event("b-after", district), source=SOURCE, district=district)
    await kafka.produce_envelope(topic, before, partition=2)
    await kafka.produce(topic, b"poison", key=b"k-poison", partition=2)
    await kafka.produce_envelope(topic, after, partition=2)

    consumer = make_consumer(group, [topic])
    async with kafka.tap(dlq, partitions=1) as tap:
        await runtimes(db, [consumer])
        await wait_for(lambda: len(tap.events()) >= 1, timeout=30)
        await wait_for(lambda: _counts_are(counts, db, group, (2, 2)), timeout=30)
        letters = await kafka.drain(tap)

    assert failures == [1]
    assert [(r.key, r.value) for r in letters] == [(b"k-poison", b"poison")]
    assert await counts(db, group) == (2, 2), "the re-read events were not applied twice"


def _consumer_record(offset: int, headers: list[tuple[str, bytes | None]]) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic="t",
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=None,
        value=b"{}",
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=2,
        headers=headers,  # type: ignore[arg-type]
    )


async def test_batch_parse_takes_the_fast_path_on_the_pinned_faststream() -> None:
    """The chassis builds FastStream's batch message itself from two private attributes of its
    parser (FastStream is pinned to 0.7.x for that): this fails when an upgrade changes them."""
    from faststream.kafka.message import KafkaAckableMessage
    from faststream.kafka.parser import AioKafkaBatchParser
    from unionfed_chassis.consumer import _parse_batch

    parser = AioKafkaBatchParser(msg_class=KafkaAckableMessage, regex=None)
    kafka_consumer = object()
    parser._setup(kafka_consumer)  # type: ignore[arg-type]  # what the subscriber does at start
    records = (_consumer_record(7, [("ce_subject", b"\xff\xfe")]), _consumer_record(8, [("x", None)]))

    async def no_fallback(_records: Any) -> Any:
        raise AssertionError("fell back to FastStream's own parse")

    no_fallback.__self__ = parser  # type: ignore[attr-defined]  # as a bound method has
    message = await _parse_batch(records, no_fallback)
    assert isinstance(message, KafkaAckableMessage)
    assert message.raw_message is records and message.consumer is kafka_consumer
    assert message.message_id == "7-8-0"

    # The fallback (attributes changed shape) still works, on cleaned copies of the headers.
    fallback = await _parse_batch(records, _plain(parser))
    assert fallback.raw_message is records and fallback.consumer is kafka_consumer


def _plain(parser: Any) -> Any:
    async def parse(records: Any) -> Any:  # no __self__: like a parser whose attributes moved
        return await parser.parse_batch(records)

    return parse
