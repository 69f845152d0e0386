"""Commands on branch systems' webhook subscriptions: register, change, deactivate, rotate the
secret, send a test event. Secrets are returned once, to the caller, and stored sealed.

Every handler takes the caller's reach as a required argument (`Sees`: the route passes
`principal.covers`); a subscription out of reach is "not found", as if it did not exist."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from unionfed_chassis.contact_seal import UnknownContactKey
from unionfed_chassis.db import UnitOfWork
from unionfed_events.envelope import Envelope
from unionfed_events.ids import uuid7

from notifications.adapters import webhook_store as store
from notifications.adapters.webhook_store import SecretBox
from notifications.domain.errors import DomainError, NotFound
from notifications.domain.webhooks import TEST_EVENT_TYPE, check_url, new_secret
from notifications.handlers.webhook_planning import content_row, notification_rows

Sees = Callable[[str | None, str | None], bool]


@dataclass(frozen=True)
class WebhookRules:
    """What the service's settings decide: the event types one may subscribe to, whether URLs
    may point at private addresses, and how long a rotated-out secret still signs."""

    known_types: frozenset[str]
    allow_private: bool
    previous_secret_lasts: timedelta


@dataclass(frozen=True)
class RegisterWebhook:
    district: str
    name: str
    url: str
    event_types: list[str]
    created_by: str


@dataclass(frozen=True)
class ChangeWebhook:
    subscription_id: UUID
    name: str | None = None
    url: str | None = None
    event_types: list[str] | None = None
    active: bool | None = None


def _checked_types(event_types: list[str], rules: WebhookRules) -> list[str]:
    for position, event_type in enumerate(event_types):
        if event_type not in rules.known_types:
            raise DomainError(
                f"event_types[{position}] is not a known event type (see GET /webhooks/event-types)",
                field="event_types",
            )
    return list(dict.fromkeys(event_types))  # in the order given, once each


async def visible(uow: UnitOfWork, subscription_id: UUID, sees: Sees, *, for_update: bool = False) -> Any:
    """The subscription if the caller reaches its district, else NotFound (404)."""
    row = await store.get(uow.session, subscription_id, for_update=for_update)
    if row is None or not sees(row.district, None):
        raise NotFound(f"webhook subscription {subscription_id}")
    return row


async def register_webhook(
    uow: UnitOfWork,
    cmd: RegisterWebhook,
    rules: WebhookRules,
    box: SecretBox,
    scope: Callable[[str | None, str | None], None],
) -> tuple[Any, str]:
    """A new active subscription and its secret (returned this once)."""
    scope(cmd.district, None)
    values = {
        "subscription_id": uuid7(),
        "district": cmd.district,
        "name": cmd.name,
        "url": check_url(cmd.url, allow_private=rules.allow_private),
        "event_types": _checked_types(cmd.event_types, rules),
        "created_by": cmd.created_by,
    }
    secret = new_secret()
    row = await store.add(uow.session, {**values, "key_id": box.key_id, "secret_sealed": box.seal(secret)})
    return row, secret


async def change_webhook(uow: UnitOfWork, cmd: ChangeWebhook, rules: WebhookRules, sees: Sees) -> Any:
    await visible(uow, cmd.subscription_id, sees, for_update=True)
    values: dict[str, Any] = {}
    if cmd.name is not None:
        values["name"] = cmd.name
    if cmd.url is not None:
        values["url"] = check_url(cmd.url, allow_private=rules.allow_private)
    if cmd.event_types is not None:
        values["event_types"] = _checked_types(cmd.event_types, rules)
    if cmd.active is not None:
        values["active"] = cmd.active
    return await store.update(uow.session, cmd.subscription_id, values)


async def rotate_secret(
    uow: UnitOfWork, subscription_id: UUID, rules: WebhookRules, box: SecretBox, sees: Sees
) -> tuple[Any, str]:
    """A new secret (returned this once); the one it replaces keeps signing alongside it for
    `rules.previous_secret_lasts`, so the branch system can switch without losing a delivery.
    Both are sealed again to the current key. A rotation during an overlap ends the older one;
    one whose current secret no longer opens (its key was dropped) has no overlap."""
    row = await visible(uow, subscription_id, sees, for_update=True)
    try:
        current: str | None = box.open(row.key_id, row.secret_sealed)
    except UnknownContactKey:
        current = None
    secret = new_secret()
    values = {
        "key_id": box.key_id,
        "secret_sealed": box.seal(secret),
        "previous_secret_sealed": box.seal(current) if current else None,
        "previous_valid_until": datetime.now(UTC) + rules.previous_secret_lasts if current else None,
    }
    return await store.update(uow.session, subscription_id, values), secret


async def send_test(uow: UnitOfWork, subscription_id: UUID, sees: Sees) -> tuple[UUID, UUID]:
    """Plan a `unionfed.webhook.test` event for this subscription alone, delivered like any
    other; returns (notification id = its `webhook-id`, event id)."""
    row = await visible(uow, subscription_id, sees)
    if not row.active:
        raise DomainError("the subscription is inactive: reactivate it first", field="active", rule="active")
    data = {"subscription_id": str(subscription_id), "message": "test event from unionfed notifications"}
    envelope = Envelope(
        source=uow.source,
        type=TEST_EVENT_TYPE,
        subject=str(subscription_id),
        district=row.district,
        data=json.dumps(data).encode(),
    )
    content = content_row(envelope)
    [notification] = notification_rows(content, [subscription_id])
    notification_id = uuid7()
    await store.plan(uow.session, [content], [{**notification, "notification_id": notification_id}])
    return notification_id, content["caused_by"]
