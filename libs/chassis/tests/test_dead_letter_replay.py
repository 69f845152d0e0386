"""Replaying a selection of dead letters by their place on the DLQ topic, against the real broker:
only the selected letters reach the group's retry topic, each once, recorded with who and why; a
letter replayed before is not sent again, and the outcome says who replayed it and why."""

from __future__ import annotations

import json
import uuid

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from unionfed_chassis.dead_letter import DeadLetter, send_dead_letters
from unionfed_chassis.dead_letter_reading import ReplayRecord, read_all, read_positions, read_replays
from unionfed_chassis.dead_letter_replay import Outcome, replay_positions
from unionfed_chassis.stored_dead_letter import DeadLetterPosition
from unionfed_chassis.topic_admin import ensure_topics, list_topics
from unionfed_events import Envelope
from unionfed_events.topics import TopicSpec, dead_letter, district_events, retry

JOINED = "org.unionfed.membership.MemberJoined.v1"


def _record(topic: str, offset: int) -> tuple[ConsumerRecord[bytes, bytes], Envelope]:
    env = Envelope(
        source="/membership",
        type=JOINED,
        subject=f"m-{offset}",
        district="xuhui",
        data=json.dumps({"member_id": f"m-{offset}"}).encode(),
    )
    headers = list(env.headers())
    record = ConsumerRecord(topic, 0, offset, 0, 0, env.key, env.data, None, 0, len(env.data), headers)
    return record, env


async def _dead_letters(bootstrap: str, idempotence: bool, count: int) -> tuple[str, list[Envelope]]:
    group = f"test.sel{uuid.uuid4().hex[:8]}"
    original = district_events("membership", f"t{uuid.uuid4().hex[:8]}")
    await ensure_topics(bootstrap, [TopicSpec(dead_letter(group), 1)])
    made = [_record(original, 10 + i) for i in range(count)]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=idempotence)
    await producer.start()
    try:
        await send_dead_letters(
            producer, group, [DeadLetter(r, f"boom {i}", 2) for i, (r, _) in enumerate(made)]
        )
    finally:
        await producer.stop()
    return group, [env for _, env in made]


async def test_a_selection_is_replayed_once_with_who_and_why(
    kafka_bootstrap: str, kafka_idempotence: bool
) -> None:
    group, envelopes = await _dead_letters(kafka_bootstrap, kafka_idempotence, 3)
    topic = dead_letter(group)
    first, second, third = (DeadLetterPosition(topic, 0, o) for o in range(3))
    missing = DeadLetterPosition(topic, 0, 99)

    outcomes = await replay_positions(
        kafka_bootstrap,
        [third, first, missing],
        by="op-7",
        reason="fixed the branch mapping",
        enable_idempotence=kafka_idempotence,
    )
    assert [(o.position, o.outcome) for o in outcomes] == [
        (first, Outcome.REPLAYED),
        (third, Outcome.REPLAYED),
        (missing, Outcome.NOT_FOUND),
    ]
    assert outcomes[0].event_id == envelopes[0].id
    sent = await read_all(kafka_bootstrap, [retry(group)], idle=0.5)
    assert sorted(r.value for r in sent) == sorted(e.data for e in (envelopes[0], envelopes[2]))
    assert all(not k.startswith("dlq_") for r in sent for k, _ in r.headers)
    records = {k: ReplayRecord.from_json(k, v) for k, v in (await read_replays(kafka_bootstrap)).items()}
    assert records[first.key].by == "op-7" and records[first.key].reason == "fixed the branch mapping"
    assert second.key not in records

    again = await replay_positions(
        kafka_bootstrap,
        [first, second, third],
        by="op-8",
        reason="again",
        enable_idempotence=kafka_idempotence,
    )
    assert [o.outcome for o in again] == [
        Outcome.ALREADY_REPLAYED,
        Outcome.REPLAYED,
        Outcome.ALREADY_REPLAYED,
    ]
    earlier = again[0].earlier
    assert earlier is not None and (earlier.by, earlier.reason) == ("op-7", "fixed the branch mapping")
    sent = await read_all(kafka_bootstrap, [retry(group)], idle=0.5)
    assert sorted(r.value for r in sent) == sorted(e.data for e in envelopes), "each letter sent once"


async def test_positions_on_an_unknown_topic_are_not_found_and_create_nothing(
    kafka_bootstrap: str,
) -> None:
    nowhere = dead_letter(f"test.none{uuid.uuid4().hex[:8]}")
    assert await read_positions(kafka_bootstrap, [DeadLetterPosition(nowhere, 0, 0)], idle=0.3) == {}
    assert nowhere not in await list_topics(kafka_bootstrap)


def test_a_replay_record_written_before_reasons_is_still_read() -> None:
    old = {"group": "g", "dlq_topic": "unionfed.dlq.g", "dlq_partition": 0, "dlq_offset": 3, "by": "li.wei"}
    record = ReplayRecord.from_json("g/0/3", old)
    assert (record.by, record.reason, record.same_event_as) == ("li.wei", None, None)
