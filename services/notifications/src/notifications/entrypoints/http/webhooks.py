"""Routes of branch systems' webhook subscriptions, per district: district officers of the
district and federation admins manage them, the operator reads. A subscription out of the
caller's reach is 404. Secrets appear in two answers only (registration, rotation)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from unionfed_chassis.auth import Principal, ScopeError
from unionfed_chassis.http import UowDep
from unionfed_chassis.routes import DistrictFilter, Page, PageNo, PageSize, page_of

from notifications.adapters import webhook_store as store
from notifications.adapters.webhook_store import SecretBox
from notifications.entrypoints.consumers import PLANNED
from notifications.entrypoints.http.access import READ, WRITE, Allow
from notifications.entrypoints.schemas import webhooks as s
from notifications.handlers import webhook_subscriptions as handlers
from notifications.settings import NotificationsSettings

WebhookReader = Annotated[Principal, Allow("webhooks", READ)]
WebhookWriter = Annotated[Principal, Allow("webhooks", WRITE)]
DeliveryReader = Annotated[Principal, Allow("deliveries", READ)]

EVENT_TYPES = sorted(e.ce_type() for e in PLANNED)

router = APIRouter(tags=["webhooks"])


def _rules(request: Request) -> handlers.WebhookRules:
    settings: NotificationsSettings = request.app.state.settings
    return handlers.WebhookRules(
        known_types=frozenset(EVENT_TYPES),
        allow_private=bool(settings.webhook_allow_private),
        previous_secret_lasts=timedelta(hours=settings.webhook_secret_overlap_hours),
    )


def _box(request: Request) -> SecretBox:
    settings: NotificationsSettings = request.app.state.settings
    keyring = request.app.state.contact_keyring
    return SecretBox(settings.contact_key_id, keyring.public_key(settings.contact_key_id), keyring)


def _with_secret(row: Any, secret: str) -> s.WebhookWithSecret:
    public = s.WebhookPublic.model_validate(row)
    return s.WebhookWithSecret(**public.model_dump(), secret=secret)


@router.get("/webhooks/event-types", response_model=list[str])
async def event_types(_: WebhookReader) -> Any:
    """The CloudEvents types a subscription may ask for."""
    return EVENT_TYPES


@router.post("/webhooks", status_code=201, response_model=s.WebhookWithSecret)
async def register(body: s.WebhookCreate, uow: UowDep, principal: WebhookWriter, request: Request) -> Any:
    """Register a branch system's endpoint for some event types of a district; the answer holds
    its signing secret, shown this once."""
    cmd = handlers.RegisterWebhook(body.district, body.name, body.url, body.event_types, principal.subject)
    row, secret = await handlers.register_webhook(uow, cmd, _rules(request), _box(request), principal.check)
    await uow.commit()
    return _with_secret(row, secret)


@router.get("/webhooks", response_model=Page[s.WebhookPublic])
async def subscriptions(
    uow: UowDep,
    principal: WebhookReader,
    district: DistrictFilter = None,
    active: Annotated[bool | None, Query(description="Only active (true) or inactive (false) ones")] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Subscriptions within the caller's reach, newest first."""
    if not principal.is_federation_wide:
        if not principal.covers(principal.district, None) or district not in (None, principal.district):
            raise ScopeError(f"a {principal.role} sees the webhook subscriptions of their own district only")
        district = principal.district
    rows, total = await store.page(
        uow.session, district=district, active=active, offset=(page - 1) * page_size, limit=page_size
    )
    return page_of(rows, total, s.WebhookPublic, page, page_size)


@router.get("/webhooks/{subscription_id}", response_model=s.WebhookPublic)
async def subscription(subscription_id: UUID, uow: UowDep, principal: WebhookReader) -> Any:
    """One subscription (never its secret)."""
    return await handlers.visible(uow, subscription_id, principal.covers)


@router.patch("/webhooks/{subscription_id}", response_model=s.WebhookPublic)
async def change(
    subscription_id: UUID, body: s.WebhookUpdate, uow: UowDep, principal: WebhookWriter, request: Request
) -> Any:
    """Change the name, URL or event types, or deactivate (`active: false`) and reactivate."""
    cmd = handlers.ChangeWebhook(subscription_id, body.name, body.url, body.event_types, body.active)
    row = await handlers.change_webhook(uow, cmd, _rules(request), principal.covers)
    await uow.commit()
    return row


@router.delete("/webhooks/{subscription_id}", status_code=204)
async def deactivate(
    subscription_id: UUID, uow: UowDep, principal: WebhookWriter, request: Request
) -> Response:
    """Deactivate: nothing more is planned for it; its delivery log stays readable."""
    cmd = handlers.ChangeWebhook(subscription_id, active=False)
    await handlers.change_webhook(uow, cmd, _rules(request), principal.covers)
    await uow.commit()
    return Response(status_code=204)


@router.post("/webhooks/{subscription_id}/rotate-secret", response_model=s.WebhookWithSecret)
async def rotate_secret(
    subscription_id: UUID, uow: UowDep, principal: WebhookWriter, request: Request
) -> Any:
    """A new signing secret, shown this once; the previous one also signs until
    `previous_valid_until` (two signatures in `webhook-signature`)."""
    row, secret = await handlers.rotate_secret(
        uow, subscription_id, _rules(request), _box(request), principal.covers
    )
    await uow.commit()
    return _with_secret(row, secret)


@router.post("/webhooks/{subscription_id}/test", status_code=202, response_model=s.WebhookTestSent)
async def send_test(subscription_id: UUID, uow: UowDep, principal: WebhookWriter) -> Any:
    """Send the endpoint a `unionfed.webhook.test` event, delivered (and retried) like any other."""
    notification_id, event_id = await handlers.send_test(uow, subscription_id, principal.covers)
    await uow.commit()
    return s.WebhookTestSent(notification_id=notification_id, event_id=event_id)


@router.get("/webhooks/{subscription_id}/deliveries", response_model=list[s.DeliveryAttemptPublic])
async def deliveries(
    subscription_id: UUID,
    uow: UowDep,
    principal: DeliveryReader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """The subscription's latest delivery attempts: when, which event, which attempt, the
    receiver's status code, the outcome and the error."""
    await handlers.visible(uow, subscription_id, principal.covers)
    return await store.recent_attempts(uow.session, subscription_id, limit)
