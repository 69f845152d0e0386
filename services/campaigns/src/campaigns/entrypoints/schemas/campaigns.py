"""Request and response models of the campaign lifecycle (`XCreate`/`XUpdate` in, `XPublic` out)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from unionfed_chassis.inputs import Comment, DistrictCode, Name, Reason, ShortText, Slug
from unionfed_chassis.routes import Public
from unionfed_events.campaigns import (
    AudienceRule,
    CampaignKind,
    CampaignResults,
    DistrictReach,
    HardshipFilter,
)
from unionfed_events.membership import EmploymentType

from campaigns.domain.campaign import CampaignStatus

MAX_CRITERIA = 200  # values per criterion: a rule lists districts or branches, not a member list
Capacity = Annotated[int, Field(ge=1, le=1_000_000, description="Places for enrolment; omit for unlimited")]
Age = Annotated[int, Field(ge=0, le=150)]


class AudienceInput(BaseModel):
    """Who a campaign targets: active members matching every non-empty criterion (empty = any).
    Ages are whole years at the launch day, from the birth year (members without one match no
    age band). A district union's campaign targets its own district only."""

    model_config = ConfigDict(extra="forbid")

    districts: list[DistrictCode] = Field(default_factory=list, max_length=MAX_CRITERIA)
    branch_ids: list[Slug] = Field(default_factory=list, max_length=MAX_CRITERIA)
    industries: list[ShortText] = Field(default_factory=list, max_length=MAX_CRITERIA)
    employment_types: list[EmploymentType] = Field(default_factory=list, max_length=MAX_CRITERIA)
    min_age: Age | None = None
    max_age: Age | None = None
    hardship: HardshipFilter = HardshipFilter.ANY

    def rule(self) -> AudienceRule:
        return AudienceRule.model_validate(self.model_dump())


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: CampaignKind
    title: Name
    description: Comment = ""
    owner_district: DistrictCode | None = Field(
        description="The organising district union; null = the federation"
    )
    starts_on: date = Field(description="Day it launches (by the scheduler, once scheduled)")
    ends_on: date = Field(description="Its last day; it closes by itself the day after")
    audience: AudienceInput = Field(default_factory=AudienceInput)
    capacity: Capacity | None = None


class CampaignUpdate(BaseModel):
    """Only the fields sent change; a draft or scheduled campaign only."""

    model_config = ConfigDict(extra="forbid")

    title: Name | None = None
    description: Comment | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    audience: AudienceInput | None = None
    capacity: Capacity | None = None


class CampaignCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class AudiencePreview(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audience: AudienceInput
    on: date | None = Field(None, description="Day the ages are counted at; default today")


class DistrictSize(BaseModel):
    district: str
    size: int


class AudienceSize(BaseModel):
    size: int = Field(description="Members matched")
    by_district: list[DistrictSize]


class CampaignPublic(Public):
    campaign_id: UUID
    kind: CampaignKind
    title: str
    description: str
    owner_district: str | None
    status: CampaignStatus
    starts_on: date
    ends_on: date
    audience: AudienceRule
    audience_size: int | None = Field(description="Members targeted, fixed at launch")
    capacity: int | None
    enrolled: int
    waitlisted: int
    notified: int
    results: CampaignResults | None = Field(description="What it achieved, counted at its close")
    cancel_reason: str | None
    created_by: str
    launched_at: datetime | None
    closed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class CampaignStats(BaseModel):
    targeted: int = Field(description="Members in the audience at launch (0 before)")
    notified: int = Field(description="Members the notifications service told (its in-app summaries)")
    enrolled: int
    waitlisted: int
    reached: int = Field(description="Workers reached by recorded deliveries")
    by_district: list[DistrictReach]
