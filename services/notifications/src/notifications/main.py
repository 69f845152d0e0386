"""The notifications service's app: `uvicorn notifications.main:app`; tests call `build_app(settings)`."""

from __future__ import annotations

from fastapi import FastAPI
from unionfed_chassis.app import ServiceDefinition, create_app, lazy_app
from unionfed_chassis.consumer import EventConsumer
from unionfed_chassis.runtime import Runtime
from unionfed_chassis.settings import ServiceSettings
from unionfed_events import notifications as ev

from notifications.adapters.inbox_listener import InboxListener
from notifications.entrypoints.consumers import (
    audience_consumer,
    contacts_consumer,
    events_consumer,
    member_view_consumer,
)
from notifications.entrypoints.http import ROUTERS, install_domain_errors
from notifications.handlers.digests import DigestLoop
from notifications.handlers.dispatch import build_dispatcher
from notifications.settings import MIGRATIONS, NotificationsSettings


def build_app(settings: NotificationsSettings) -> FastAPI:
    def consumers(s: ServiceSettings) -> list[EventConsumer]:
        return [
            member_view_consumer(settings.member_view_group, s.ce_source),
            contacts_consumer(settings.contacts_group, s.ce_source),
            events_consumer(settings.events_group, s.ce_source),
            audience_consumer(settings.audience_group, s.ce_source),
        ]

    inbox_listener = InboxListener(settings.asyncpg_dsn)

    async def start_workers(runtime: Runtime) -> None:
        """The dispatcher and the digest loop run in every replica (rows are claimed with SKIP LOCKED)."""
        runtime.spawn(inbox_listener.run(), name="inbox-listener")  # wakes this replica's live inboxes
        dispatcher = build_dispatcher(settings, runtime, app.state.contact_keyring)
        app.state.dispatcher = dispatcher  # tests run a round as of a chosen time
        if settings.dispatch_enabled:
            runtime.spawn(dispatcher.run(), "notifications-dispatcher")
        digests = DigestLoop(runtime.unit_of_work, settings.timezone)
        app.state.digests = digests  # tests run a round as of a chosen time
        runtime.spawn(digests.run(), "notification-digests")

    app = create_app(
        ServiceDefinition(
            name="notifications",
            domain="notifications",
            description=(
                "Tells members, officers and branch systems what happened, once: in-app inbox, "
                "e-mail, SMS and Standard Webhooks, with templates in Chinese and English, "
                "preferences, quiet hours and digests."
            ),
            routers=ROUTERS,
            consumers=consumers,
            publishes=ev.EVENTS,
            migrations=MIGRATIONS,
            on_started=start_workers,
        ),
        settings,
    )
    app.state.settings = settings
    app.state.contact_keyring = settings.contact_keyring()
    app.state.inbox_listener = inbox_listener
    install_domain_errors(app)
    return app


__getattr__ = lazy_app(globals(), lambda: build_app(NotificationsSettings()))
