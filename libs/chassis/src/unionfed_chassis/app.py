"""The app factory: one FastAPI app per service, with the FastStream broker, outbox relay,
health, metrics and AsyncAPI wired the same way everywhere."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import HTMLResponse, JSONResponse
from faststream.specification import AsyncAPI
from faststream.specification.asyncapi.site import get_asyncapi_html
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from unionfed_events import Event, topics

from . import context
from .consumer import EventConsumer
from .errors import install_error_handlers
from .http import Public
from .idempotency import IdempotencyMiddleware
from .logging import configure_logging
from .outbox_routes import outbox_router
from .runtime import Runtime, is_ready
from .settings import ServiceSettings


@dataclass
class ServiceDefinition:
    """Everything that makes one service different from another."""

    name: str
    domain: str
    description: str
    routers: Sequence[APIRouter] = ()
    consumers: Callable[[ServiceSettings], list[EventConsumer]] = lambda _s: []
    # Event classes published on the district events topic, or (event class, topic template).
    publishes: Sequence[type[Event] | tuple[type[Event], str]] = ()
    migrations: Path | None = None
    on_started: Callable[[Runtime], Awaitable[None]] | None = None
    version: str = "0.1.0"
    extra: dict[str, Any] = field(default_factory=dict)


def create_app(definition: ServiceDefinition, settings: ServiceSettings) -> FastAPI:
    configure_logging(settings.service_name, settings.log_level)
    runtime = Runtime.build(settings, definition.domain, definition.consumers(settings))
    _declare_publications(runtime, definition)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start(definition.migrations)
        if definition.on_started:
            await definition.on_started(runtime)
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=f"unionfed {definition.name}",
        description=definition.description,
        version=definition.version,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    app.add_middleware(IdempotencyMiddleware, engine_getter=lambda _scope: runtime.engine)
    app.add_middleware(RequestContextMiddleware)
    # Platform routes first: a router tries routes in order, and probes come often.
    _add_platform_routes(app, runtime, definition)
    for router in definition.routers:
        app.include_router(router)
    return app


def lazy_app(module_globals: dict[str, Any], build: Callable[[], FastAPI]) -> Callable[[str], FastAPI]:
    """A service module's `__getattr__`: `uvicorn <service>.main:app` reads `app`, built on first
    access, so importing the module (tests, tools) has no side effects and needs no environment."""

    def module_getattr(name: str) -> FastAPI:
        if name == "app":
            built = module_globals["app"] = build()
            return built
        raise AttributeError(name)

    return module_getattr


def _declare_publications(runtime: Runtime, definition: ServiceDefinition) -> None:
    """Describe what the outbox relay publishes, for the AsyncAPI document (the relay, not
    these FastStream publishers, does the sending)."""
    if not definition.publishes:
        return  # a service without events of its own (the console) has no domain topic either
    default = topics.district_template(definition.domain)
    for item in definition.publishes:
        event, topic = item if isinstance(item, tuple) else (item, default)
        runtime.broker.publisher(
            topic, title=f"{event.ce_type()}", schema=event, description=(event.__doc__ or "").strip()
        )


class RequestContextMiddleware:
    """Sets the message context (correlation id, trace) of a request and echoes its
    `x-correlation-id`. Pure ASGI: Starlette's `BaseHTTPMiddleware` (`app.middleware("http")`)
    cost every request a task group and a streamed response, about a third of a liveness probe."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        correlation = headers.get("x-correlation-id") or str(uuid.uuid4())
        token = context.current.set(
            context.MessageContext(
                correlation_id=correlation,
                causation_id=None,
                traceparent=context.child_traceparent(headers.get("traceparent")),
            )
        )

        async def send_with_correlation(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["x-correlation-id"] = correlation
            await send(message)

        try:
            await self.app(scope, receive, send_with_correlation)
        finally:
            context.current.reset(token)


def _add_platform_routes(app: FastAPI, runtime: Runtime, definition: ServiceDefinition) -> None:
    spec = AsyncAPI(
        runtime.broker,
        title=f"unionfed {definition.name}",
        version=definition.version,
        description=definition.description,
    )
    app.state.asyncapi = spec  # `unionfed api-docs` exports it without starting the service

    @app.get("/health/live", tags=["platform"], dependencies=[Public])
    async def live() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/health/ready", tags=["platform"], dependencies=[Public])
    async def ready() -> JSONResponse:
        """Ready when the database and the broker answer and no consumer is stuck retrying;
        otherwise 503 naming what is not ok (details in the log)."""
        checks = await runtime.readiness()
        ok = is_ready(checks)
        return JSONResponse({"status": "ok" if ok else "unavailable", **checks}, 200 if ok else 503)

    @app.get("/metrics", tags=["platform"], dependencies=[Public])
    async def metrics() -> Response:
        """Prometheus metrics."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/asyncapi.json", tags=["platform"], dependencies=[Public])
    async def asyncapi_json() -> Response:
        """AsyncAPI 3 document of the events this service consumes and publishes."""
        return Response(spec.to_specification().to_json(), media_type="application/json")

    @app.get("/asyncapi", tags=["platform"], dependencies=[Public], response_class=HTMLResponse)
    async def asyncapi_html() -> str:
        """The AsyncAPI document, rendered."""
        return get_asyncapi_html(spec.to_specification())

    app.include_router(outbox_router())  # operators only (its own access table)
