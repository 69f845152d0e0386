"""`Idempotency-Key` for HTTP commands: a retry gets the first answer and changes nothing.

The key is claimed (state in_progress) before the command runs and completed with the
response after it; a retry with the same key and body replays that response, a retry while
the first is running gets 409, the same key with a different body gets 422. A 5xx frees the
key so the client may retry. Keys belong to the verified subject of the bearer token (so a retry
with a refreshed token is still recognised); callers without a valid token share "public".

A pure ASGI middleware: a request without the header costs one header lookup, where Starlette's
`BaseHTTPMiddleware` ran every request through a task group and a streamed response.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_body
from .http import verified_principal
from .inputs import CONTROL_CHARACTERS, CONTROL_CHARACTERS_MESSAGE
from .tables import idempotency_keys as keys

HEADER = "Idempotency-Key"
_COMMANDS = {"POST", "PUT", "PATCH", "DELETE"}


async def principal_of(scope: Scope, headers: Headers) -> str:
    """Whose key space a request's Idempotency-Key lives in: a hash of the token's verified
    subject, or "public"."""
    principal = await verified_principal(scope["app"].state.runtime, headers.get("authorization"))
    if principal is None:
        return "public"
    return hashlib.sha256(b"sub\0" + principal.subject.encode()).hexdigest()[:32]


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, engine_getter: Callable[[Scope], AsyncEngine]) -> None:
        self.app = app
        self._engine_getter = engine_getter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _COMMANDS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if not key:
            await self.app(scope, receive, send)
            return
        if len(key) > 200:
            answer = JSONResponse(error_body("Idempotency-Key is longer than 200 characters", HEADER), 422)
            await answer(scope, receive, send)
            return
        if CONTROL_CHARACTERS.search(key):  # the key is stored; PostgreSQL refuses NUL
            answer = JSONResponse(error_body(f"Idempotency-Key {CONTROL_CHARACTERS_MESSAGE}", HEADER), 422)
            await answer(scope, receive, send)
            return
        engine = self._engine_getter(scope)
        body, replay_receive = await _buffer_body(receive)
        principal = await principal_of(scope, headers)
        digest = hashlib.sha256(scope["method"].encode() + scope["path"].encode() + b"\0" + body).hexdigest()
        replay = await _claim(engine, key, principal, digest)
        if replay is not None:
            await replay(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        try:
            await self.app(scope, replay_receive, hold)
        except Exception:
            await _release(engine, key, principal)
            raise
        await _complete(engine, key, principal, held)
        for message in held:
            await send(message)


async def _buffer_body(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a `receive` that hands it to the app once more."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away; the app will see an empty body
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, replay


async def _complete(engine: AsyncEngine, key: str, principal: str, held: list[Message]) -> None:
    """Store the response the app gave (or free the key after a 5xx)."""
    start = next((m for m in held if m["type"] == "http.response.start"), None)
    status = start["status"] if start is not None else 500
    if status >= 500 or status == 429:  # a retry must run for real (a 429 is not an answer to keep)
        await _release(engine, key, principal)
        return
    content = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
    content_type = Headers(raw=start["headers"]).get("content-type") if start is not None else None
    async with engine.begin() as conn:
        await conn.execute(
            keys.update()
            .where(keys.c.key == key, keys.c.principal == principal)
            .values(state="done", status_code=status, response_body=content, content_type=content_type)
        )


async def _claim(engine: AsyncEngine, key: str, principal: str, digest: str) -> Response | None:
    """None when this request now owns the key; otherwise the response to give instead."""
    async with engine.begin() as conn:
        claimed = await conn.execute(
            insert(keys)
            .values(key=key, principal=principal, request_hash=digest, state="in_progress")
            .on_conflict_do_nothing()
            .returning(keys.c.key)
        )
        if claimed.first() is not None:
            return None
        row = (
            await conn.execute(sa.select(keys).where(keys.c.key == key, keys.c.principal == principal))
        ).one()
    if row.request_hash != digest:
        return JSONResponse(
            error_body("Idempotency-Key was already used for a different request", HEADER), 422
        )
    if row.state != "done":
        return JSONResponse({"detail": "a request with this Idempotency-Key is still being processed"}, 409)
    headers = {"Idempotent-Replayed": "true"}
    return Response(row.response_body, row.status_code, media_type=row.content_type, headers=headers)


async def _release(engine: AsyncEngine, key: str, principal: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(keys.delete().where(keys.c.key == key, keys.c.principal == principal))
