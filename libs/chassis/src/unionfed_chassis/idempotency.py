"""`Idempotency-Key` for HTTP commands: a retry gets the first answer and changes nothing.

The key is claimed (state in_progress) before the command runs and completed with the
response after it; a retry with the same key and body replays that response, a retry while
the first is running gets 409, the same key with a different body gets 422. A 5xx frees the
key so the client may retry. Keys belong to the verified subject of the bearer token (so a retry
with a refreshed token is still recognised); callers without a valid token share "public".
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import Headers
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from .errors import error_body
from .http import verified_principal
from .inputs import CONTROL_CHARACTERS, CONTROL_CHARACTERS_MESSAGE
from .tables import idempotency_keys as keys

HEADER = "Idempotency-Key"
_COMMANDS = {"POST", "PUT", "PATCH", "DELETE"}


class IdempotencyMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: object, engine_getter: object) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self._engine_getter = engine_getter

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        key = request.headers.get(HEADER)
        if request.method not in _COMMANDS or not key:
            return await call_next(request)
        if len(key) > 200:
            return JSONResponse(error_body("Idempotency-Key is longer than 200 characters", HEADER), 422)
        if CONTROL_CHARACTERS.search(key):  # the key is stored; PostgreSQL refuses NUL
            return JSONResponse(error_body(f"Idempotency-Key {CONTROL_CHARACTERS_MESSAGE}", HEADER), 422)
        engine: AsyncEngine = self._engine_getter(request)  # type: ignore[operator]
        body = await request.body()
        principal = await principal_of(request.scope, request.headers)
        digest = hashlib.sha256(
            request.method.encode() + request.url.path.encode() + b"\0" + body
        ).hexdigest()
        replay = await _claim(engine, key, principal, digest)
        if replay is not None:
            return replay
        try:
            response = await call_next(request)
        except Exception:
            await _release(engine, key, principal)
            raise
        if response.status_code >= 500 or response.status_code == 429:  # a retry must run for real
            await _release(engine, key, principal)
            return response
        content = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
        async with engine.begin() as conn:
            await conn.execute(
                keys.update()
                .where(keys.c.key == key, keys.c.principal == principal)
                .values(
                    state="done",
                    status_code=response.status_code,
                    response_body=content,
                    content_type=response.headers.get("content-type"),
                )
            )
        return Response(content, response.status_code, headers=dict(response.headers))


async def principal_of(scope: Scope, headers: Headers) -> str:
    """Whose key space a request's Idempotency-Key lives in: a hash of the token's verified
    subject, or "public"."""
    principal = await verified_principal(scope["app"].state.runtime, headers.get("authorization"))
    if principal is None:
        return "public"
    return hashlib.sha256(b"sub\0" + principal.subject.encode()).hexdigest()[:32]


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
