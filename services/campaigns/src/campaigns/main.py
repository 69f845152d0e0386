"""The campaigns service's app: `uvicorn campaigns.main:app`; tests call `build_app(settings)`."""

from __future__ import annotations

from fastapi import FastAPI
from unionfed_chassis.app import ServiceDefinition, create_app, lazy_app
from unionfed_chassis.consumer import EventConsumer
from unionfed_chassis.runtime import Runtime
from unionfed_chassis.settings import ServiceSettings
from unionfed_events import campaigns as ev

from campaigns.entrypoints.consumers import hardship_consumer, member_view_consumer, notified_consumer
from campaigns.entrypoints.http import ROUTERS, install_domain_errors
from campaigns.handlers.scheduler import CampaignScheduler
from campaigns.settings import MIGRATIONS, CampaignsSettings


def build_app(settings: CampaignsSettings) -> FastAPI:
    def consumers(s: ServiceSettings) -> list[EventConsumer]:
        return [
            member_view_consumer(settings.member_view_group, s.ce_source),
            hardship_consumer(settings.hardship_group, s.ce_source),
            notified_consumer(settings.notified_group, s.ce_source),
        ]

    async def start_scheduler(runtime: Runtime) -> None:
        scheduler = CampaignScheduler(runtime.unit_of_work, settings.zone, settings.schedule_check_seconds)
        app.state.scheduler = scheduler  # tests run a round as of a chosen time
        runtime.spawn(scheduler.run(), "campaign-scheduler")

    app = create_app(
        ServiceDefinition(
            name="campaigns",
            domain="campaigns",
            description=(
                "The union's campaigns and how they reach workers: seasonal drives, competitions, "
                "honours, proposals and surveys, with audiences from the service's own member view."
            ),
            routers=ROUTERS,
            consumers=consumers,
            publishes=ev.EVENTS,
            migrations=MIGRATIONS,
            on_started=start_scheduler,
        ),
        settings,
    )
    app.state.settings = settings
    install_domain_errors(app)
    return app


__getattr__ = lazy_app(globals(), lambda: build_app(CampaignsSettings()))
