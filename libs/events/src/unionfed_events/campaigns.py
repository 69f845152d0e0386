"""Campaign domain events: seasonal drives, participation, proposals and honours."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from .base import Event
from .fields import BranchId, DistrictCode

DOMAIN = "campaigns"


class CampaignKind(StrEnum):
    """Kind of campaign: seasonal care drives, cultural deliveries, skill and safety activities."""

    WINTER_WARMTH = "winter_warmth"
    SUMMER_COOLING = "summer_cooling"
    GOLDEN_AUTUMN = "golden_autumn"
    CULTURAL_DELIVERY = "cultural_delivery"
    SKILL_COMPETITION = "skill_competition"
    SAFETY_TRAINING = "safety_training"
    OTHER = "other"


class Honour(StrEnum):
    """Honour awarded to a worker or a team."""

    WORKER_PIONEER = "worker_pioneer"
    MODEL_WORKER = "model_worker"
    MAY_DAY_MEDAL = "may_day_medal"
    FIVE_TYPE_TEAM = "five_type_team"


class ProposalKind(StrEnum):
    """Rationalisation proposal or technical-innovation achievement."""

    RATIONALISATION = "rationalisation"
    INNOVATION = "innovation"


class CampaignLaunched(Event):
    """A campaign was launched for some districts and industries."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "CampaignLaunched"

    campaign_id: UUID = Field(description="Id of the campaign.")
    kind: CampaignKind = Field(description="Kind of campaign.")
    title: str = Field(min_length=1, description="Title shown to members.")
    districts: list[DistrictCode] = Field(description="Codes of the districts it runs in; empty = all.")
    industries: list[str] = Field(description="Industries it targets; empty = all.")
    starts_on: date = Field(description="First day of the campaign.")
    ends_on: date = Field(description="Last day of the campaign.")

    def subject(self) -> str:
        return str(self.campaign_id)


class CampaignClosed(Event):
    """A campaign ended."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "CampaignClosed"

    campaign_id: UUID = Field(description="Id of the campaign.")
    closed_on: date = Field(description="Date the campaign was closed.")
    participants: int = Field(ge=0, description="Number of members who took part.")

    def subject(self) -> str:
        return str(self.campaign_id)


class ParticipantEnrolled(Event):
    """A member enrolled in (or was reached by) a campaign."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "ParticipantEnrolled"

    campaign_id: UUID = Field(description="Id of the campaign.")
    member_id: UUID = Field(description="Id of the member.")
    district: DistrictCode = Field(description="Code of the member's district union.")
    branch_id: BranchId = Field(description="The member's branch.")

    def subject(self) -> str:
        return str(self.campaign_id)


class ProposalSubmitted(Event):
    """A member submitted a rationalisation proposal or a technical-innovation achievement."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "ProposalSubmitted"

    proposal_id: UUID = Field(description="Id of the proposal.")
    member_id: UUID = Field(description="Id of the submitting member.")
    branch_id: BranchId = Field(description="The member's branch.")
    district: DistrictCode = Field(description="Code of the member's district union.")
    kind: ProposalKind = Field(description="Rationalisation proposal or innovation achievement.")
    title: str = Field(min_length=1, description="Title of the proposal.")

    def subject(self) -> str:
        return str(self.proposal_id)


class HonourAwarded(Event):
    """An honour (Worker Pioneer, model worker, May Day medal, five-type team) was awarded."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "HonourAwarded"

    honour: Honour = Field(description="The honour awarded.")
    recipient_id: str = Field(
        min_length=1, description="Member id (UUID) or, for team honours, the team's name."
    )
    district: DistrictCode = Field(description="Code of the recipient's district union.")
    awarded_on: date = Field(description="Date of the award.")

    def subject(self) -> str:
        return self.recipient_id


EVENTS: list[type[Event]] = [
    CampaignLaunched,
    CampaignClosed,
    ParticipantEnrolled,
    ProposalSubmitted,
    HonourAwarded,
]
