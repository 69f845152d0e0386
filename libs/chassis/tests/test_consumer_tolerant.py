"""Tolerant readers over the real broker: a v1 consumer accepts what a newer compatible producer
sends (extra fields, new enum values, any non-empty ce_id) and skips a v2 beside it."""

from __future__ import annotations

import dataclasses
import json

from prometheus_client import REGISTRY
from unionfed_devstack.testing import wait_for
from unionfed_events import Envelope, is_known, topics
from unionfed_events.membership import BranchEstablished, BranchKind

SOURCE = "/branch-systems/xuhui/b012"
V2 = "org.unionfed.membership.BranchEstablished.v2"


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_v1_consumer_reads_newer_compatible_events_and_skips_v2(
    db, kafka, runtimes, make_consumer, make_event, district, group, counts
) -> None:
    topic = topics.district_events("membership", district)
    dlq = topics.dead_letter(group)
    await kafka.create_topics(topic)
    await kafka.create_topics(dlq, partitions=1)

    def env(branch: str, **extra: object) -> Envelope:
        envelope = Envelope.wrap(make_event(branch, district), source=SOURCE, district=district)
        data = {**json.loads(envelope.data), **extra}
        return envelope.with_data(json.dumps(data).encode())

    extra_field = env("b-extra", charter_url="https://example.org/charter", members_expected=40)
    new_enum = env("b-coop", kind="cooperative")
    foreign_id = dataclasses.replace(env("b-foreign"), id="req-000042")
    # Another branch system's own numbering: the same ce_id from another source is another event.
    same_id_elsewhere = dataclasses.replace(
        env("b-elsewhere"), id="req-000042", source="/branch-systems/xuhui/b099"
    )
    v2 = dataclasses.replace(env("b-v2", kind="enterprise", legal_form="llc"), type=V2)
    plain = env("b-plain")
    for envelope in (extra_field, new_enum, foreign_id, foreign_id, same_id_elsewhere, v2, plain):
        await kafka.produce_envelope(topic, envelope, partition=0)

    consumer = make_consumer(group, [topic])
    async with kafka.tap(dlq, partitions=1) as tap:
        await runtimes(db, [consumer])
        await wait_for(lambda: _applied(consumer, plain.id), timeout=30)
        letters = await kafka.drain(tap)

    assert letters == [], "nothing compatible is a dead letter"
    assert await counts(db, group) == (5, 4), "two events share the id req-000042"
    seen = {(d.envelope.source, d.envelope.id): d for d in consumer.seen}
    expected = [extra_field, new_enum, foreign_id, same_id_elsewhere, plain]
    assert sorted(seen) == sorted((e.source, e.id) for e in expected), "the v1 handler saw each once"
    seen_by_id = {d.envelope.id: d for d in consumer.seen}
    assert all(isinstance(d.event, BranchEstablished) for d in seen.values())
    assert not hasattr(seen_by_id[extra_field.id].event, "charter_url")
    kind = seen_by_id[new_enum.id].event.kind
    assert isinstance(kind, BranchKind) and kind.value == "cooperative" and not is_known(kind)
    assert is_known(seen_by_id[plain.id].event.kind)
    inbox = {r.event_id for r in await db.rows("SELECT event_id FROM inbox WHERE consumer = :c", c=group)}
    assert {"/branch-systems/xuhui/b012 req-000042", "/branch-systems/xuhui/b099 req-000042"} <= inbox
    assert consumer.calls["req-000042"] == 2, "once per source: the duplicate from b012 was skipped"
    assert metric("unionfed_events_skipped_total", consumer=group, type=V2) == 1
    assert metric("unionfed_events_dead_lettered_total", consumer=group) == 0


def _applied(consumer, event_id: str) -> bool:  # type: ignore[no-untyped-def]
    return consumer.calls[event_id] > 0
