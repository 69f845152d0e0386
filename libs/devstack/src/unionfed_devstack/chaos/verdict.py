"""The verdict of a scenario: its inputs against what the platform did, as one table row."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from unionfed_events import topics

from .load import SYSTEM, HttpLoad, HttpWrite, KafkaInput
from .oracle import TopicRecords, distinct_extra, read_topic, read_until_complete, wait_for_members
from .platform import DISTRICT, ChaosPlatform

DLQ_TOPIC = topics.dead_letter("membership-registrations")


@dataclass
class Row:
    scenario: str
    events_in: int = 0
    effects_out: int = 0
    duplicates: int = 0
    lost: int = 0
    dead_lettered: int = 0
    dead_letters_expected: int = 0
    recover_seconds: float | None = None  # fault over -> service ready again (longest)
    drain_seconds: float | None = None  # fault and load over -> last effect visible
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (
            self.duplicates == 0
            and self.lost == 0
            and self.effects_out == self.events_in - self.dead_letters_expected
            and self.dead_lettered == self.dead_letters_expected
            and not any(n.startswith("FAIL") for n in self.notes)
        )


async def judge(
    platform: ChaosPlatform,
    row: Row,
    k_in: list[KafkaInput],
    h_in: list[HttpWrite],
    http: HttpLoad | None,
    idle_timeout: float,
    *,
    end_of_load: float | None = None,
) -> Row:
    """Members, their MemberJoined events and the requests' answers against the inputs."""
    loop = asyncio.get_running_loop()
    end = end_of_load or loop.time()
    expected = {i.employer for i in k_in} | {h.employer for h in h_in}
    scenario = row.scenario
    effects, last_change = await wait_for_members(
        platform, scenario, len(expected), idle_timeout=idle_timeout
    )
    found = set(effects.members) & expected
    row.effects_out = len(found)
    row.lost = len(expected - found)
    row.drain_seconds = max(0.0, last_change - end)
    row.duplicates = sum(len(ids) - 1 for ids in effects.members.values())
    unexpected = set(effects.members) - expected
    if unexpected:
        row.notes.append(f"FAIL {len(unexpected)} members nobody asked for")
    await _check_events(platform, row, effects.members, found, idle_timeout)
    await _check_answers(platform, row, k_in, idle_timeout)
    if k_in:
        letters = await read_topic(platform.bootstrap, DLQ_TOPIC, f"chaos-{scenario}-k", idle=1.5)
        row.dead_lettered = sum(len(v) for v in letters.by_key.values())
        if row.dead_lettered:
            reasons = {
                h.get("dlq_reason", b"?").decode(errors="replace")[:120]
                for hs in letters.headers_by_key.values()
                for h in hs
            }
            row.notes.append(f"FAIL {row.dead_lettered} valid requests dead-lettered: {sorted(reasons)[:3]}")
    if http is not None:
        _check_http(row, h_in, http)
    return row


async def _check_events(
    platform: ChaosPlatform, row: Row, members: dict[str, list[str]], found: set[str], idle_timeout: float
) -> None:
    """Each member's MemberJoined is on the broker, once (a re-send of the same ce_id is fine)."""
    ids = {member_id for marker in found for member_id in members[marker]}
    events_topic = topics.district_events("membership", DISTRICT)
    events = await read_until_complete(platform.bootstrap, events_topic, "", ids, idle_timeout=idle_timeout)
    joined = {
        key: [
            i
            for i, h in zip(ids_, events.headers_by_key[key], strict=True)
            if b".MemberJoined." in h.get("ce_type", b"")
        ]
        for key, ids_ in events.by_key.items()
        if key in ids
    }
    missing = len(ids - {k for k, v in joined.items() if v})
    extra = sum(distinct_extra(list(v)) for v in joined.values())
    row.duplicates += extra
    if missing:
        row.lost += missing
        row.notes.append(f"FAIL {missing} members without MemberJoined on the broker")
    if extra:
        row.notes.append(f"FAIL {extra} members with MemberJoined under two event ids")


async def _check_answers(
    platform: ChaosPlatform, row: Row, k_in: list[KafkaInput], idle_timeout: float
) -> None:
    if not k_in:
        return
    prefix = k_in[0].request_id.rsplit("-k", 1)[0] + "-k"
    replies_topic = topics.system_replies("membership", DISTRICT, SYSTEM)
    replies = await read_until_complete(
        platform.bootstrap, replies_topic, prefix, {i.request_id for i in k_in}, idle_timeout=idle_timeout
    )
    unanswered = len({i.request_id for i in k_in} - set(replies.by_key))
    twice = sum(distinct_extra(v) for v in replies.by_key.values())
    if unanswered:
        row.lost += unanswered
        row.notes.append(f"FAIL {unanswered} requests without an answer")
    if twice:
        row.duplicates += twice
        row.notes.append(f"FAIL {twice} requests answered twice (different event ids)")


def _check_http(row: Row, h_in: list[HttpWrite], http: HttpLoad) -> None:
    stuck = sum(h.stuck_keys for h in h_in)
    refused = [h.status or 0 for h in h_in if h.status not in (201, 409)]
    applied = sum(1 for h in h_in if h.status == 409)
    if applied:
        row.notes.append(f"{applied} writes applied whose answer was lost (409 on retry, never run twice)")
    if stuck:
        row.notes.append(f"FAIL {stuck} Idempotency-Keys stuck 'in progress' beyond the lease")
    if refused:
        row.notes.append(f"FAIL HTTP answers other than 201/409-applied: {sorted(set(refused))}")
    if http.server_errors:
        row.notes.append(f"FAIL {http.server_errors} HTTP 500 answers (an outage must answer 503)")


async def wait_for_dead_letters(
    platform: ChaosPlatform, prefix: str, keys: set[str], idle_timeout: float
) -> TopicRecords:
    """The dead letters whose key starts with `prefix`, once every one of `keys` is there (or
    nothing new came for `idle_timeout` seconds). Read once more after a short idle, so a second
    letter for a key written in the same breath is counted too."""
    loop = asyncio.get_running_loop()
    last_count, last_change = -1, loop.time()
    while True:
        letters = await read_topic(platform.bootstrap, DLQ_TOPIC, prefix, idle=1.0, expect=keys)
        count = sum(len(v) for v in letters.by_key.values())
        if count != last_count:
            last_count, last_change = count, loop.time()
        if keys <= letters.by_key.keys():
            return await read_topic(platform.bootstrap, DLQ_TOPIC, prefix, idle=1.5)
        if loop.time() - last_change > idle_timeout:
            return letters
        await asyncio.sleep(1)
