from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord
from typer.testing import CliRunner
from unionfed_chassis.dead_letter import DeadLetter, dead_letter_headers, send_dead_letters
from unionfed_chassis.dead_letter_reading import read_dead_letters, read_replays
from unionfed_chassis.dead_letter_replay import plan_replay
from unionfed_chassis.stored_dead_letter import StoredDeadLetter, letter_key
from unionfed_devstack import dead_letters as dl
from unionfed_devstack.broker import ensure_topics, list_topics
from unionfed_devstack.cli import app
from unionfed_events.envelope import Envelope
from unionfed_events.topics import TopicSpec, dead_letter, district_events, retry

NATIONAL_ID = "310101199001011234"
PHONE = "13812345678"
JOINED = "org.unionfed.membership.MemberJoined.v1"
LEFT = "org.unionfed.membership.MemberLeft.v1"
REASON = f"handler error: IntegrityError: duplicate national_id {NATIONAL_ID}"
MARKER = b"marker"


def _record(
    topic: str,
    partition: int,
    offset: int,
    *,
    ce_type: str = JOINED,
    data: dict[str, Any] | None = None,
    envelope: Envelope | None = None,
) -> ConsumerRecord[bytes, bytes]:
    env = envelope or Envelope(
        source="/membership",
        type=ce_type,
        subject=f"m-{offset}",
        district="xuhui",
        data=json.dumps(data or {"member_id": f"m-{offset}", "national_id": NATIONAL_ID}).encode(),
    )
    headers = [*env.headers(), ("x-origin", b"branch-7")]
    return ConsumerRecord(
        topic=topic,
        partition=partition,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=env.key,
        value=env.data,
        checksum=None,
        serialized_key_size=len(env.key or b""),
        serialized_value_size=len(env.data),
        headers=headers,
    )


def _stored(letter: DeadLetter, group: str = "g", offset: int = 0) -> StoredDeadLetter:
    r = letter.record
    return StoredDeadLetter(
        dead_letter(group), 0, offset, r.key, r.value, tuple(dead_letter_headers(letter, group))
    )


# --- pure ------------------------------------------------------------------------------------


def test_stored_dead_letter_reads_the_chassis_headers() -> None:
    record = _record("unionfed.d.xuhui.membership.events", 2, 17)
    letter = _stored(DeadLetter(record, "boom", 3))
    assert (letter.original_topic, letter.original_partition, letter.original_offset) == (
        "unionfed.d.xuhui.membership.events",
        2,
        17,
    )
    assert (letter.reason, letter.attempts, letter.consumer) == ("boom", 3, "g")
    assert letter.time is not None and letter.time.tzinfo is not None
    assert letter.original_headers == list(record.headers)
    assert not any(k.startswith("dlq_") for k, _ in letter.original_headers)


def test_line_has_coordinates_reason_and_masks() -> None:
    record = _record(
        "unionfed.d.xuhui.membership.events", 2, 17, data={"national_id": NATIONAL_ID, "phone": PHONE}
    )
    letter = _stored(DeadLetter(record, REASON + f"\nphone {PHONE}", 3))
    line = dl.format_dead_letter_line(letter)
    envelope = letter.envelope
    assert envelope is not None
    assert "unionfed.d.xuhui.membership.events 2/17" in line
    assert "MemberJoined.v1" in line and str(envelope.id) in line and "attempts=3" in line
    assert "national_id=3101**********1234" in line and "phone=138****5678" in line
    assert (
        "reason: handler error: IntegrityError: duplicate national_id 3101**********1234 phone 138****5678"
        in line
    )
    assert NATIONAL_ID not in line and PHONE not in line and "\n" not in line


def test_line_cuts_the_reason_to_the_width() -> None:
    letter = _stored(DeadLetter(_record("unionfed.fed.membership.events", 0, 1), "x" * 500, 1))
    head = dl.format_dead_letter_line(letter).split("reason: ")[0] + "reason: "
    line = dl.format_dead_letter_line(letter, width=len(head) + 50)
    assert len(line) == len(head) + 50 and line.endswith("x…")
    narrow = dl.format_dead_letter_line(letter, width=20)  # the reason keeps a minimum
    assert narrow.endswith("x…") and len(narrow) == len(head) + dl.MIN_REASON_WIDTH


def test_line_for_a_record_that_is_not_a_cloudevent() -> None:
    record = ConsumerRecord("unionfed.x", 1, 4, 0, 0, None, b"raw", None, 0, 3, [("foo", b"bar")])
    line = dl.format_dead_letter_line(_stored(DeadLetter(record, "EnvelopeError: not a CloudEvent")))
    assert "unionfed.x 1/4  (not a CloudEvent)  -  attempts=0  reason: EnvelopeError" in line


def test_a_header_that_is_not_utf8_does_not_break_the_line() -> None:
    record = ConsumerRecord("unionfed.x", 0, 1, 0, 0, None, b"{}", None, 0, 2, [("ce_id", b"\xff")])
    letter = _stored(DeadLetter(record, "UnicodeDecodeError: ..."))
    assert letter.envelope is None and "(not a CloudEvent)" in dl.format_dead_letter_line(letter)
    assert letter.original_headers == [("ce_id", b"\xff")]


def test_plan_filters_dedupes_and_leaves_out_what_was_replayed() -> None:
    topic = "unionfed.d.xuhui.membership.events"
    joined = _record(topic, 0, 1)
    letters = [
        _stored(DeadLetter(joined, "first"), offset=0),
        _stored(DeadLetter(_record(topic, 0, 2, ce_type=LEFT), "left"), offset=1),
        _stored(DeadLetter(joined, "again"), offset=2),  # the same event dead-lettered twice
        _stored(DeadLetter(_record(topic, 0, 3), "replayed"), offset=3),
    ]
    plan = plan_replay(letters, replayed=["g/0/3"], types=["memberjoined"])
    assert [d.reason for d in plan.replay] == ["first"]
    assert [(d.reason, first.reason) for d, first in plan.same_event] == [("again", "first")]
    assert (plan.filtered_out, plan.already_replayed) == (1, 1)
    everything = plan_replay(letters)
    assert [d.reason for d in everything.replay] == ["first", "left", "replayed"]
    assert letter_key(letters[1]) == "g/0/1"


def test_producer_idempotence_follows_the_bootstrap() -> None:
    assert dl.producer_idempotence({}) is False  # the embedded Tansu
    assert dl.producer_idempotence({"KAFKA_BOOTSTRAP_SERVERS": "k:9092"}) is True
    assert (
        dl.producer_idempotence({"KAFKA_BOOTSTRAP_SERVERS": "k:9092", "KAFKA_ENABLE_IDEMPOTENCE": "false"})
        is False
    )
    assert dl.producer_idempotence({"KAFKA_ENABLE_IDEMPOTENCE": "true"}) is True


def test_summary_text() -> None:
    s = dl.ReplaySummary(
        "g", read=6, planned=2, replayed=2, filtered_out=2, duplicates=1, already_replayed=1, dry_run=False
    )
    assert dl.format_summary(s) == (
        "replayed 2 dead letter(s) of g to unionfed.retry.g (6 read, 1 replayed before, "
        "2 filtered out by --type, 1 duplicate(s) of an event already in this run)"
    )
    assert dl.operator({"USER": "li.wei"}) == "li.wei" and dl.operator({}) == "unknown"


# --- against the broker ----------------------------------------------------------------------


async def _setup(bootstrap: str, idempotence: bool, types: list[str]) -> tuple[str, str, list[Any]]:
    """A fresh group whose DLQ holds one dead letter per type, claimed from partitions 0 and 1
    of a fresh, still empty 2-partition original topic."""
    group = f"test.dlq{uuid.uuid4().hex[:8]}"
    original = district_events("membership", f"t{uuid.uuid4().hex[:8]}")
    await ensure_topics(bootstrap, [TopicSpec(original, 2), TopicSpec(dead_letter(group), 1)])
    records = [_record(original, i % 2, 10 + i, ce_type=t) for i, t in enumerate(types)]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=idempotence)
    await producer.start()
    try:
        await send_dead_letters(
            producer, group, [DeadLetter(r, f"{REASON} #{i}", 3) for i, r in enumerate(records)]
        )
    finally:
        await producer.stop()
    return group, original, records


async def _read_until_markers(
    bootstrap: str, idempotence: bool, topic: str, partitions: int = 2
) -> list[Any]:
    """Everything on `topic` before a marker produced now to each partition (no end offsets)."""
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=idempotence)
    await producer.start()
    try:
        for tp in tps:
            await producer.send_and_wait(topic, MARKER, partition=tp.partition)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    out: list[Any] = []
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        done: set[int] = set()
        async with asyncio.timeout(30):
            while len(done) < len(tps):
                for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                    for r in records:
                        if tp.partition in done:
                            continue
                        if r.value == MARKER:
                            done.add(tp.partition)
                        else:
                            out.append(r)
    finally:
        await consumer.stop()
    return out


def _same(replayed: list[Any], originals: list[Any]) -> None:
    got = sorted(((r.key, r.value, list(r.headers)) for r in replayed), key=repr)
    want = sorted(((r.key, r.value, list(r.headers)) for r in originals), key=repr)
    assert got == want
    assert all(not k.startswith("dlq_") for r in replayed for k, _ in r.headers)


async def test_list_and_show(kafka_bootstrap: str, kafka_idempotence: bool) -> None:
    group, original, _ = await _setup(kafka_bootstrap, kafka_idempotence, [JOINED, LEFT, JOINED])
    counts = {c.topic: c for c in await dl.count_by_group(kafka_bootstrap)}
    assert (counts[dead_letter(group)].total, counts[dead_letter(group)].unreplayed) == (3, 3)
    letters = await read_dead_letters(kafka_bootstrap, group)
    lines = [dl.format_dead_letter_line(d) for d in letters]
    assert f"{original} 1/11  MemberLeft.v1" in lines[1]
    assert all("national_id=3101**********1234" in line and NATIONAL_ID not in line for line in lines)
    assert "reason: handler error: IntegrityError: duplicate national_id 3101**********1234 #2" in lines[2]
    assert await read_dead_letters(kafka_bootstrap, "test.no-such-group") == []


def test_cli_list_and_show(
    kafka_bootstrap: str, kafka_idempotence: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unionfed_devstack._util import run_sync

    group, original, _ = run_sync(_setup(kafka_bootstrap, kafka_idempotence, [JOINED, LEFT]))
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    runner = CliRunner()
    listed = runner.invoke(app, ["dlq", "list"], env={"COLUMNS": "300"})
    assert listed.exit_code == 0, listed.output
    assert any(
        dead_letter(group) in line and line.split("\t")[2:] == ["2", "0", "2"]
        for line in listed.output.splitlines()
    )
    shown = runner.invoke(app, ["dlq", "show", group, "--limit", "1"])
    assert shown.exit_code == 0, shown.output
    assert f"{original} 1/11  MemberLeft.v1" in shown.output and "MemberJoined" not in shown.output
    assert "national_id=3101**********1234" in shown.output and NATIONAL_ID not in shown.output
    assert "1 of 2 dead letter(s)" in shown.output


async def test_replay_goes_to_the_retry_topic_once_and_is_recorded(
    kafka_bootstrap: str, kafka_idempotence: bool
) -> None:
    group, original, records = await _setup(kafka_bootstrap, kafka_idempotence, [JOINED, LEFT, JOINED])
    # The same event dead-lettered a second time (say, after an earlier replay): replayed once.
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=kafka_idempotence)
    await producer.start()
    try:
        await send_dead_letters(producer, group, [DeadLetter(records[0], "again", 1)])
    finally:
        await producer.stop()
    lines: list[str] = []
    summary = await dl.replay_dead_letters(
        kafka_bootstrap,
        group,
        types=["MemberJoined"],
        by="li.wei",
        enable_idempotence=kafka_idempotence,
        emit=lines.append,
    )
    assert (summary.read, summary.replayed, summary.filtered_out, summary.duplicates) == (4, 2, 1, 1)
    assert len(lines) == 2 and all(line.startswith("replay") for line in lines)
    retry_topic = retry(group)
    _same(
        await _read_until_markers(kafka_bootstrap, kafka_idempotence, retry_topic, 1),
        [records[0], records[2]],
    )
    assert await _read_until_markers(kafka_bootstrap, kafka_idempotence, original) == [], "not the original"

    replays = {k: v for k, v in (await read_replays(kafka_bootstrap)).items() if v["group"] == group}
    assert sorted(replays) == [f"{group}/0/0", f"{group}/0/2", f"{group}/0/3"], (
        "the duplicate is recorded too"
    )
    assert {v["by"] for v in replays.values()} == {"li.wei"}
    assert all(v["retry_topic"] == retry_topic and v["at"] for v in replays.values())
    assert replays[f"{group}/0/3"]["same_event_as"] == f"{group}/0/0"

    again = await dl.replay_dead_letters(
        kafka_bootstrap, group, types=["MemberJoined"], enable_idempotence=kafka_idempotence
    )
    assert (again.replayed, again.already_replayed, again.filtered_out) == (0, 3, 1), (
        "nothing the second time"
    )
    still = await _read_until_markers(kafka_bootstrap, kafka_idempotence, retry_topic, 1)
    _same(still, [records[0], records[2]])  # the first run's two, nothing more
    counts = {c.group: c for c in await dl.count_by_group(kafka_bootstrap)}
    assert (counts[group].total, counts[group].replayed, counts[group].unreplayed) == (4, 3, 1)


async def test_dry_run_and_a_no_publish_nothing(kafka_bootstrap: str, kafka_idempotence: bool) -> None:
    group, _original, _ = await _setup(kafka_bootstrap, kafka_idempotence, [JOINED, LEFT])
    lines: list[str] = []
    summary = await dl.replay_dead_letters(
        kafka_bootstrap, group, dry_run=True, enable_idempotence=kafka_idempotence, emit=lines.append
    )
    assert (summary.planned, summary.replayed) == (2, 0) and all(line.startswith("would") for line in lines)
    assert "dry run: 2 dead letter(s)" in dl.format_summary(summary)
    refused = await dl.replay_dead_letters(
        kafka_bootstrap, group, enable_idempotence=kafka_idempotence, confirm=lambda _n: False
    )
    assert refused.cancelled and refused.replayed == 0
    assert retry(group) not in await list_topics(kafka_bootstrap), "nothing was published"
    assert not [v for v in (await read_replays(kafka_bootstrap)).values() if v["group"] == group]


def test_cli_replay_with_yes(
    kafka_bootstrap: str, kafka_idempotence: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unionfed_devstack._util import run_sync

    group, _original, records = run_sync(_setup(kafka_bootstrap, kafka_idempotence, [JOINED, LEFT]))
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    monkeypatch.setenv("KAFKA_ENABLE_IDEMPOTENCE", str(kafka_idempotence).lower())
    runner = CliRunner()
    declined = runner.invoke(app, ["dlq", "replay", group], input="n\n")
    assert declined.exit_code == 1 and "Replay 2 dead letter(s)" in declined.output
    assert "cancelled: nothing replayed" in declined.output
    result = runner.invoke(app, ["dlq", "replay", group, "--yes", "--by", "li.wei", "--reason", "fix 1.4.2"])
    assert result.exit_code == 0, result.output
    assert f"replayed 2 dead letter(s) of {group} to {retry(group)} (2 read)" in result.output
    assert NATIONAL_ID not in result.output
    _same(run_sync(_read_until_markers(kafka_bootstrap, kafka_idempotence, retry(group), 1)), records)
    recorded = [v for v in run_sync(read_replays(kafka_bootstrap)).values() if v["group"] == group]
    assert {(v["by"], v["reason"]) for v in recorded} == {("li.wei", "fix 1.4.2")}
    listed = runner.invoke(app, ["dlq", "list"], env={"COLUMNS": "300"})
    row = next(line for line in listed.output.splitlines() if dead_letter(group) in line)
    assert row.split("\t")[2:] == ["2", "2", "0"]
