"""The console's index of the streams: every matching topic read under the console's own
consumer group (no service's offsets move) into `stream_events`.

Plain aiokafka `getmany`, not FastStream: a FastStream subscriber calls back once per message
(~2,000 records/s here), a `getmany` batch is decoded in a loop and written with one COPY. Offsets
are committed only after the batch's transaction committed, so a crash in between reads the batch
again and the unique (topic, partition, offset) makes that a no-op: nothing lost, nothing twice.

A database or broker outage is retried with a growing pause, logged without record contents;
`stop()` ends the loop after the batch in hand."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError
from prometheus_client import Counter, Gauge, Histogram

from console.adapters.event_store import write_batch
from console.domain.decoding import index_record
from console.domain.indexed import IndexedEvent
from console.settings import ConsoleSettings

log = logging.getLogger("unionfed.console.indexer")

INDEXED = Counter("console_indexed_records_total", "Records written to the console's index")
BATCH_SECONDS = Histogram(
    "console_index_batch_seconds",
    "Time to decode and write one batch of records",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LAST_INDEXED = Gauge("console_index_last_indexed_timestamp_seconds", "When the last batch was committed")

# A new topic (a district, a branch system, a consumer group's dead letters) is read from its
# first record only after the next metadata refresh: an operator watching should not wait 30 s.
METADATA_MAX_AGE_MS = 5000
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 10.0
# Errors that mean "this row cannot be stored as it is" (a lone surrogate in a string, a value
# PostgreSQL's text or jsonb input refuses), not "the database is away".
_DATA_ERRORS = (asyncpg.DataError, UnicodeEncodeError)
_UNSTORABLE = {"console_index_error": "payload and headers not storable"}


@dataclass
class _Write:
    """A batch being written: its transaction, and the offsets to commit once it is in."""

    task: asyncio.Task[int | None]
    offsets: dict[TopicPartition, int]
    records: int
    started: float


class StreamIndexer:
    """One loop: fetch a batch, decode it, write it, commit its offsets; the next batch is
    fetched and decoded while the previous one is written."""

    def __init__(self, settings: ConsoleSettings, *, max_records: int = 5000, fetch_ms: int = 200) -> None:
        self.settings = settings
        self.max_records = max_records
        self.fetch_ms = fetch_ms
        self.indexed = 0  # records handled since start (a test or bench reads it)
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        backoff = FIRST_BACKOFF_SECONDS
        while not self._stopping.is_set():
            indexed_before = self.indexed
            try:
                await self._run_once()
                return
            except Exception as exc:  # an outage, or a bug: log, pause, read again
                if self.indexed > indexed_before:  # it worked for a while: a new outage
                    backoff = FIRST_BACKOFF_SECONDS
                # The type only: a driver's message may quote a row (personal data).
                log.warning("index paused (%s); retrying in %.1f s", type(exc).__name__, backoff)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    async def _run_once(self) -> None:
        conn = await asyncpg.connect(self.settings.asyncpg_dsn)
        consumer = self._consumer()
        writing: _Write | None = None
        try:
            await consumer.start()
            consumer.subscribe(pattern=self.settings.index_topic_pattern)
            while not self._stopping.is_set():
                # While a batch is being written, take what is already fetched and decode it
                # meanwhile (PostgreSQL writes on another core); else wait for records.
                wait_ms = 0 if writing else self.fetch_ms
                batch = await consumer.getmany(timeout_ms=wait_ms, max_records=self.max_records)
                started = time.perf_counter()
                events = [index_record(r) for records in batch.values() for r in records]
                if writing:
                    await self._finish(consumer, writing)
                    writing = None
                if events:
                    offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
                    writing = _Write(
                        asyncio.create_task(write_events(conn, events)), offsets, len(events), started
                    )
            if writing:  # stopping: the batch in hand is finished and committed
                await self._finish(consumer, writing)
                writing = None
        finally:
            if writing:
                writing.task.cancel()
                await asyncio.gather(writing.task, return_exceptions=True)
            await consumer.stop()
            await conn.close()

    def _consumer(self) -> AIOKafkaConsumer:
        s = self.settings
        return AIOKafkaConsumer(
            bootstrap_servers=s.kafka_bootstrap_servers,
            client_id=f"{s.kafka_client_id or s.service_name}-index",
            group_id=s.index_group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            metadata_max_age_ms=min(s.kafka_metadata_max_age_ms, METADATA_MAX_AGE_MS),
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )

    async def _finish(self, consumer: AIOKafkaConsumer, writing: _Write) -> None:
        """Wait for a batch's transaction, then commit its offsets."""
        await writing.task
        await self.commit(consumer, writing.offsets)
        self.indexed += writing.records
        INDEXED.inc(writing.records)
        BATCH_SECONDS.observe(time.perf_counter() - writing.started)
        LAST_INDEXED.set_to_current_time()

    async def commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        """Commit the group's offsets past a batch that is in the index, for the partitions this
        consumer still owns. A partition taken away by a rebalance while the batch was written
        (a new topic matched the pattern, another indexer joined) is read again by its new
        owner, and the index already has those records: a no-op. Committing it would raise
        (aiokafka's IllegalStateError) and restart the whole loop, and with it a group join."""
        owned = consumer.assignment()
        kept = {tp: offset for tp, offset in offsets.items() if tp in owned}
        try:
            if kept:
                await consumer.commit(kept)
        except (CommitFailedError, IllegalStateError):  # the group rebalanced meanwhile
            kept = {}
        if len(kept) < len(offsets):
            log.info("index offsets of revoked partitions not committed; their new owner re-reads them")


async def write_events(conn: asyncpg.Connection, events: Sequence[IndexedEvent]) -> int | None:
    """`write_batch`, and when a row cannot be stored (bad text inside), row by row: such a row is
    kept with its position and CloudEvents columns but without headers and payload."""
    try:
        return await write_batch(conn, events)
    except _DATA_ERRORS:
        log.warning(
            "a batch of %d records holds a row that cannot be stored; writing row by row", len(events)
        )
    max_id = None
    for event in events:
        try:
            written = await write_batch(conn, [event])
        except _DATA_ERRORS:
            written = await write_batch(conn, [_stripped(event)])
        max_id = max((i for i in (max_id, written) if i is not None), default=None)
    return max_id


def _stripped(event: IndexedEvent) -> IndexedEvent:
    return replace(
        event,
        event_id=_clean(event.event_id),
        type=_clean(event.type),
        district=_clean(event.district),
        branch_id=_clean(event.branch_id),
        subject=_clean(event.subject),
        member_id=_clean(event.member_id),
        correlation_id=_clean(event.correlation_id),
        causation_id=_clean(event.causation_id),
        actor=_clean(event.actor),
        headers=dict(_UNSTORABLE),
        payload=None,
        card_no=None,
    )


def _clean(text: str | None) -> str | None:
    """Text PostgreSQL accepts: no NUL, no lone surrogate."""
    if text is None:
        return None
    return text.replace("\x00", "\ufffd").encode("utf-8", errors="replace").decode("utf-8")


async def run_indexer(settings: ConsoleSettings) -> None:
    """The `index` worker: the loop, for the app's lifetime (cancelled with it)."""
    indexer = StreamIndexer(settings)
    try:
        await indexer.run()
    finally:
        indexer.stop()
