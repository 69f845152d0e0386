"""The membership service's app: `uvicorn membership.main:app`; tests call `build_app(settings)`."""

from __future__ import annotations

from fastapi import FastAPI
from unionfed_chassis.app import ServiceDefinition, create_app, lazy_app
from unionfed_chassis.consumer import EventConsumer
from unionfed_chassis.rate_limit import install_rate_limits
from unionfed_chassis.settings import ServiceSettings
from unionfed_events import Event, topics
from unionfed_events import membership as ev

from membership.entrypoints.consumers import registration_consumer
from membership.entrypoints.http import ROUTERS, install_domain_errors
from membership.entrypoints.http._public import build_public_joining
from membership.settings import MIGRATIONS, MembershipSettings

_CONTACT_POINTS = (ev.MemberContactPoints, ev.MemberContactPointsWithdrawn)
_NOT_ON_EVENTS_TOPIC = (ev.MemberRegistrationRequested, ev.MemberRegistrationAnswered, *_CONTACT_POINTS)
PUBLISHES: list[type[Event] | tuple[type[Event], str]] = [
    *(e for e in ev.EVENTS if e not in _NOT_ON_EVENTS_TOPIC),
    (ev.MemberRegistrationAnswered, topics.system_template("membership", "replies")),
    *((e, topics.CONTACT_POINTS) for e in _CONTACT_POINTS),
]


def build_app(settings: MembershipSettings) -> FastAPI:
    vault = settings.vault()

    def consumers(s: ServiceSettings) -> list[EventConsumer]:
        return [registration_consumer(vault, s.ce_source)]

    app = create_app(
        ServiceDefinition(
            name="membership",
            domain="membership",
            description=(
                "The federation's organisation tree (districts, grassroots branches) and its members: "
                "joining (self-service, bulk import, branch systems), transfers, leaving, coverage."
            ),
            routers=ROUTERS,
            consumers=consumers,
            publishes=PUBLISHES,
            migrations=MIGRATIONS,
        ),
        settings,
    )
    app.state.vault = vault
    app.state.settings = settings
    app.state.public_joining = build_public_joining(settings)
    install_domain_errors(app)
    install_rate_limits(app)
    return app


__getattr__ = lazy_app(globals(), lambda: build_app(MembershipSettings()))
