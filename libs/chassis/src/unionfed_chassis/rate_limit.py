"""Rate limits of public routes, per client and per person, with the `limits` library.

A route asks `RateLimiter.hit(name, key, limit)` for each limit it is under; the first one used up
raises `RateLimited`, which `install_rate_limits` turns into a 429 with `Retry-After`. Keys are
whatever the caller passes: the client's address, or a keyed hash of a person's ID (never the ID).

Storage is a `limits` storage URI: `memory://` (the default) counts in this process only, so
with N replicas a client gets up to N times the limit; `redis://…` (with the `redis` extra
installed) shares the counters between replicas.
"""

from __future__ import annotations

import math
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from .errors import error_body

# For a rate-limited route's `responses=`: the OpenAPI document then states the 429 clients may get.
RATE_LIMITED_RESPONSE: dict[int | str, dict[str, object]] = {
    429: {
        "description": "Too many requests: retry after `Retry-After` seconds",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}},
    }
}


class RateLimited(Exception):
    """A limit is used up; `retry_after` is how many seconds until the next hit is allowed."""

    def __init__(self, name: str, retry_after: int) -> None:
        super().__init__(f"too many requests ({name}); try again in {retry_after} s")
        self.name = name
        self.retry_after = retry_after


def parse_limits(spec: str) -> list[RateLimitItem]:
    """`"10/minute;100/hour"` → limit items; refuses an empty or malformed spec."""
    if not spec.strip():
        raise ValueError("a rate limit spec must not be empty, e.g. '10/minute;100/hour'")
    return parse_many(spec)


class RateLimiter:
    """Moving-window counters: no burst of twice the limit at a window's edge."""

    def __init__(self, storage_uri: str = "memory://") -> None:
        # limits picks its asyncio storages by an `async+` scheme prefix.
        uri = storage_uri if storage_uri.startswith("async+") else f"async+{storage_uri}"
        self._limiter = MovingWindowRateLimiter(storage_from_string(uri))

    async def hit(self, name: str, key: str, limits: list[RateLimitItem]) -> None:
        """Count one request of `key` against every limit of `name`; raise RateLimited when any
        is used up. Each hit is one atomic test-and-count, so concurrent requests cannot all slip
        through; a refused request still counts against the limits checked before it."""
        for limit in limits:
            if not await self._limiter.hit(limit, name, key):
                raise RateLimited(name, await self._retry_after(limit, name, key))

    async def _retry_after(self, limit: RateLimitItem, name: str, key: str) -> int:
        stats = await self._limiter.get_window_stats(limit, name, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


def client_key(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy: run uvicorn with
    `--proxy-headers --forwarded-allow-ips=<proxy>` so this is the real client)."""
    return request.client.host if request.client else "unknown"


def install_rate_limits(app: FastAPI) -> None:
    """Answer RateLimited with 429, `Retry-After` and the usual error body."""

    @app.exception_handler(RateLimited)
    async def _limited(_: Request, exc: RateLimited) -> JSONResponse:
        return JSONResponse(
            error_body(str(exc), None, "rate_limited"),
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
