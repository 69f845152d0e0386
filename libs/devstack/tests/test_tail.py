from __future__ import annotations

import json

from unionfed_devstack.tail import format_event_line
from unionfed_events.display import mask, matches, short_type
from unionfed_events.envelope import Envelope

CE_TYPE = "org.unionfed.membership.MemberJoined.v1"


def _record(data: dict[str, object], **attrs: object) -> tuple[list[tuple[str, bytes]], bytes]:
    envelope = Envelope(
        source="/membership", type=str(attrs.pop("type", CE_TYPE)), data=json.dumps(data).encode(), **attrs
    )
    return envelope.headers(), envelope.data


def test_short_type() -> None:
    assert short_type(CE_TYPE) == "MemberJoined.v1"
    assert short_type("weird") == "weird"


def test_mask() -> None:
    assert mask("national_id", "310101199001011234") == "3101**********1234"
    assert mask("phone", "13812345678") == "138****5678"
    assert mask("contact_phone", "1234567") == "*******"
    assert mask("name", "Li Wei") == "Li Wei"


def test_line_masks_personal_fields_and_shows_attributes() -> None:
    headers, value = _record(
        {"member_id": "m-1", "national_id": "310101199001011234", "phone": "13812345678", "branch_id": "b-7"},
        subject="m-1",
        district="xuhui",
    )
    line = format_event_line("unionfed.d.xuhui.membership.events", 0, 5, headers, value)
    assert "MemberJoined.v1" in line and "xuhui" in line and "m-1" in line
    assert "national_id=3101**********1234" in line
    assert "phone=138****5678" in line
    assert "310101199001011234" not in line and "13812345678" not in line


def test_line_for_unknown_type_and_odd_data() -> None:
    headers, value = _record(
        {"big": "x" * 100, "nested": {"a": 1}, "n": 3, "ok": True, "a": "1", "b": "2"},
        type="org.unionfed.membership.Nope.v9",
    )
    line = format_event_line("unionfed.fed.membership.events", 1, 2, headers, value)
    assert "Nope.v9" in line and "(unknown type)" in line
    assert "n=3 ok=true a=1 b=2" in line and "big=" not in line and "nested" not in line
    env = Envelope(source="/x", type=CE_TYPE, data=b"not json")
    assert "(data is not JSON)" in format_event_line(
        "unionfed.fed.membership.events", 0, 0, env.headers(), env.data
    )


def test_not_a_cloudevent() -> None:
    assert (
        format_event_line("unionfed.x", 2, 9, [("foo", b"bar")], b"raw")
        == "(not a CloudEvent) unionfed.x 2/9"
    )
    assert format_event_line("unionfed.x", 0, 1, None, None) == "(not a CloudEvent) unionfed.x 0/1"


def test_filters() -> None:
    headers, value = _record({}, district="huangpu")
    env = Envelope.from_headers(headers, value)
    topic = "unionfed.d.huangpu.membership.events"
    assert matches(env, topic)
    assert matches(env, topic, types=["memberjoined"]) and matches(env, topic, types=["MemberJoined.v1"])
    assert not matches(env, topic, types=["MemberLeft"])
    assert matches(env, topic, districts=["huangpu"]) and not matches(env, topic, districts=["xuhui"])
    assert matches(None, topic, districts=["huangpu"]) and not matches(None, topic, types=["X"])


async def test_tail_events_reads_the_broker(kafka_bootstrap: str, kafka_idempotence: bool) -> None:
    import uuid

    from aiokafka import AIOKafkaProducer
    from unionfed_devstack.broker import ensure_topics
    from unionfed_devstack.tail import tail_events
    from unionfed_events.topics import TopicSpec, district_events

    district = f"t{uuid.uuid4().hex[:8]}"
    topic = district_events("membership", district)
    await ensure_topics(kafka_bootstrap, [TopicSpec(topic, 1)])
    headers, value = _record({"member_id": "m-9", "phone": "13812345678"}, subject="m-9", district=district)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=kafka_idempotence)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"not an event")
        await producer.send_and_wait(topic, value, headers=headers)
    finally:
        await producer.stop()
    lines: list[str] = []
    printed = await tail_events(
        kafka_bootstrap, lines.append, districts=[district], from_beginning=True, limit=2
    )
    assert printed == 2
    assert lines[0] == f"(not a CloudEvent) {topic} 0/0"
    assert "m-9" in lines[1] and "phone=138****5678" in lines[1]
