"""Calling the platform's services over HTTP (`ConsoleSettings.services`: name → base URL): their
outbox routes with the signed-in operator's own token, which each service checks itself, and
their AsyncAPI documents (public). A service that does not answer is reported as such, never
raised: one service down must not take a console page with it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

TIMEOUT = httpx.Timeout(5.0, connect=2.0)


@dataclass(frozen=True)
class Answer:
    """What one service said: its JSON body and status, or why it said nothing (`error`)."""

    service: str
    url: str
    status: int | None = None
    body: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


async def call(
    service: str,
    base_url: str,
    method: str,
    path: str,
    *,
    authorization: str | None = None,
    json: Any = None,
    client: httpx.AsyncClient | None = None,
) -> Answer:
    url = f"{base_url.rstrip('/')}{path}"
    headers = {"Authorization": authorization} if authorization else {}
    try:
        if client is None:
            async with httpx.AsyncClient(timeout=TIMEOUT) as own:
                response = await own.request(method, url, headers=headers, json=json)
        else:
            response = await client.request(method, url, headers=headers, json=json)
    except httpx.HTTPError as exc:
        return Answer(service, url, error=f"unreachable ({type(exc).__name__}: {exc or 'no answer'})")
    try:
        body = response.json()
    except ValueError:
        return Answer(service, url, response.status_code, error=f"answered {response.status_code}, not JSON")
    return Answer(service, url, response.status_code, body)


async def call_each(
    services: Mapping[str, str], method: str, path: str, *, authorization: str | None = None
) -> list[Answer]:
    """The same call to every service at once, in the settings' order."""
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        return list(
            await asyncio.gather(
                *(
                    call(name, url, method, path, authorization=authorization, client=client)
                    for name, url in services.items()
                )
            )
        )
