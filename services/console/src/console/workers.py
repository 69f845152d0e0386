"""The console's background loops, started with the app in every replica. Each entry makes one
loop from the settings and the runtime; `main.start_workers` spawns them."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from unionfed_chassis.runtime import Runtime

from console.adapters.event_bell import listen_for_new_events
from console.adapters.indexer import run_indexer
from console.adapters.retention import run_retention
from console.lag_sampler import sample_lag
from console.settings import ConsoleSettings

Worker = Callable[[ConsoleSettings, Runtime], Coroutine[Any, Any, None]]


async def index(settings: ConsoleSettings, runtime: Runtime) -> None:
    await run_indexer(settings)


async def index_retention(settings: ConsoleSettings, runtime: Runtime) -> None:
    await run_retention(runtime.engine, settings.index_retention_days)


WORKERS: dict[str, Worker] = {
    "index": index,
    "index-retention": index_retention,
    "event-bell": listen_for_new_events,
    "lag-sampler": sample_lag,
}
