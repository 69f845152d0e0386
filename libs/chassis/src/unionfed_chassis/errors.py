"""Errors routes raise and how they map to HTTP, in one shape: FastAPI's validation error body."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from .auth import AuthError, ScopeError
from .inputs import CONTROL_CHARACTERS_MESSAGE, MULTI_LINE_PATTERN, SINGLE_LINE_PATTERN
from .transient import is_transient

log = logging.getLogger("unionfed.http")

# Messages for the shared patterns: "must not contain control characters" says more than the regex.
_PATTERN_MESSAGES = {
    SINGLE_LINE_PATTERN: CONTROL_CHARACTERS_MESSAGE,
    MULTI_LINE_PATTERN: f"{CONTROL_CHARACTERS_MESSAGE} (tab and line breaks are allowed)",
}


class Rejected(Exception):
    """A command refused for a reason the caller can fix; `field` names the offending input."""

    def __init__(self, reason: str, field: str | None = None, status_code: int = 422) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.status_code = status_code


class NotFound(Rejected):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found", None, 404)


class Conflict(Rejected):
    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason, field, 409)


def error_body(
    reason: str, field: str | None, kind: str = "value_error", *, rule: str | None = None
) -> dict[str, object]:
    """FastAPI's validation error shape; a refusal by a named business rule says which (`rule`)."""
    loc = ["body", field] if field else ["body"]
    item: dict[str, object] = {"loc": loc, "msg": reason, "type": kind}
    if rule is not None:
        item.update(type="rule", rule=rule)
    return {"detail": [item]}


RETRY_AFTER_SECONDS = 5


def unavailable() -> JSONResponse:
    """503 for a request that met an unreachable database or broker: nothing was changed."""
    detail = "a service this request needs is unavailable; nothing was changed, retry later"
    return JSONResponse({"detail": detail}, 503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> Response:
        # Starlette's outermost middleware calls this for any uncaught error, then re-raises it
        # so the server logs the traceback. A database outage is not a bug of the request: say
        # when to come back (503). Anything else stays a plain 500.
        if is_transient(exc):
            log.warning("request failed, dependency unreachable: %s", type(exc).__name__)
            return unavailable()
        return PlainTextResponse("Internal Server Error", 500)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default body echoes each bad value back ("input"): a mistyped national ID
        # or phone would then sit in logs, proxies and the idempotency table. Field and reason
        # are enough to fix the request.
        errors = [{"loc": list(e["loc"]), "msg": _message(e), "type": e["type"]} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(Rejected)
    async def _rejected(_: Request, exc: Rejected) -> JSONResponse:
        return JSONResponse(error_body(exc.reason, exc.field), status_code=exc.status_code)

    @app.exception_handler(AuthError)
    async def _auth(_: Request, exc: AuthError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=401, headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(ScopeError)
    async def _scope(_: Request, exc: ScopeError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=403)


def _message(error: dict[str, object]) -> str:
    ctx = error.get("ctx")
    pattern = ctx.get("pattern") if isinstance(ctx, dict) else None
    return _PATTERN_MESSAGES.get(str(pattern), str(error["msg"]))
