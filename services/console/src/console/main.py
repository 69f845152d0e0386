"""The operator console's app: `uvicorn console.main:app`; tests call `build_app(settings)`.

It runs on the chassis like a service (health, metrics, token checks, its own database and
migrations) but owns no domain: it reads every unionfed topic into its own index under its own
consumer group, and publishes no event of its own."""

from __future__ import annotations

from fastapi import FastAPI
from unionfed_chassis.app import ServiceDefinition, create_app, lazy_app
from unionfed_chassis.runtime import Runtime

from console.entrypoints.http import ROUTERS
from console.entrypoints.http.session import install_session
from console.settings import MIGRATIONS, ConsoleSettings
from console.workers import WORKERS


def build_app(settings: ConsoleSettings) -> FastAPI:
    async def start_workers(runtime: Runtime) -> None:
        for name, worker in WORKERS.items():
            runtime.spawn(worker(settings, runtime), f"console-{name}")

    app = create_app(
        ServiceDefinition(
            name="console",
            domain="console",
            description=(
                "The operators' console: live event streams, member timelines across services, "
                "consumer-group lag, dead-letter redrive, the contract catalog and outboxes."
            ),
            routers=ROUTERS,
            migrations=MIGRATIONS,
            on_started=start_workers,
        ),
        settings,
    )
    app.state.settings = settings
    install_session(app, settings.session_cookie)
    return app


__getattr__ = lazy_app(globals(), lambda: build_app(ConsoleSettings()))
