"""The chassis rate limiter on a bare FastAPI app: per key, 429 with Retry-After, the usual
error body, nothing run for a refused request."""

from __future__ import annotations

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from unionfed_chassis.rate_limit import (
    RateLimited,
    RateLimiter,
    client_key,
    install_rate_limits,
    parse_limits,
)


def app_with_limit(spec: str) -> tuple[FastAPI, list[str]]:
    limiter, limits, ran = RateLimiter("memory://"), parse_limits(spec), []

    async def limited(request: Request) -> None:
        await limiter.hit("test", request.headers.get("x-person") or client_key(request), limits)

    app = FastAPI()
    install_rate_limits(app)

    @app.post("/things", dependencies=[Depends(limited)])
    async def make_thing(request: Request) -> dict[str, str]:
        ran.append(request.headers.get("x-person", ""))
        return {"ok": "yes"}

    return app, ran


async def test_limit_per_key_answers_429_with_retry_after_and_runs_nothing() -> None:
    app, ran = app_with_limit("2/minute")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        codes = [(await client.post("/things", headers={"x-person": "a"})).status_code for _ in range(3)]
        refused = await client.post("/things", headers={"x-person": "a"})
        other = await client.post("/things", headers={"x-person": "b"})
    assert codes == [200, 200, 429]
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["detail"][0]["type"] == "rate_limited"
    assert other.status_code == 200  # another key has its own count
    assert ran == ["a", "a", "b"]


async def test_every_limit_of_a_spec_applies() -> None:
    limiter, limits = RateLimiter(), parse_limits("100/minute;3/hour")
    for _ in range(3):
        await limiter.hit("spec", "k", limits)
    with pytest.raises(RateLimited) as refused:
        await limiter.hit("spec", "k", limits)
    assert refused.value.retry_after > 60  # the hourly window decides


def test_empty_or_malformed_specs_are_refused() -> None:
    for bad in ("", "  ", "ten per minute"):
        with pytest.raises(ValueError):
            parse_limits(bad)
