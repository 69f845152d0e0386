"""`Idempotency-Key` for HTTP commands: a retry gets the first answer and changes nothing.

The key is claimed (state in_progress) before the command runs; the command's own transaction
marks it committed (`UnitOfWork.commit`), and the response is stored after it (done). A retry
with the same key and body replays that response; the same key with a different body gets 422.
A retry while the first runs gets 409 with Retry-After. When the answer was lost after the
command committed (process killed, database gone before the answer was stored) a retry gets 409
saying so, never a second run. A claim that never committed is taken over after
`IDEMPOTENCY_LEASE_SECONDS` (its process died), and a 5xx before the commit frees the key.
While the database is unreachable the answer is 503 with Retry-After. Keys belong to the verified
subject of the bearer token (so a retry with a refreshed token is still recognised); callers
without a valid token share "public".

A pure ASGI middleware: a request without the header costs one header lookup, where Starlette's
`BaseHTTPMiddleware` ran every request through a task group and a streamed response.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import context
from .errors import error_body, unavailable
from .http import verified_principal
from .inputs import CONTROL_CHARACTERS, CONTROL_CHARACTERS_MESSAGE
from .tables import idempotency_keys as keys
from .transient import is_transient

log = logging.getLogger("unionfed.idempotency")

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
        lease = scope["app"].state.runtime.settings.idempotency_lease_seconds
        try:
            replay = await _claim(engine, key, principal, digest, lease)
        except Exception as exc:
            if not is_transient(exc):
                raise
            log.warning("cannot claim an Idempotency-Key: database unreachable (%s)", type(exc).__name__)
            replay = unavailable()
        if replay is not None:
            await replay(scope, receive, send)
            return
        held = await self._run(scope, replay_receive, context.IdempotencyClaim(key, principal), engine)
        for message in held:
            await send(message)

    async def _run(
        self, scope: Scope, receive: Receive, claim: context.IdempotencyClaim, engine: AsyncEngine
    ) -> list[Message]:
        """Run the command holding the claim; store its answer (or free the key if it failed
        before committing). The answer goes to the client even if storing it fails."""
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        token = context.idempotency_claim.set(claim)
        try:
            await self.app(scope, receive, hold)
        except Exception:
            if not claim.committed:
                await _release(engine, claim)
            raise
        finally:
            context.idempotency_claim.reset(token)
        try:
            await _complete(engine, claim, held)
        except Exception as exc:  # the claim stays `committed`: a retry is told, never run again
            log.warning("could not store an Idempotency-Key's answer: %s", type(exc).__name__)
        return held


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


async def _complete(engine: AsyncEngine, claim: context.IdempotencyClaim, held: list[Message]) -> None:
    """Store the response the app gave. A 5xx or 429 before the command committed frees the key
    (the client may retry); after it, the claim stays `committed` (a retry must not run it again)."""
    start = next((m for m in held if m["type"] == "http.response.start"), None)
    status = start["status"] if start is not None else 500
    if status >= 500 or status == 429:  # a retry must run for real (a 429 is not an answer to keep)
        if not claim.committed:
            await _release(engine, claim)
        return
    content = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
    content_type = Headers(raw=start["headers"]).get("content-type") if start is not None else None
    async with engine.begin() as conn:
        await conn.execute(
            _this(claim.key, claim.principal).values(
                state="done", status_code=status, response_body=content, content_type=content_type
            )
        )


async def _claim(engine: AsyncEngine, key: str, principal: str, digest: str, lease: int) -> Response | None:
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
        if row.request_hash == digest and row.state == "in_progress" and await _take_over(conn, row, lease):
            return None
    return _answer_for(row, digest)


async def _take_over(conn: AsyncConnection, row: sa.Row[Any], lease: int) -> bool:
    """A claim older than the lease that never committed belongs to a request whose process
    died: this retry takes it (only one retry can, the update is conditional)."""
    taken = await conn.execute(
        _this(row.key, row.principal)
        .where(
            keys.c.state == "in_progress",
            keys.c.created_at < sa.func.now() - sa.func.make_interval(0, 0, 0, 0, 0, 0, lease),
        )
        .values(created_at=sa.func.now())
        .returning(keys.c.key)
    )
    return taken.first() is not None


def _answer_for(row: sa.Row[Any], digest: str) -> Response:
    if row.request_hash != digest:
        return JSONResponse(
            error_body("Idempotency-Key was already used for a different request", HEADER), 422
        )
    if row.state == "committed":
        detail = (
            "the request with this Idempotency-Key was applied but its answer was lost; "
            "read the resource to see the result"
        )
        return JSONResponse({"detail": detail}, 409)
    if row.state != "done":
        detail = "a request with this Idempotency-Key is still being processed; retry in a moment"
        return JSONResponse({"detail": detail}, 409, headers={"Retry-After": "1"})
    headers = {"Idempotent-Replayed": "true"}
    return Response(row.response_body, row.status_code, media_type=row.content_type, headers=headers)


def _this(key: str, principal: str) -> sa.Update:
    return keys.update().where(keys.c.key == key, keys.c.principal == principal)


async def _release(engine: AsyncEngine, claim: context.IdempotencyClaim) -> None:
    async with engine.begin() as conn:
        await conn.execute(keys.delete().where(keys.c.key == claim.key, keys.c.principal == claim.principal))
