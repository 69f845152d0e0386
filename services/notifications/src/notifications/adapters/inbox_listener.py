"""Wakes the live inbox streams of this replica when in-app messages are inserted in any replica.

A statement-level trigger on `notifications` (migration 0001) sends `pg_notify('inbox', …)` with
a JSON array of the recipients of the in-app rows the statement inserted, or `*` when they are
too many for NOTIFY's 8,000-byte payload (a campaign fan-out's chunk). One asyncpg connection
per replica LISTENs; each open stream waits on its own asyncio.Event, which a notification for
its recipient (or `*`) sets. The stream then re-queries the database: the notification says
"look", never what changed, so a lost or coalesced one costs only a later look.

After a lost connection every stream is woken (notifications may have been missed meanwhile)
and the listener reconnects; `closed` tells streams that the service is stopping.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterator

import asyncpg

log = logging.getLogger("unionfed.notifications.inbox")

CHANNEL = "inbox"
EVERYONE = "*"
APPLICATION_NAME = "notifications-inbox-listener"  # how operators spot it in pg_stat_activity


class InboxListener:
    def __init__(self, dsn: str, *, check_seconds: float = 30.0, retry_seconds: float = 1.0) -> None:
        self.dsn = dsn
        self.check_seconds = check_seconds
        self.retry_seconds = retry_seconds
        self.listening = False
        self.closed = False
        self._waiting: dict[str, set[asyncio.Event]] = {}

    @contextlib.contextmanager
    def subscribe(self, recipient_id: str) -> Iterator[asyncio.Event]:
        """An event set whenever `recipient_id` may have new in-app messages (the stream clears it)."""
        wake = asyncio.Event()
        self._waiting.setdefault(recipient_id, set()).add(wake)
        try:
            yield wake
        finally:
            waiting = self._waiting.get(recipient_id)
            if waiting is not None:
                waiting.discard(wake)
                if not waiting:
                    del self._waiting[recipient_id]

    @property
    def streams(self) -> int:
        return sum(len(w) for w in self._waiting.values())

    async def run(self) -> None:
        """LISTEN until cancelled (the runtime's stop), reconnecting after a lost connection."""
        try:
            while True:
                try:
                    await self._listen_once()
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                    log.warning("inbox listener: connection lost (%s), reconnecting", type(exc).__name__)
                self.listening = False
                self._wake_all()
                await asyncio.sleep(self.retry_seconds)
        finally:
            self.listening = False
            self.closed = True
            self._wake_all()

    async def _listen_once(self) -> None:
        conn: asyncpg.Connection = await asyncpg.connect(
            self.dsn, server_settings={"application_name": APPLICATION_NAME}
        )
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        try:
            await conn.add_listener(CHANNEL, self._on_notify)
            self.listening = True
            self._wake_all()  # what was committed before LISTEN took effect
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), self.check_seconds)
                    continue
                # A connection that died silently (no FIN) only shows when used.
                await asyncio.wait_for(conn.fetchval("SELECT 1"), self.check_seconds)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 5)
            if not conn.is_closed():
                conn.terminate()

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        if payload == EVERYONE:
            self._wake_all()
            return
        try:
            recipients = json.loads(payload)
        except ValueError:
            log.warning("inbox listener: unreadable payload, waking every stream")
            self._wake_all()
            return
        for recipient_id in recipients:
            for wake in self._waiting.get(str(recipient_id), ()):
                wake.set()

    def _wake_all(self) -> None:
        for waiting in self._waiting.values():
            for wake in waiting:
                wake.set()
