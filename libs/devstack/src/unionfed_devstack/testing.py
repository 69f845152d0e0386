"""Helpers for tests written against the devstack fixtures."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any


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
