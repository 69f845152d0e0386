"""Idempotent, batching event consumer with an inbox and a dead-letter topic.

A batch (what one poll returned, across this member's partitions) is applied in ONE
transaction: the inbox rows (consumer, event_id) and every handler's effects commit together,
then the offsets are committed. Redelivered events hit the inbox key and are skipped.

When the batch transaction fails:
- a transient error (database or network down) retries the whole batch with backoff;
- anything else: events are applied one per transaction, in order, each tried
  `max_attempts` times; the one that still fails is dead-lettered alone, the rest go on.
Records that cannot be decoded (not a CloudEvent, unknown type or version, invalid payload)
are dead-lettered at once: retrying cannot fix them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer, ConsumerRebalanceListener
from faststream import AckPolicy
from faststream.kafka.annotations import KafkaMessage
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from unionfed_events import (
    Envelope,
    EnvelopeError,
    Event,
    InvalidPayload,
    UnknownEventType,
    decode,
    event_class,
)

from .db import UnitOfWork
from .dead_letter import DeadLetter, send_dead_letters
from .metrics import EVENTS_CONSUMED, EVENTS_DUPLICATE, EVENTS_FAILED, HANDLER_SECONDS

log = logging.getLogger("unionfed.consumer")

FETCH_MAX_WAIT_MS = 20


@dataclass(frozen=True)
class Delivery:
    """One decoded event and where it came from."""

    envelope: Envelope
    event: Any
    record: Any  # aiokafka ConsumerRecord


Handler = Callable[[UnitOfWork, list[Delivery]], Awaitable[None]]

_INBOX_INSERT = sa.text(
    "INSERT INTO inbox (consumer, event_id) SELECT :consumer, unnest(CAST(:ids AS text[])) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)


def is_transient(exc: BaseException) -> bool:
    """Errors that say 'try again later' rather than 'this event is bad'."""
    if isinstance(exc, OperationalError | InterfaceError | ConnectionError | OSError | asyncio.TimeoutError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    # asyncpg's "database system is shutting down / starting up" (57P01-57P03) and connection
    # errors (class 08) arrive as plain DBAPIError: found by `make chaos` (PostgreSQL stopped).
    sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
    return bool(exc.connection_invalidated) or sqlstate.startswith(("08", "57P"))


class EventConsumer:
    """Applies events of the types in `handlers` from `topics`/`pattern` as consumer group `name`."""

    def __init__(
        self,
        name: str,
        handlers: dict[type[Event], Handler],
        *,
        topics: Sequence[str] = (),
        pattern: str | None = None,
        domain: str,
        source: str,
        max_attempts: int = 3,
        retry_backoff: float = 0.2,
    ) -> None:
        self.name = name
        self.handlers = {cls.ce_type(): h for cls, h in handlers.items()}
        self.topics = list(topics)
        self.pattern = pattern
        self.domain = domain
        self.source = source
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self.session_factory: async_sessionmaker[AsyncSession] | None = None
        self.producer: AIOKafkaProducer | None = None
        self.busy = asyncio.Lock()  # held while a batch is applied; a rebalance waits for it

    def bind(self, session_factory: async_sessionmaker[AsyncSession], producer: AIOKafkaProducer) -> None:
        self.session_factory = session_factory
        self.producer = producer

    async def process(self, records: Sequence[Any], commit: Callable[[], Awaitable[None]]) -> None:
        """Apply a batch of raw records, dead-letter what cannot be applied, then `commit` the
        offsets — all while holding `busy`, so a rebalance never moves a half-done batch."""
        async with self.busy:
            started = time.perf_counter()
            deliveries, letters = self._decode(records)
            if deliveries:
                letters += await self._apply_batch(deliveries)
            assert self.producer is not None, "bind() the consumer first"
            await send_dead_letters(self.producer, self.name, letters)
            await commit()
            HANDLER_SECONDS.labels(consumer=self.name).observe(time.perf_counter() - started)

    def subscribe(self, broker: Any, max_records: int = 1000, **overrides: Any) -> None:
        """Register this consumer on a FastStream KafkaBroker as a batch subscriber with
        manual acknowledgement (offsets are committed only after the batch is applied).

        `overrides` go to `broker.subscriber` as they are (aiokafka consumer options such as
        fetch_max_wait_ms, FastStream's batch_timeout_ms)."""

        async def on_batch(body: list[bytes], msg: KafkaMessage) -> None:
            try:
                await self.process(msg.raw_message, msg.ack)
            except Exception:
                # Not finished (e.g. a dead letter could not be sent): rewind to the batch's
                # first records so they are read again; otherwise the next batch's commit
                # would move the offsets past them and they would be lost.
                with contextlib.suppress(Exception):
                    await msg.nack()
                raise

        on_batch.__name__ = f"apply_{self.name.replace('-', '_')}"
        options: dict[str, Any] = {
            "group_id": self.name,
            "batch": True,
            "max_records": max_records,
            "ack_policy": AckPolicy.MANUAL,
            "auto_offset_reset": "earliest",
            # How long the broker may hold a fetch when nothing is new. aiokafka's 500 ms is
            # added to an event's latency when a broker (Tansu) does not answer a waiting fetch
            # as soon as records arrive; a short wait costs an idle consumer a few small
            # requests per second.
            "fetch_max_wait_ms": FETCH_MAX_WAIT_MS,
            "listener": self.rebalance_listener(),
            "parser": _parse_batch,
            "decoder": _raw_bodies,
            "title": f"{self.name}:consume",
            "description": "Handles: " + ", ".join(sorted(self.handlers)),
        }
        if self.pattern:
            options["pattern"] = self.pattern
        options.update(overrides)
        broker.subscriber(*self.topics, **options)(on_batch)

    def _decode(self, records: Sequence[Any]) -> tuple[list[Delivery], list[DeadLetter]]:
        deliveries: list[Delivery] = []
        letters: list[DeadLetter] = []
        for record in records:
            try:
                envelope = Envelope.from_headers(record.headers, record.value)
                if envelope.type not in self.handlers:
                    event_class(envelope.type)  # known to the contracts but not ours: skip
                    continue
                deliveries.append(Delivery(envelope, decode(envelope), record))
            # UnicodeDecodeError: a header value that is not UTF-8, the record's fault too.
            except (EnvelopeError, UnknownEventType, InvalidPayload, UnicodeDecodeError) as exc:
                EVENTS_FAILED.labels(consumer=self.name, reason=type(exc).__name__).inc()
                letters.append(DeadLetter(record, f"{type(exc).__name__}: {exc}"))
        return deliveries, letters

    async def _apply_batch(self, deliveries: list[Delivery]) -> list[DeadLetter]:
        backoff = self.retry_backoff
        while True:
            try:
                await self._apply(deliveries)
                return []
            except Exception as exc:
                if not is_transient(exc):
                    log.warning("batch of %d failed (%s); isolating events", len(deliveries), exc)
                    return await self._apply_one_by_one(deliveries)
                EVENTS_FAILED.labels(consumer=self.name, reason="transient").inc()
                log.warning("transient error, retrying batch in %.1fs: %s", backoff, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    async def _apply_one_by_one(self, deliveries: list[Delivery]) -> list[DeadLetter]:
        letters: list[DeadLetter] = []
        for delivery in deliveries:
            error = await self._apply_with_retries(delivery)
            if error is not None:
                letters.append(error)
        return letters

    async def _apply_with_retries(self, delivery: Delivery) -> DeadLetter | None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._apply([delivery])
                return None
            except Exception as exc:
                EVENTS_FAILED.labels(consumer=self.name, reason=type(exc).__name__).inc()
                if is_transient(exc):
                    attempt -= 1  # an outage is not the event's fault: do not count it
                elif attempt >= self.max_attempts:
                    log.error(
                        "dead-lettering %s %s after %d tries: %s",
                        delivery.envelope.type,
                        delivery.envelope.id,
                        attempt,
                        exc,
                    )
                    return DeadLetter(delivery.record, f"handler error: {type(exc).__name__}: {exc}", attempt)
                await asyncio.sleep(self.retry_backoff * max(attempt, 1))  # 0 after a transient error

    async def _apply(self, deliveries: list[Delivery]) -> None:
        assert self.session_factory is not None, "bind() the consumer first"
        async with self.session_factory() as session:
            uow = UnitOfWork(session, source=self.source, domain=self.domain)
            try:
                fresh = await self._claim(session, deliveries)
                for ce_type, group in _runs_by_type(fresh):
                    await self.handlers[ce_type](uow, group)
                await uow.commit()
            except BaseException:
                await uow.rollback()
                raise
        for ce_type, count in Counter(d.envelope.type for d in fresh).items():
            EVENTS_CONSUMED.labels(consumer=self.name, type=ce_type).inc(count)

    async def _claim(self, session: AsyncSession, deliveries: list[Delivery]) -> list[Delivery]:
        """Insert inbox rows; return the deliveries not seen before, in their original order."""
        ids = list(dict.fromkeys(str(d.envelope.id) for d in deliveries))
        result = await session.execute(_INBOX_INSERT, {"consumer": self.name, "ids": ids})
        new_ids = set(result.scalars())
        fresh, seen = [], set()
        for d in deliveries:
            event_id = str(d.envelope.id)
            if event_id in new_ids and event_id not in seen:
                seen.add(event_id)
                fresh.append(d)
        if len(fresh) < len(deliveries):
            EVENTS_DUPLICATE.labels(consumer=self.name).inc(len(deliveries) - len(fresh))
        return fresh

    def rebalance_listener(self) -> ConsumerRebalanceListener:
        return _WaitForBatch(self)


async def _parse_batch(records: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    """Wrap the batch in FastStream's message without its per-record work.

    FastStream's own batch parse builds a dict of every record's headers, decoded as UTF-8,
    for bookkeeping the chassis does not use: about a tenth of a consumer's CPU, and one record
    with a binary or null header value would make it drop the whole batch. The chassis reads
    `raw_message` (the records as they came) and `_decode` dead-letters a bad one. If the
    parser's attributes ever change shape, fall back to the original parse of cleaned copies."""
    parser = getattr(original, "__self__", None)
    first, last = records[0], records[-1]
    try:
        return parser.msg_class(  # type: ignore[union-attr]
            body=[],
            headers={},
            batch_headers=[],
            reply_to="",
            content_type=None,
            message_id=f"{first.offset}-{last.offset}-{first.timestamp}",
            correlation_id=None,
            raw_message=records,
            path={},
            consumer=parser._consumer,  # type: ignore[union-attr]
        )
    except (AttributeError, TypeError):
        message = await original(tuple(_printable_headers(r) for r in records))
        message.raw_message = records
        return message


def _printable_headers(record: Any) -> Any:
    headers = [(k, (v or b"").decode(errors="replace").encode()) for k, v in record.headers or ()]
    return dataclasses.replace(record, headers=headers)


async def _raw_bodies(msg: Any) -> Any:
    # The chassis decodes envelopes itself (and dead-letters bad ones); skip FastStream's JSON pass.
    return msg.body


def _runs_by_type(deliveries: list[Delivery]) -> list[tuple[str, list[Delivery]]]:
    """Consecutive deliveries of the same type, in order: handlers get lists, order is kept."""
    runs: list[tuple[str, list[Delivery]]] = []
    for d in deliveries:
        if runs and runs[-1][0] == d.envelope.type:
            runs[-1][1].append(d)
        else:
            runs.append((d.envelope.type, [d]))
    return runs


class _WaitForBatch(ConsumerRebalanceListener):
    """On revoke, let the batch in hand finish and commit before the partitions move."""

    def __init__(self, consumer: EventConsumer) -> None:
        self.consumer = consumer

    async def on_partitions_revoked(self, revoked: Any) -> None:
        async with self.consumer.busy:
            pass

    async def on_partitions_assigned(self, assigned: Any) -> None:
        return None
