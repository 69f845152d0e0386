"""The campaigns service's app: `uvicorn campaigns.main:app`; tests call `build_app(settings)`."""

from __future__ import annotations

from fastapi import FastAPI
from unionfed_chassis.app import ServiceDefinition, create_app
from unionfed_chassis.consumer import EventConsumer
from unionfed_chassis.settings import ServiceSettings
from unionfed_events import campaigns as ev

from campaigns.entrypoints.consumers import hardship_consumer, member_view_consumer
from campaigns.entrypoints.http import ROUTERS, install_domain_errors
from campaigns.settings import MIGRATIONS, CampaignsSettings


def build_app(settings: CampaignsSettings) -> FastAPI:
    def consumers(s: ServiceSettings) -> list[EventConsumer]:
        return [
            member_view_consumer(settings.member_view_group, s.ce_source),
            hardship_consumer(settings.hardship_group, s.ce_source),
        ]

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
        ),
        settings,
    )
    app.state.settings = settings
    install_domain_errors(app)
    return app


def __getattr__(name: str) -> FastAPI:
    # `uvicorn campaigns.main:app` reads this attribute; building it lazily keeps importing
    # this module (tests, tools) free of side effects and of environment requirements.
    if name == "app":
        built = build_app(CampaignsSettings())
        globals()["app"] = built
        return built
    raise AttributeError(name)
