"""Helpers for tests written against the devstack fixtures."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from unionfed_chassis.auth import issue_token
from unionfed_chassis.consumer import EventConsumer
from unionfed_chassis.consumer_scope import FEDERATION
from unionfed_chassis.settings import ServiceSettings
from unionfed_events import topics

from .broker import list_topics


async def wait_for(
    predicate: Callable[[], Any | Awaitable[Any]],
    timeout: float = 30,  # noqa: ASYNC109 - the documented test API; asyncio.timeout reads worse here
    interval: float = 0.05,
) -> Any:
    """Poll `predicate` (sync or async) until it returns something truthy; return that value.

    Raises TimeoutError naming the predicate, so an eventually-consistent assertion fails readably.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() >= deadline:
            name = getattr(predicate, "__qualname__", repr(predicate))
            raise TimeoutError(f"{name} still false after {timeout}s (last value: {result!r})")
        await asyncio.sleep(interval)


@dataclass
class Record:
    topic: str
    key: bytes | None
    headers: dict[str, str]
    value: bytes

    @property
    def type(self) -> str:
        return self.headers.get("ce_type", "").split(".")[-2]

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.value)


@dataclass
class EventReader:
    """A plain aiokafka consumer (own group) collecting everything from the given topics."""

    bootstrap: str
    topic_names: list[str]
    records: list[Record] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            *self.topic_names,
            bootstrap_servers=self.bootstrap,
            group_id=f"test-reader-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await self._consumer.start()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            batches = await self._consumer.getmany(timeout_ms=200, max_records=5000)
            for batch in batches.values():
                for r in batch:
                    headers = {k: v.decode() for k, v in r.headers}
                    self.records.append(Record(r.topic, r.key, headers, r.value))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer:
            await self._consumer.stop()

    def of(self, type_: str, **data: Any) -> list[Record]:
        return [
            r for r in self.records if r.type == type_ and all(r.data.get(k) == v for k, v in data.items())
        ]

    async def wait(self, type_: str, count: int = 1, within: float = 30, **data: Any) -> list[Record]:
        await wait_for(lambda: len(self.of(type_, **data)) >= count, timeout=within)
        return self.of(type_, **data)


def bearer(
    settings: ServiceSettings,
    role: str,
    district: str | None = None,
    branch: str | None = None,
    *,
    subject: str,
) -> dict[str, str]:
    """Authorization header of a development token for the service of `settings` (its secret and
    audience): the one way service tests mint tokens."""
    assert settings.jwt_secret is not None, "development settings have a JWT secret"
    jwt = issue_token(
        settings.jwt_secret,
        role=role,
        subject=subject,
        audience=settings.jwt_audience,
        district=district,
        branch=branch,
    )
    return {"Authorization": f"Bearer {jwt}"}


class OfficerTokens:
    """Tokens of a service's test kit (a dataclass with `settings`): `svc.admin`,
    `svc.district_officer(d)`, `svc.branch_officer(d, b)`, each subject named after its unit, and
    `svc.member_token(member_id)`."""

    settings: ServiceSettings

    def token(
        self, role: str, district: str | None = None, branch: str | None = None, *, subject: str = "officer-1"
    ) -> dict[str, str]:
        """Authorization header of a development token for this service."""
        return bearer(self.settings, role, district, branch, subject=subject)

    @property
    def admin(self) -> dict[str, str]:
        return self.token("federation_admin", subject="fed-admin")

    def district_officer(self, district: str) -> dict[str, str]:
        return self.token("district_officer", district=district, subject=f"do-{district}")

    def branch_officer(self, district: str, branch: str) -> dict[str, str]:
        return self.token("branch_officer", district=district, branch=branch, subject=f"bo-{branch}")

    def member_token(self, member_id: object) -> dict[str, str]:
        """A member's token (notifications' inbox and preferences): the subject is their id. Not
        `member()`: the service kits' `member(district, branch)` makes a member join."""
        return self.token("member", subject=str(member_id))


def consumer_districts_of(districts: Iterable[str]) -> str:
    """`CONSUMER_DISTRICTS` of a test's service: its own districts and the federation topics.

    Committing other districts' topics at their end (`skip_other_districts`) covers the topics
    that exist when the service starts; the pattern subscription would still find the districts
    that other pytest workers create later, and a group new to a topic reads it from its start:
    another test's audience chunk whose launch never came was dead-lettered by this test's group.
    Narrowed to its districts, a service reads only what its test publishes (and `fed`, which
    `skip_other_districts` starts at its end)."""
    return ",".join([*districts, FEDERATION])


async def skip_other_districts(
    bootstrap: str, consumers: Iterable[EventConsumer], districts: list[str]
) -> None:
    """Commit the groups of the pattern-subscribed `consumers` at the current end of every matching
    topic outside `districts`, before the service starts, so it reads its own districts only.

    Every test file of a pytest worker shares one broker, and a pattern subscription matches the
    districts of every earlier test (the 12,500 MemberJoined of membership's bulk import, say). A
    group new to those topics would read them all from the start, as a new group in production
    rightly does to rebuild its view, before the record a test waits for: tens of seconds on a
    busy machine, more the more tests ran before. The test's own districts keep no committed
    offset, so they are read from their start as in production.

    Tansu reports the end of a partition whose last write was a batch of several records short
    of that batch: the group then reads that last batch (about 650 records after the bulk
    import), which costs a fraction of a second and changes nothing the test looks at.

    The groups must have no members, i.e. names of the test's own: a group with members refuses
    offsets committed from outside it (UnknownMemberIdError), and on Tansu a stopped app's
    member stays in its group until its session times out."""
    own = tuple(topics.district_prefix(d) for d in districts)
    names = await list_topics(bootstrap)
    for consumer in consumers:
        if consumer.pattern is None:
            # The contact-points topic belongs to no district: every earlier test's records (10,000
            # of a bulk import) are foreign. A test publishes its own after the service started.
            shared = [n for n in consumer.topics if n == topics.CONTACT_POINTS and n in names]
            if shared:
                await _commit_at_end(bootstrap, consumer.name, shared)
            continue
        pattern = re.compile(consumer.scope.narrow(consumer.pattern))
        foreign = [n for n in names if pattern.match(n) and not n.startswith(own)]
        if foreign:
            await _commit_at_end(bootstrap, consumer.name, foreign)


async def _commit_at_end(bootstrap: str, group: str, topic_names: list[str]) -> None:
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await reader.start()
    try:
        await reader.topics()  # loads the partitions of every topic
        partitions = [
            TopicPartition(name, p) for name in topic_names for p in reader.partitions_for_topic(name) or ()
        ]
        reader.assign(partitions)  # assigned, not subscribed: commits without joining the group
        await reader.commit(await reader.end_offsets(partitions))
    finally:
        await reader.stop()
