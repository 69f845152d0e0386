"""Wakes live streams when the indexer has written new rows: one LISTEN connection per console
process (not one per open browser), rung by the indexer's `NOTIFY console_events`.

A stream waits for the bell or `POLL_SECONDS`, whichever comes first, then reads the index: a
notification lost while the listener reconnects (or an indexer that does not notify) delays
rows by at most the poll interval, it never loses them, since the index is the source.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Any

import asyncpg
from unionfed_chassis.settings import ServiceSettings

from console.adapters.event_store import EVENTS_CHANNEL

POLL_SECONDS = 2.0
RECONNECT_SECONDS = 2.0

log = logging.getLogger("unionfed.console.bell")


class EventBell:
    def __init__(self) -> None:
        self._rung = asyncio.Event()

    def ring(self) -> None:
        """Wake every waiting stream (each then reads the index once)."""
        rung, self._rung = self._rung, asyncio.Event()
        rung.set()

    def armed(self) -> asyncio.Event:
        """Take this before reading the index and wait on it after (`wait`): a ring between the
        read and the wait is not missed."""
        return self._rung

    @staticmethod
    async def wait(armed: asyncio.Event, within: float = POLL_SECONDS) -> None:
        """Until a ring since `armed` was taken, or `within` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(armed.wait(), within)


def _set(event: asyncio.Event, *_: Any) -> None:
    event.set()


_BELLS: dict[tuple[str, int], EventBell] = {}


def bell_for(dsn: str) -> EventBell:
    """The bell of one console database in this event loop (a test process may run several
    consoles, each test in its own loop)."""
    return _BELLS.setdefault((dsn, id(asyncio.get_running_loop())), EventBell())


async def listen_for_new_events(settings: ServiceSettings, _: object) -> None:
    """The console worker (`workers.WORKERS`) that rings this console's bell."""
    await listen(settings.asyncpg_dsn, bell_for(settings.asyncpg_dsn))


async def listen(dsn: str, bell: EventBell) -> None:
    """Ring `bell` on every notification, reconnecting after a lost connection, until cancelled."""

    def on_notify(*_: Any) -> None:
        bell.ring()

    while True:
        try:
            connection = await asyncpg.connect(dsn)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("console bell: cannot listen (%s); streams poll meanwhile", type(exc).__name__)
            await asyncio.sleep(RECONNECT_SECONDS)
            continue
        lost = asyncio.Event()
        connection.add_termination_listener(functools.partial(_set, lost))
        try:
            await connection.add_listener(EVENTS_CHANNEL, on_notify)
            bell.ring()  # rows may have come while no one listened
            await lost.wait()
            log.warning("console bell: connection lost; reconnecting")
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("console bell: connection lost (%s); reconnecting", type(exc).__name__)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(connection.close(timeout=2))
        await asyncio.sleep(RECONNECT_SECONDS)
