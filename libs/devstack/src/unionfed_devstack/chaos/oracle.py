"""The oracle: what each input should have caused, and what the platform actually did.

Effects are read where a user would read them: member rows in the service's database (found by
the input's employer marker), `MemberJoined` on the district's events topic, answers on the
replies topic, dead letters on `unionfed.dlq.membership-registrations`."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition

from .platform import ChaosPlatform


@dataclass
class Effects:
    members: dict[str, list[str]]  # employer marker -> member ids (more than one is a duplicate)


async def read_members(platform: ChaosPlatform, scenario: str) -> Effects:
    conn = await platform.connect_db()
    try:
        rows = await conn.fetch(
            "SELECT employer, member_id FROM members WHERE employer LIKE $1", f"chaos {scenario} %"
        )
    finally:
        await conn.close()
    members: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        members[row["employer"]].append(str(row["member_id"]))
    return Effects(dict(members))


async def wait_for_members(
    platform: ChaosPlatform, scenario: str, expected: int, *, idle_timeout: float
) -> tuple[Effects, float]:
    """Poll until `expected` inputs have an effect, or nothing new appeared for `idle_timeout`
    seconds; returns the effects and when the last one appeared (loop time)."""
    loop = asyncio.get_running_loop()
    last_change, last_count = loop.time(), -1
    effects = Effects({})
    while True:
        try:
            effects = await read_members(platform, scenario)
        except (TimeoutError, OSError, Exception) as exc:  # database restarting
            if not _is_connection_error(exc):
                raise
        count = len(effects.members)
        if count != last_count:
            last_change, last_count = loop.time(), count
        if count >= expected or loop.time() - last_change > idle_timeout:
            return effects, last_change
        await asyncio.sleep(0.5)


def _is_connection_error(exc: BaseException) -> bool:
    import asyncpg

    return isinstance(
        exc, OSError | asyncio.TimeoutError | asyncpg.CannotConnectNowError | asyncpg.PostgresConnectionError
    )


@dataclass
class TopicRecords:
    """Records of one topic read from the beginning: per key, the ce_ids (or None) seen."""

    by_key: dict[str, list[str | None]] = field(default_factory=dict)
    headers_by_key: dict[str, list[dict[str, bytes]]] = field(default_factory=dict)


async def read_topic(
    bootstrap: str, topic: str, key_prefix: str, *, idle: float = 3.0, expect: set[str] | None = None
) -> TopicRecords:
    """Everything on `topic` whose key starts with `key_prefix`, until `idle` seconds bring
    nothing new (end offsets are not trusted on Tansu), or as soon as every key of `expect` was
    seen: a second event for a key arriving later is then missed here, but a second effect
    would still show in the database (one member per input is checked there)."""
    # No consumer group: partitions assigned by hand, so no join and rebalance per read.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    out = TopicRecords()
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer.topics()  # metadata refresh
            partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:  # not created yet (e.g. the relay re-creates it after a broker restart)
            return out
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
        await consumer.seek_to_beginning()
        loop = asyncio.get_running_loop()
        last = loop.time()
        while loop.time() - last < idle and not (expect and expect <= out.by_key.keys()):
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            for records in batches.values():
                last = loop.time()
                for r in records:
                    key = (r.key or b"").decode(errors="replace")
                    if not key.startswith(key_prefix):
                        continue
                    headers = {k: v for k, v in r.headers}
                    ce_id = headers.get("ce_id")
                    out.by_key.setdefault(key, []).append(ce_id.decode() if ce_id else None)
                    out.headers_by_key.setdefault(key, []).append(headers)
    finally:
        await consumer.stop()
    return out


def distinct_extra(values: list[str | None]) -> int:
    """How many distinct events beyond the first (a re-send of the same ce_id is not a duplicate)."""
    return max(0, len(set(values)) - 1)


async def read_until_complete(
    bootstrap: str, topic: str, key_prefix: str, expect: set[str], *, idle_timeout: float
) -> TopicRecords:
    """`read_topic` again until every key of `expect` is there, or `idle_timeout` seconds brought
    no new key: the relay may still be backing off from a broker error when a read ends."""
    loop = asyncio.get_running_loop()
    last_count, last_change = -1, loop.time()
    while True:
        records = await read_topic(bootstrap, topic, key_prefix, expect=expect)
        count = len(expect & records.by_key.keys())
        if count == len(expect):
            return records
        if count != last_count:
            last_count, last_change = count, loop.time()
        elif loop.time() - last_change > idle_timeout:
            return records
        await asyncio.sleep(1)
