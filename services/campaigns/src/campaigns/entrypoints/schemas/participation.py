"""Request and response models of participation (enrolment, waiting list, withdrawal) and
deliveries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field
from unionfed_chassis.inputs import DistrictCode, Name, Reason, Slug
from unionfed_chassis.routes import Public

ParticipantState = Literal["enrolled", "waitlisted", "withdrawn"]


class ParticipantCreate(BaseModel):
    member_id: UUID = Field(description="The member to enrol (must be in the campaign's audience)")


class ParticipantPublic(Public):
    campaign_id: UUID
    member_id: UUID
    district: str = Field(description="The member's district when they asked to enrol")
    branch_id: str = Field(description="The member's branch when they asked to enrol")
    status: ParticipantState
    position: int | None = Field(None, description="Place on the waiting list (waitlisted only), from 1")


class ParticipantListed(ParticipantPublic):
    enrolled_at: datetime | None
    withdrawn_at: datetime | None


class WithdrawalPublic(BaseModel):
    participant: ParticipantPublic
    was_enrolled: bool = Field(description="True if the withdrawal freed a place")
    moved_up: UUID | None = Field(description="The waiting member who took the freed place, if one")


class DeliveryCreate(BaseModel):
    site: Name = Field(description="Where: a work site, a branch, a square")
    items: Reason = Field(description="What was delivered (e.g. 200 cooling kits, a film screening)")
    workers_reached: int = Field(ge=1, le=1_000_000, description="How many workers it reached")
    delivered_on: date = Field(description="Day of the delivery (not in the future)")
    district: DistrictCode = Field(description="District of the site")
    branch_id: Slug | None = Field(None, description="Branch of the site, if one")


class DeliveryPublic(Public):
    delivery_id: UUID
    campaign_id: UUID
    district: str
    branch_id: str | None
    site: str
    items: str
    workers_reached: int
    delivered_on: date
    recorded_by: str = Field(description="Who recorded it (the account of the token)")
    created_at: datetime


class DeliveryTotals(Public):
    district: str
    deliveries: int
    workers_reached: int
    sites: int = Field(description="Distinct sites reached")
    recorded_by: list[str] = Field(description="Accounts that recorded deliveries")
    first_on: date
    last_on: date
