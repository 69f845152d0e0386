"""Commands of the campaign lifecycle: what an organiser (or the scheduler) asks for, as plain
data. Other areas keep theirs in `commands_<area>.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from unionfed_events.campaigns import AudienceRule, CampaignKind


@dataclass(frozen=True)
class CreateCampaign:
    kind: CampaignKind
    title: str
    owner_district: str | None  # None: a federation campaign
    starts_on: date
    ends_on: date
    audience: AudienceRule
    description: str = ""
    capacity: int | None = None
    campaign_id: UUID | None = None  # None: a new id (the demo seed passes its own)


@dataclass(frozen=True)
class ReviseCampaign:
    """Only the fields given change (title, description, starts_on, ends_on, audience, capacity)."""

    campaign_id: UUID
    changes: dict[str, Any]


@dataclass(frozen=True)
class ScheduleCampaign:
    campaign_id: UUID


@dataclass(frozen=True)
class LaunchCampaign:
    campaign_id: UUID


@dataclass(frozen=True)
class CloseCampaign:
    campaign_id: UUID


@dataclass(frozen=True)
class CancelCampaign:
    campaign_id: UUID
    reason: str
