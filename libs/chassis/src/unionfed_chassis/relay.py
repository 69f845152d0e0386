"""Outbox relay: publishes committed outbox rows to Kafka in commit order per key.

- Wakes on NOTIFY from the outbox trigger (at commit), falls back to a slow poll.
- One active relay per database: a session advisory lock elects it; a second instance waits
  as a hot standby and takes over when the first one's connection goes away. A single leader
  keeps per-key order, which two relays sharing rows with SKIP LOCKED could not.
- Pipelined: while one batch is in flight to the broker, the next one is fetched.
- A row is deleted only after the broker acknowledged it; on broker errors the batch is
  retried with backoff, so nothing is dropped (a retried batch may repeat events: consumers
  deduplicate by event id).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from .metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG, RELAY_LEADER
from .tables import OUTBOX_CHANNEL

log = logging.getLogger("unionfed.relay")

BACKLOG_EVERY_SECONDS = 5.0
RELAY_LOCK_KEY = 0x756E_696F_6E66  # "unionf": the advisory lock id the relays compete for
_FETCH = "SELECT id, topic, key, header_names, header_values, payload FROM outbox WHERE id > $1 ORDER BY id LIMIT $2"


@dataclass
class InFlight:
    ids: list[int]  # in id order
    sends: list[Awaitable[Any]]
    topics: Counter[str]

    @property
    def last_id(self) -> int:
        return self.ids[-1]


class OutboxRelay:
    def __init__(
        self,
        dsn: str,
        producer: AIOKafkaProducer,
        *,
        batch_size: int = 2000,
        poll_seconds: float = 2.0,
        max_backoff: float = 30.0,
    ) -> None:
        self.dsn = dsn
        self.producer = producer
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.max_backoff = max_backoff
        self.published = 0
        self.is_leader = False
        self._wake = asyncio.Event()
        self._backlog_counted = 0.0
        self._stopping = False

    async def run(self) -> None:
        """Run until cancelled: elect, relay, and on any connection loss start over."""
        backoff = 0.5
        while not self._stopping:
            try:
                await self._run_once()
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database gone, broker gone: keep trying, never drop rows
                log.warning("outbox relay error, retrying in %.1fs: %s", backoff, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)

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
            after = in_flight.last_id if in_flight else 0
            rows = await conn.fetch(_FETCH, after, self.batch_size)
            if in_flight:
                await self._settle(deleter, in_flight)
                in_flight = None
            if rows:
                in_flight = await self._send(rows)
                if time.monotonic() - self._backlog_counted > BACKLOG_EVERY_SECONDS:
                    await self._count_backlog(conn)  # keeps the gauge honest while draining
                continue
            backlog = await self._count_backlog(conn)
            if backlog:
                continue  # rows committed below our cursor while we were busy: start over from 0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
        if in_flight:  # stopping: finish what the broker already has rather than resend it later
            await self._settle(deleter, in_flight)

    async def _count_backlog(self, conn: asyncpg.Connection) -> int:
        backlog: int = await conn.fetchval("SELECT count(*) FROM outbox")
        OUTBOX_BACKLOG.set(backlog)
        self._backlog_counted = time.monotonic()
        return backlog

    async def _send(self, rows: list[asyncpg.Record]) -> InFlight:
        # Sends are appended one after another (each await only queues the record), so the
        # producer sees them in id order; delivery then overlaps with the next fetch.
        send = self.producer.send
        sends = [await send(**record_from_row(row)) for row in rows]
        ids = [row["id"] for row in rows]
        return InFlight(ids=ids, sends=sends, topics=Counter(row["topic"] for row in rows))

    async def _settle(self, deleter: asyncpg.Connection, in_flight: InFlight) -> None:
        """Wait for the broker's acknowledgements, then delete the rows. A failure raises and
        the outer loop reconnects; the undeleted rows are fetched and sent again."""
        await asyncio.gather(*in_flight.sends)
        await deleter.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", in_flight.ids)
        self.published += len(in_flight.ids)
        for topic, count in in_flight.topics.items():
            EVENTS_PUBLISHED.labels(topic=topic).inc(count)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()


def record_from_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """The Kafka record (send() keyword arguments) for one outbox row: all the relay adds
    per event on top of a plain producer."""
    headers = list(zip(row["header_names"], row["header_values"], strict=True))
    return {"topic": row["topic"], "value": row["payload"], "key": row["key"], "headers": headers}
