"""Outbox relay: publishes committed outbox rows to Kafka in commit order per key.

- Wakes on NOTIFY from the outbox trigger (at commit), falls back to a slow poll.
- One active relay per database: a session advisory lock elects it; a second instance waits
  as a hot standby and takes over when the first one's connection goes away. A single leader
  keeps per-key order, which two relays sharing rows with SKIP LOCKED could not.
- Every fetch reads the oldest rows that are not in flight, so a row whose transaction committed
  after later ids were sent goes out with the very next batch (docs/architecture.md says why that
  keeps per-key order).
- Pipelined: while one batch is in flight to the broker, the next one is fetched.
- Sends one record batch per partition (`create_batch` / `send_batch`, the partitions the
  producer's key partitioner would choose): aiokafka's per-record `send` (partitioner, metadata
  lookup and accumulator per record) cost 2-3x more. A partition's rows go in id order in one batch
  and the next pass starts only after the broker answered, so a later batch cannot overtake an
  earlier one; rows that do not fit their partition's batch wait for the next pass.
- A row is deleted only after the broker acknowledged it. A row the broker refuses for good
  (record too large, topic that does not exist and is not in the registry) is parked in
  `outbox_parked` with its reason and the rest go on; any other failure backs off and starts
  again from the oldest unsent row, so nothing is dropped (a retry may repeat the events whose
  acknowledgement was lost: consumers deduplicate by event id).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTopicError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    TopicAuthorizationFailedError,
)
from aiokafka.producer.message_accumulator import BatchBuilder
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from unionfed_events.topics import spec_for

from .kafka import partition_for_key
from .metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG, OUTBOX_PARKED, RELAY_LEADER
from .tables import OUTBOX_CHANNEL
from .topic_admin import (
    INVALID_TOPIC,
    TOPIC_EXISTS,
    TOPIC_NOT_AUTHORIZED,
    UNKNOWN_TOPIC,
    TopicAdminError,
    ensure_topics,
    topic_errors,
)

log = logging.getLogger("unionfed.relay")
Row = Mapping[str, Any]  # an outbox row: asyncpg.Record from the fetch, or a dict of the same columns

BACKLOG_EVERY_SECONDS = 5.0
DEFAULT_MAX_REQUEST_SIZE = 1048576  # aiokafka's default, for a producer that does not say
FIRST_BACKOFF_SECONDS = 0.5
RELAY_LOCK_KEY = 0x756E_696F_6E66  # "unionf": the advisory lock id the relays compete for
# Every row not in flight, oldest first; the primary key index serves the order and the limit.
_FETCH = (
    "SELECT id, event_id, topic, key, header_names, header_values, payload FROM outbox"
    " WHERE id <> ALL($1::bigint[]) ORDER BY id LIMIT $2"
)
_DELETE = "DELETE FROM outbox WHERE id = ANY($1::bigint[])"
_PARK = """
WITH refused AS (SELECT * FROM unnest($1::bigint[], $2::text[]) AS r (id, reason)),
moved AS (
  DELETE FROM outbox o USING refused r WHERE o.id = r.id
  RETURNING o.id, o.event_id, o.topic, o.key, o.header_names, o.header_values, o.payload,
            o.created_at, r.reason
)
INSERT INTO outbox_parked (id, event_id, topic, key, header_names, header_values, payload, created_at, reason)
SELECT * FROM moved
"""
_COUNT = "SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM outbox_parked)"

# Failures that are about the record itself or its topic: sending it again cannot succeed.
PERMANENT_SEND_ERRORS: tuple[type[Exception], ...] = (
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    CorruptRecordException,
    InvalidTopicError,
    TopicAuthorizationFailedError,
)


class TransientSendError(RuntimeError):
    """A send failed for a reason that may pass (broker down, leader moving, timeout)."""


@dataclass
class PartitionBatch:
    """The rows of one topic partition in this pass, in id order, and their record batch."""

    topic: str
    partition: int
    builder: BatchBuilder
    rows: list[Row] = field(default_factory=list)


@dataclass
class InFlight:
    ids: list[int] = field(default_factory=list)  # every row sent or refused: the next fetch skips them
    sent: list[tuple[PartitionBatch, Awaitable[Any]]] = field(default_factory=list)  # batch, delivery
    refused: dict[int, tuple[Row, str]] = field(default_factory=dict)  # id -> (row, reason)
    interrupted: Exception | None = None  # a transient error stopped the sending part-way


class OutboxRelay:
    def __init__(
        self,
        dsn: str,
        producer: AIOKafkaProducer,
        *,
        batch_size: int = 2000,
        poll_seconds: float = 2.0,
        max_backoff: float = 30.0,
        bootstrap: str | None = None,
    ) -> None:
        self.dsn = dsn
        self.producer = producer
        # Where to create missing registry topics: the producer's own cluster unless told.
        self.bootstrap = bootstrap or ",".join(f"{host}:{port}" for host, port, *_ in producer.client.hosts)
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.max_backoff = max_backoff
        self.published = 0
        self.parked = 0
        self.is_leader = False
        self._wake = asyncio.Event()
        self._backlog_counted = 0.0
        self._backoff = FIRST_BACKOFF_SECONDS
        self._known_topics: set[str] = set()
        # Partitions whose multi-record batch the broker refused for good: their rows go one per
        # batch until one is settled, so only the record at fault is parked.
        self._one_by_one: set[tuple[str, int]] = set()
        # The check aiokafka's send() makes per record; send_batch() does not make it.
        self._max_record_bytes: int = getattr(producer, "_max_request_size", DEFAULT_MAX_REQUEST_SIZE)
        self._stopping = False

    async def run(self) -> None:
        """Run until cancelled: elect, relay, and on any failure back off and start over."""
        while not self._stopping:
            try:
                await self._run_once()
                continue
            except asyncio.CancelledError:
                raise
            except TransientSendError as exc:
                log.warning(
                    "outbox relay: %s; retrying from the oldest unsent row in %.1fs", exc, self._backoff
                )
            except Exception as exc:  # database gone, broker gone: keep trying, never drop rows
                log.warning("outbox relay error, retrying in %.1fs: %s", self._backoff, exc)
            if self._stopping:
                break
            await asyncio.sleep(self._backoff)
            self._backoff = min(self._backoff * 2, self.max_backoff)

    async def _run_once(self) -> None:
        conn: asyncpg.Connection = await asyncpg.connect(self.dsn)
        deleter: asyncpg.Connection = await asyncpg.connect(self.dsn)
        try:
            await conn.add_listener(OUTBOX_CHANNEL, self._on_notify)
            await self._become_leader(conn)
            if self.is_leader:
                await self._relay_loop(conn, deleter)
        finally:
            self.is_leader = False
            RELAY_LEADER.set(0)
            with contextlib.suppress(Exception):
                await conn.close()
            with contextlib.suppress(Exception):
                await deleter.close()

    async def _become_leader(self, conn: asyncpg.Connection) -> None:
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_KEY):
            if self._stopping:
                return
            await asyncio.sleep(1.0)  # standby: the leader holds the lock until its session ends
        self.is_leader = True
        RELAY_LEADER.set(1)
        log.info("outbox relay is the leader for this database")

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _relay_loop(self, conn: asyncpg.Connection, deleter: asyncpg.Connection) -> None:
        in_flight: InFlight | None = None
        # Checked here too, not only in run(): wait_for() on Python 3.11 may swallow a
        # cancellation that races with the wake-up that stop() itself triggers.
        while not self._stopping:
            self._wake.clear()
            rows = await conn.fetch(_FETCH, in_flight.ids if in_flight else [], self.batch_size)
            if in_flight:
                await self._settle(deleter, in_flight)
                in_flight = None
            if rows:
                in_flight = await self.send_rows(rows)
                if time.monotonic() - self._backlog_counted > BACKLOG_EVERY_SECONDS:
                    await self._count_backlog(conn)  # keeps the gauges honest while draining
                continue
            if await self._count_backlog(conn):
                continue  # committed since the fetch: read again rather than wait for a wake-up
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
        if in_flight:  # stopping: finish what the broker already has rather than resend it later
            await self._settle(deleter, in_flight)

    async def _count_backlog(self, conn: asyncpg.Connection) -> int:
        backlog, parked = await conn.fetchrow(_COUNT)
        OUTBOX_BACKLOG.set(backlog)
        OUTBOX_PARKED.set(parked)
        self._backlog_counted = time.monotonic()
        return int(backlog)

    async def send_rows(self, rows: Sequence[Row]) -> InFlight:
        """Group outbox rows (oldest first) into one record batch per partition, id order kept,
        and hand the batches to the producer; delivery then overlaps with the next fetch. Rows
        missing from the answer's `ids` did not fit their partition's batch: send them next."""
        in_flight = InFlight()
        refused_topics = await self._refused_topics({row["topic"] for row in rows})
        batches: dict[tuple[str, int], PartitionBatch] = {}
        full: set[tuple[str, int]] = set()  # their later rows wait for the next pass, in order
        partitions: dict[str, list[int]] = {}
        try:
            for row in rows:
                topic = row["topic"]
                reason = refused_topics.get(topic)
                if reason is None:
                    if topic not in partitions:
                        partitions[topic] = sorted(await self.producer.partitions_for(topic))
                    tp = (topic, partition_for_key(row["key"], partitions[topic], partitions[topic]))
                    if tp in full:
                        continue
                    reason = self._add(batches, tp, row)
                    if reason is None:
                        in_flight.ids.append(row["id"])
                        continue
                    if reason == _FULL:
                        full.add(tp)
                        continue
                in_flight.ids.append(row["id"])
                in_flight.refused[row["id"]] = (row, reason)
            for batch in batches.values():
                batch.builder.close()  # nothing else joins it, and it need not linger
                delivery = await self.producer.send_batch(
                    batch.builder, batch.topic, partition=batch.partition
                )
                in_flight.sent.append((batch, delivery))
        except Exception as exc:  # the rest waits for the retry, which starts from the oldest row
            in_flight.interrupted = exc
        return in_flight

    def _add(
        self, batches: dict[tuple[str, int], PartitionBatch], tp: tuple[str, int], row: Row
    ) -> str | None:
        """Append the row's record to its partition's batch: None when it is in, _FULL when the
        batch has no room left, or why the record can never be sent."""
        names, values = row["header_names"], row["header_values"]
        headers = list(zip(names, values, strict=True))
        # An empty payload is a tombstone (`UnitOfWork.tombstone`): Kafka's null value, which
        # compaction reads as "forget this key"; the column stays NOT NULL in every database.
        key, value = row["key"], row["payload"] or None
        if (
            record_size_bound(key, value, names, values) > self._max_record_bytes
            and (size := DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, headers))
            > self._max_record_bytes
        ):
            return refusal(
                MessageSizeTooLargeError(
                    f"The message is {size} bytes when serialized which is larger than the"
                    " maximum request size you have configured with the max_request_size configuration"
                )
            )
        batch = batches.get(tp)
        if batch is None:
            batch = batches[tp] = PartitionBatch(tp[0], tp[1], self.producer.create_batch())
        elif tp in self._one_by_one:
            return _FULL
        if batch.builder.append(key=key, value=value, timestamp=None, headers=headers) is None:
            return _FULL
        batch.rows.append(row)
        return None

    async def _refused_topics(self, topics: set[str]) -> dict[str, str]:
        """Why a topic of this batch cannot be written to, for those that cannot. A topic seen for
        the first time is looked up without auto-creation; a missing one the topic registry
        describes is created from its spec (partitions, retention), so it never parks."""
        unknown = sorted(topics - self._known_topics)
        if not unknown:
            return {}
        codes = await topic_errors(self.producer.client, unknown)
        refused: dict[str, str] = {}
        for topic in unknown:
            code = codes.get(topic, UNKNOWN_TOPIC)
            reason: str | None = None
            if code == UNKNOWN_TOPIC:
                reason = await self._create_topic(topic)
            elif code == INVALID_TOPIC:
                reason = f"invalid topic name {topic!r}"
            elif code == TOPIC_NOT_AUTHORIZED:
                reason = f"not authorized to write to topic {topic}"
            if reason is not None:
                refused[topic] = reason
            elif code in (TOPIC_EXISTS, UNKNOWN_TOPIC):
                self._known_topics.add(topic)
            # any other code (leader not available …) is transient: the send decides
        return refused

    async def _create_topic(self, topic: str) -> str | None:
        spec = spec_for(topic)
        if spec is None:
            return f"topic {topic} does not exist and the topic registry does not describe it"
        try:
            await ensure_topics(self.bootstrap, [spec])
        except TopicAdminError as exc:
            if exc.retriable:
                raise  # the controller was busy or moving: back off and ask again
            return f"topic {topic} does not exist and the broker refused to create it: {exc}"
        log.info("created topic %s from the topic registry", topic, extra={"partitions": spec.partitions})
        return None

    async def _settle(self, deleter: asyncpg.Connection, in_flight: InFlight) -> None:
        """Wait for the broker's answers; delete the acknowledged rows, park the refused ones.
        Any other failure raises TransientSendError after that, and the relay starts over from
        the oldest row still in the outbox."""
        results = await asyncio.gather(*(delivery for _, delivery in in_flight.sent), return_exceptions=True)
        acked: list[Row] = []
        refused = dict(in_flight.refused)
        transient: BaseException | None = in_flight.interrupted
        for (batch, _), result in zip(in_flight.sent, results, strict=True):
            tp = (batch.topic, batch.partition)
            if not isinstance(result, BaseException):
                acked.extend(batch.rows)
                self._one_by_one.discard(tp)
            elif isinstance(result, PERMANENT_SEND_ERRORS) and len(batch.rows) == 1:
                refused[batch.rows[0]["id"]] = (batch.rows[0], refusal(result))
                self._one_by_one.discard(tp)
            elif isinstance(result, PERMANENT_SEND_ERRORS):
                self._one_by_one.add(tp)  # find the record at fault: one per batch from now on
                transient = transient or result
            else:
                self._known_topics.discard(batch.topic)  # ask again whether it exists
                transient = transient or result
        if refused:
            async with deleter.transaction():
                if acked:
                    await deleter.execute(_DELETE, [row["id"] for row in acked])
                await self._park(deleter, refused)
        elif acked:  # one statement, autocommitted: one round trip instead of three
            await deleter.execute(_DELETE, [row["id"] for row in acked])
        self._count_published(acked)
        if transient is not None:
            raise TransientSendError(f"send failed: {type(transient).__name__}: {transient}") from transient
        self._backoff = FIRST_BACKOFF_SECONDS

    async def _park(self, deleter: asyncpg.Connection, refused: dict[int, tuple[Row, str]]) -> None:
        ids = list(refused)
        await deleter.execute(_PARK, ids, [reason for _, reason in refused.values()])
        self.parked += len(ids)
        OUTBOX_PARKED.inc(len(ids))  # until the next count
        for row, reason in refused.values():  # never the payload: it may carry personal data
            log.error(
                "outbox row parked: %s",
                reason,
                extra={"outbox_id": row["id"], "event_id": str(row["event_id"]), "topic": row["topic"]},
            )

    def _count_published(self, acked: list[Row]) -> None:
        self.published += len(acked)
        for topic, count in Counter(row["topic"] for row in acked).items():
            EVENTS_PUBLISHED.labels(topic=topic).inc(count)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()


def record_size_bound(key: bytes | None, value: bytes | None, names: list[str], values: list[bytes]) -> int:
    """At least the record's size as aiokafka estimates it (batch header, varints at their
    widest, 4 bytes a character of a header name): the exact estimate costs ~2 µs a row and is
    needed only above the limit."""
    return (
        100
        + len(key or b"")
        + len(value or b"")
        + 10 * len(names)
        + 4 * sum(map(len, names))
        + sum(map(len, values))
    )


_FULL = "full"  # _add's answer for a row that waits for its partition's next batch


def refusal(exc: BaseException) -> str:
    """The parking reason for a permanent send error (Kafka's messages carry no record data)."""
    return f"{type(exc).__name__}: {exc}"
