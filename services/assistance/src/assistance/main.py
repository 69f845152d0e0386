"""The assistance service's app: `uvicorn assistance.main:app`; tests call `build_app(settings)`."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from unionfed_chassis.app import ServiceDefinition, create_app, lazy_app
from unionfed_chassis.consumer import EventConsumer
from unionfed_chassis.runtime import Runtime
from unionfed_chassis.settings import ServiceSettings
from unionfed_events import assistance as ev

from assistance.entrypoints.consumers import campaigns_consumer, member_view_consumer
from assistance.entrypoints.http import ROUTERS, install_domain_errors
from assistance.handlers.deadlines import DeadlineWatch
from assistance.settings import MIGRATIONS, AssistanceSettings


def build_app(settings: AssistanceSettings) -> FastAPI:
    def consumers(s: ServiceSettings) -> list[EventConsumer]:
        return [
            member_view_consumer(settings.member_view_group, s.ce_source),
            campaigns_consumer(settings.campaigns_group, s.ce_source),
        ]

    async def start_deadlines(runtime: Runtime) -> None:
        watch = DeadlineWatch(
            runtime.unit_of_work,
            escalate_after=timedelta(hours=settings.escalate_after_hours),
            grant_expiry=timedelta(days=settings.grant_expiry_days),
            every_seconds=settings.deadline_check_seconds,
        )
        app.state.deadlines = watch  # tests run a round as of a chosen time
        runtime.spawn(watch.run(), "aid-deadlines")

    app = create_app(
        ServiceDefinition(
            name="assistance",
            domain="assistance",
            description=(
                "The union's help desk for workers in difficulty: hardship registry, aid cases with "
                "multi-level approval, funds kept as a ledger, payments for finance, rights appeals."
            ),
            routers=ROUTERS,
            consumers=consumers,
            publishes=ev.EVENTS,
            migrations=MIGRATIONS,
            on_started=start_deadlines,
        ),
        settings,
    )
    app.state.settings = settings
    app.state.policy = settings.policy()
    install_domain_errors(app)
    return app


__getattr__ = lazy_app(globals(), lambda: build_app(AssistanceSettings()))
