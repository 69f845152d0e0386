"""Signing in: an operator pastes a token of the platform's identity provider into the login form
(in development: `unionfed token --role operator`); the console keeps it in an HttpOnly,
SameSite=Strict cookie and reads it as the bearer token of every later request. The token is
verified like any service verifies one; the console issues nothing itself.

Pages are HTML: a page asked for without a valid token redirects to the login form, while the
JSON API under `/api/` answers 401 like every other service.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, cast
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Receive, Scope, Send
from unionfed_chassis.auth import AuthError, Principal
from unionfed_chassis.http import Public, RuntimeDep
from unionfed_chassis.inputs import ShortText

from console.entrypoints.http.access import ACCESS, READ, SIGN_IN, Allow
from console.entrypoints.http.pages import render
from console.settings import ConsoleSettings

router = APIRouter(tags=["session"])

STATIC = Path(__file__).resolve().parents[2] / "static"
_STATIC_FILES = {p.name: p for p in STATIC.iterdir() if p.suffix in (".js", ".css", ".png")}
_MEDIA = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
TOKEN_MAX_LENGTH = 8192


class CookieBearer:
    """Reads the session cookie as `Authorization: Bearer …` when a request has no such header, so
    pages and the API check access the one way the chassis does (`AccessTable.allow`)."""

    def __init__(self, app: ASGIApp, cookie: str) -> None:
        self.app = app
        self.cookie = cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            token = _cookie_value(headers.get("cookie", ""), self.cookie)
            if token and "authorization" not in headers:
                MutableHeaders(scope=scope).append("authorization", f"Bearer {token}")
        await self.app(scope, receive, send)


def _cookie_value(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


def install_session(app: FastAPI, cookie: str) -> None:
    """The cookie middleware, and pages that redirect to the login form instead of a 401."""
    app.add_middleware(CookieBearer, cookie=cookie)
    # The chassis' handler (a 401 in JSON), kept for the API.
    api_handler = cast(Callable[[Request, Exception], Awaitable[Response]], app.exception_handlers[AuthError])

    async def sign_in_first(request: Request, exc: Exception) -> Response:
        # The JSON API, and the chassis' platform routes (outbox), answer 401 like any service.
        if request.url.path.startswith(("/api/", "/platform/")) or request.method not in ("GET", "HEAD"):
            return await api_handler(request, exc)
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    app.add_exception_handler(AuthError, sign_in_first)


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never `//host` or `https://…` (an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/stream"


@router.get("/", include_in_schema=False)
async def index(_: Annotated[Principal, Allow("events", READ)]) -> RedirectResponse:
    return RedirectResponse("/stream", status_code=303)


class Me(BaseModel):
    subject: str
    role: str
    district: str | None
    may: list[str] = Field(description="What this caller may do, as `area:action`")


@router.get("/api/me")
async def me(principal: Annotated[Principal, Allow("events", READ)]) -> Me:
    """Who is signed in, their scope and what they may do (pages hide what they may not)."""
    may = [f"{p.area}:{p.action}" for p in sorted(ACCESS.grants[principal.role], key=str)]
    return Me(subject=principal.subject, role=principal.role, district=principal.district, may=may)


@router.get("/login", dependencies=[Public], include_in_schema=False)
async def login_form(request: Request, next: ShortText | None = None) -> Response:
    return render(request, "login.html", None, page="login", next=_safe_next(next), error=None)


@router.post("/login", dependencies=[Public], include_in_schema=False)
async def login(
    request: Request,
    runtime: RuntimeDep,
    token: Annotated[str, Form(max_length=TOKEN_MAX_LENGTH)],
    next: Annotated[ShortText | None, Form()] = None,
) -> Response:
    target = _safe_next(next)
    try:
        principal = await runtime.settings.token_verifier.verify(token.strip())
    except AuthError:
        error = "That token is not valid here (expired, or not issued for the console)."
        return render(request, "login.html", None, page="login", next=target, error=error, status=401)
    if not ACCESS.allows(principal.role, SIGN_IN):
        error = f"A {principal.role} has no console: sign in as an operator or an officer."
        return render(request, "login.html", None, page="login", next=target, error=error, status=403)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        _settings(request).session_cookie,
        token.strip(),
        httponly=True,
        samesite="strict",
        secure=not runtime.settings.is_development,
        max_age=12 * 3600,
    )
    return response


@router.post("/logout", dependencies=[Public], include_in_schema=False)
async def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(_settings(request).session_cookie)
    return response


def _settings(request: Request) -> ConsoleSettings:
    settings: ConsoleSettings = request.app.state.settings
    return settings


@router.get("/static/{name}", dependencies=[Public], include_in_schema=False)
async def static(name: str) -> Response:
    path = _STATIC_FILES.get(name)
    if path is None:
        return Response("not found", status_code=404, media_type="text/plain")
    return FileResponse(path, media_type=_MEDIA[path.suffix], headers={"Cache-Control": "max-age=3600"})
