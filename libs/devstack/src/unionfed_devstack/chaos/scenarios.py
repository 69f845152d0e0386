"""The scenarios: load + one fault each, then the oracle's verdict as one table row."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from unionfed_events import topics

from .load import SYSTEM, HttpLoad, HttpWrite, KafkaInput, KafkaLoad, http_inputs, kafka_inputs
from .oracle import read_topic, wait_for_members
from .platform import DISTRICT, ChaosPlatform
from .poison import DEAD_LETTERED, poison_inputs
from .verdict import Row, judge, wait_for_dead_letters


@dataclass(frozen=True)
class Scale:
    """How big each scenario is; `make chaos` uses the defaults, `make test` `Scale.small()`."""

    requests: int = 10_000
    http_writes: int = 600
    per_second: float = 400.0  # registration requests published per second
    kills: int = 4
    pg_outage: float = 30.0
    storm_seconds: float = 40.0
    storm_period: float = 4.0
    poison: int = 1_000
    poison_failing: int = 100  # the slow kind: each costs the consumer its retries
    poison_valid: int = 3_000
    broker_requests: int = 500
    idle_timeout: float = 90.0  # give up waiting when no new effect appeared for this long

    @classmethod
    def small(cls) -> Scale:
        """What `make test` runs: every fault once, in well under two minutes."""
        return cls(
            requests=200,
            http_writes=12,
            per_second=100.0,
            kills=1,
            pg_outage=4.0,
            storm_seconds=8.0,
            storm_period=3.0,
            poison=30,
            poison_failing=3,
            poison_valid=100,
            broker_requests=30,
            idle_timeout=45.0,
        )


Log = Callable[[str], None]


async def kill_membership(platform: ChaosPlatform, scale: Scale, rng: random.Random, log: Log) -> Row:
    """kill -9 of the membership process at random moments under Kafka and HTTP load."""
    scenario = "kill"
    k_in, h_in = _inputs(platform, scenario, scale.requests, scale.http_writes, first_person=1_000_000)
    load_seconds = scale.requests / scale.per_second
    moments = sorted(rng.uniform(1.0, load_seconds) for _ in range(scale.kills))
    recoveries: list[float] = []

    async def faults() -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        for moment in moments:
            await asyncio.sleep(max(0.0, started + moment - loop.time()))
            restarts = platform.restarts
            platform.kill_service()
            killed = time.monotonic()
            log(f"kill: membership killed at {loop.time() - started:.1f}s")
            await asyncio.to_thread(_wait, platform.restarted_since, restarts, 120)
            await asyncio.to_thread(platform.wait_ready)
            recoveries.append(time.monotonic() - killed)

    row, http = await _run_load(platform, scenario, k_in, h_in, scale, faults(), log)
    row.recover_seconds = max(recoveries, default=None)
    row.notes.append(f"{len(recoveries)} kills, {platform.restarts} restarts so far")
    return await judge(platform, row, k_in, h_in, http, scale.idle_timeout)


async def postgres_outage(platform: ChaosPlatform, scale: Scale, rng: random.Random, log: Log) -> Row:
    """PostgreSQL stopped for `pg_outage` seconds in the middle of the load."""
    scenario = "pg"
    count = max(1, int(scale.requests / 2))
    k_in, h_in = _inputs(platform, scenario, count, scale.http_writes, first_person=3_000_000)
    per_second = count / (scale.pg_outage * 2)
    timing = dataclasses.replace(scale, per_second=per_second)
    recover: list[float] = []

    async def faults() -> None:
        await asyncio.sleep(scale.pg_outage / 2)
        log(f"pg: stopping PostgreSQL for {scale.pg_outage:.0f}s")
        await asyncio.to_thread(platform.stop_postgres)
        await asyncio.sleep(scale.pg_outage)
        await asyncio.to_thread(platform.start_postgres)
        back = time.monotonic()
        log("pg: PostgreSQL started again")
        await asyncio.to_thread(platform.wait_ready, 180)
        recover.append(time.monotonic() - back)

    row, http = await _run_load(platform, scenario, k_in, h_in, timing, faults(), log)
    row.recover_seconds = recover[0] if recover else None
    row.notes.append(f"{platform.restarts} restarts so far")
    return await judge(platform, row, k_in, h_in, http, scale.idle_timeout)


async def rebalance_storm(platform: ChaosPlatform, scale: Scale, rng: random.Random, log: Log) -> Row:
    """More instances of the service join and leave the consumer group every few seconds."""
    scenario = "storm"
    count = max(1, scale.requests // 2)
    k_in, h_in = _inputs(platform, scenario, count, scale.http_writes // 2, first_person=5_000_000)
    timing = dataclasses.replace(scale, per_second=count / scale.storm_seconds)  # load spans the storm
    changes, ready_when_left = 0, 0

    async def leave(hard: bool) -> None:
        nonlocal changes, ready_when_left
        proc = platform.extras[0]
        ready_when_left += platform.is_ready(proc.spec)
        await asyncio.to_thread(platform.stop_extra_instance, proc, hard=hard)
        changes += 1

    async def faults() -> None:
        # Every few seconds one instance starts or one leaves (SIGTERM or kill -9), whether or not
        # it finished starting: a crash during start-up is part of the storm.
        nonlocal changes
        loop = asyncio.get_running_loop()
        end = loop.time() + scale.storm_seconds
        while loop.time() < end:
            if len(platform.extras) < 2:
                platform.start_extra_instance()
                changes += 1
            else:
                await leave(hard=rng.random() < 0.5)
            await asyncio.sleep(scale.storm_period * rng.uniform(0.5, 1.5))
        if platform.extras:  # at least one instance surely joins the group before it leaves
            await asyncio.to_thread(platform.extras[-1].wait_ready, 120)
        while platform.extras:
            await leave(hard=False)
        log(f"storm: {changes} joins/leaves, {ready_when_left} instances were serving when they left")

    row, http = await _run_load(platform, scenario, k_in, h_in, timing, faults(), log)
    row.notes.append(f"{changes} joins/leaves; {ready_when_left} instances were serving when they left")
    return await judge(platform, row, k_in, h_in, http, scale.idle_timeout)


async def poison_flood(platform: ChaosPlatform, scale: Scale, rng: random.Random, log: Log) -> Row:
    """Poison records (malformed, wrong version, failing) shuffled into a valid stream."""
    scenario = "poison"
    k_in = kafka_inputs(scenario, DISTRICT, platform.branches, scale.poison_valid, 7_000_000)
    poison = poison_inputs(
        scenario, DISTRICT, platform.branches[0], scale.poison, 8_000_000, scale.poison_failing
    )
    records = [i.record for i in k_in] + [p.record for p in poison]
    rng.shuffle(records)
    async with KafkaLoad(platform.bootstrap) as kafka:
        await kafka.send(records, scale.per_second)
    poison_keys = {p.key for p in poison if DEAD_LETTERED[p.kind]}
    row = Row(scenario, events_in=len(k_in) + len(poison_keys), dead_letters_expected=len(poison_keys))
    row = await judge(
        platform, row, k_in, [], None, scale.idle_timeout, end_of_load=asyncio.get_running_loop().time()
    )
    letters = await wait_for_dead_letters(platform, f"chaos-{scenario}-", poison_keys, scale.idle_timeout)
    per_key = {key: len(ids) for key, ids in letters.by_key.items()}
    row.dead_lettered = sum(per_key.get(k, 0) for k in poison_keys)
    missing = [k for k in poison_keys if k not in per_key]
    twice = [k for k in poison_keys if per_key.get(k, 0) > 1]
    wrong = [k for k in per_key if k not in poison_keys]  # a valid record, or a kind to skip
    if missing or twice or wrong:
        row.notes.append(
            f"FAIL dead letters: {len(missing)} poison missing, {len(twice)} more than once, "
            f"{len(wrong)} records dead-lettered that should not be"
        )
    skipped = len(poison) - len(poison_keys)
    if skipped:
        row.notes.append(f"{skipped} poison records of kinds to skip (not counted in events in)")
    applied = await _poison_effects(platform, scenario)
    if applied:
        row.notes.append(f"FAIL {applied} poison records had an effect (a member row)")
    kinds: dict[str, int] = {}
    for p in poison:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    row.notes.append("poison " + ", ".join(f"{k} {n}" for k, n in kinds.items()))
    return row


async def broker_restart(platform: ChaosPlatform, scale: Scale, rng: random.Random, log: Log) -> Row:
    """kill -9 of the embedded broker, then what `unionfed run` does: restart it, re-create the
    topics. Checked: HTTP writes made while it was down reach the new broker (outbox), requests
    sent after the restart are answered (consumers rejoined). Known loss: what the old broker held."""
    scenario = "broker"
    before, _ = _inputs(platform, scenario + "a", scale.broker_requests, 0, first_person=9_000_000)
    after, _ = _inputs(platform, scenario, scale.broker_requests, 0, first_person=9_100_000)
    _, during = _inputs(platform, scenario, 0, max(4, scale.http_writes // 4), first_person=9_200_000)
    async with KafkaLoad(platform.bootstrap) as kafka:
        await kafka.send([i.record for i in before], scale.per_second)
    answered_before, _ = await wait_for_members(
        platform, scenario + "a", len(before), idle_timeout=scale.idle_timeout
    )
    log(f"broker: {len(answered_before.members)} registrations applied; killing the broker")
    platform.kill_broker()
    http = _http(platform, scale, log)
    await http.run(during)  # the service commits; its outbox cannot publish
    pending = await _outbox_rows(platform)
    log(f"broker: {len(during)} HTTP writes answered while it was down, {pending} outbox rows pending")
    revived = time.monotonic()
    platform.revive_broker()  # blocks the loop a second; nothing else runs now
    async with KafkaLoad(platform.bootstrap) as kafka:
        await kafka.send([i.record for i in after], scale.per_second)
        end = asyncio.get_running_loop().time()
        first, _ = await wait_for_members(
            platform, scenario, 1 + len(during), idle_timeout=scale.idle_timeout
        )
    # Recovered: a request sent to the new broker has been applied.
    recovered = time.monotonic() - revived if len(first.members) > len(during) else None
    row = Row(scenario, events_in=len(after) + len(during))
    row = await judge(platform, row, after, during, http, scale.idle_timeout, end_of_load=end)
    row.recover_seconds = recovered
    lost_replies = await read_topic(
        platform.bootstrap, topics.system_replies("membership", DISTRICT, SYSTEM), f"chaos-{scenario}a-"
    )
    row.notes.append(f"{pending} outbox rows were waiting for the new broker")
    row.notes.append(
        f"before the restart: {len(answered_before.members)}/{len(before)} applied, "
        f"{len(lost_replies.by_key)} of their answers left on the new broker (the rest went with its memory)"
    )
    return row


SCENARIOS: dict[str, Callable[[ChaosPlatform, Scale, random.Random, Log], Coroutine[Any, Any, Row]]] = {
    "kill": kill_membership,
    "pg": postgres_outage,
    "storm": rebalance_storm,
    "poison": poison_flood,
    "broker": broker_restart,
}
SCENARIO_TITLES = {
    "kill": "kill -9 membership",
    "pg": "PostgreSQL down",
    "storm": "rebalance storm",
    "poison": "poison flood",
    "broker": "broker restart",
}


# -- shared steps ------------------------------------------------------------------------------


def _inputs(
    platform: ChaosPlatform, scenario: str, kafka_count: int, http_count: int, *, first_person: int
) -> tuple[list[KafkaInput], list[HttpWrite]]:
    k_in = kafka_inputs(scenario, DISTRICT, platform.branches, kafka_count, first_person)
    h_in = http_inputs(scenario, platform.branches, http_count, first_person + 500_000)
    return k_in, h_in


def _http(platform: ChaosPlatform, scale: Scale, log: Log, per_second: float = 50.0) -> HttpLoad:
    return HttpLoad(platform.url, platform.token, per_second=per_second, log=log)


async def _run_load(
    platform: ChaosPlatform,
    scenario: str,
    k_in: list[KafkaInput],
    h_in: list[HttpWrite],
    scale: Scale,
    faults: Awaitable[None],
    log: Log,
) -> tuple[Row, HttpLoad]:
    """Kafka requests at `per_second` and HTTP writes over the same time, with `faults` alongside."""
    load_seconds = max(1.0, len(k_in) / scale.per_second)
    http = _http(platform, scale, log, per_second=max(1.0, len(h_in) / load_seconds))
    async with KafkaLoad(platform.bootstrap) as kafka:
        await asyncio.gather(kafka.send([i.record for i in k_in], scale.per_second), http.run(h_in), faults)
    log(f"{scenario}: load sent ({len(k_in)} requests, {len(h_in)} HTTP writes)")
    return Row(scenario, events_in=len(k_in) + len(h_in)), http


async def _poison_effects(platform: ChaosPlatform, scenario: str) -> int:
    conn = await platform.connect_db()
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM members WHERE employer LIKE $1", f"poison chaos-{scenario}-%"
            )
        )
    finally:
        await conn.close()


async def _outbox_rows(platform: ChaosPlatform) -> int:
    conn = await platform.connect_db()
    try:
        return int(await conn.fetchval("SELECT count(*) FROM outbox"))
    finally:
        await conn.close()


def _wait(check: Callable[[int], bool], arg: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check(arg):
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.05)
