"""Request and response models of branch systems' webhook subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field
from unionfed_chassis.inputs import DistrictCode, Name
from unionfed_chassis.routes import Public

from notifications.domain.webhooks import MAX_URL_LENGTH

MAX_EVENT_TYPES = 64
Url = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description="http(s) endpoint of the branch system, without credentials; receives a POST per event",
    ),
]
EventTypes = Annotated[
    list[Annotated[str, Field(max_length=200)]],
    Field(
        min_length=1,
        max_length=MAX_EVENT_TYPES,
        description="CloudEvents types to receive, from `GET /webhooks/event-types`",
    ),
]


class WebhookCreate(BaseModel):
    district: DistrictCode = Field(description="District whose events the subscription receives")
    name: Name = Field(description="What the branch system is called, for people")
    url: Url
    event_types: EventTypes


class WebhookUpdate(BaseModel):
    name: Name | None = None
    url: Url | None = None
    event_types: EventTypes | None = None
    active: bool | None = Field(None, description="false deactivates, true reactivates")


class WebhookPublic(Public):
    subscription_id: UUID
    district: str
    name: str
    url: str
    event_types: list[str]
    active: bool
    created_by: str = Field(description="Who registered it (the account of the token)")
    previous_valid_until: datetime | None = Field(
        None, description="Until when the secret before the last rotation also signs"
    )
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookPublic):
    secret: str = Field(
        description="Signing secret (`whsec_…`), shown this once: keep it in the branch system"
    )


class WebhookTestSent(BaseModel):
    notification_id: UUID = Field(description="The `webhook-id` the test delivery will carry")
    event_id: UUID = Field(description="Id of the test CloudEvent")


class DeliveryAttemptPublic(Public):
    at: datetime
    notification_id: UUID
    event_type: str
    attempt: int
    outcome: str = Field(description="delivered | failed")
    status_code: int | None
    error: str | None
    duration_ms: int
