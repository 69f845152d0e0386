"""Campaign domain events: seasonal drives, competitions, honours, proposals and surveys.

A campaign owned by a district union is published on that district's topic; one organised by the
federation on the federation topic. Events about one member (enrolment, a survey answer) go to the
member's district topic. Events name members by id only; what a member wrote (a proposal's text,
survey answers) stays in the campaigns service.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from .base import Event
from .fields import BranchId, DistrictCode
from .membership import EmploymentType

DOMAIN = "campaigns"


class CampaignKind(StrEnum):
    """Kind of campaign: seasonal care drives, cultural deliveries, skill, safety, honours, surveys."""

    WINTER_WARMTH = "winter_warmth"
    SUMMER_COOLING = "summer_cooling"
    GOLDEN_AUTUMN = "golden_autumn"
    CULTURAL_DELIVERY = "cultural_delivery"
    SKILL_COMPETITION = "skill_competition"
    SAFETY_TRAINING = "safety_training"
    HONOUR_SELECTION = "honour_selection"
    FIVE_TYPE_TEAMS = "five_type_teams"
    ENERGY_SAVING = "energy_saving"
    PROPOSAL_COLLECTION = "proposal_collection"
    SURVEY = "survey"
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


class ProposalOutcome(StrEnum):
    """What a review decided about a proposal."""

    ADOPTED = "adopted"
    REJECTED = "rejected"


class HardshipFilter(StrEnum):
    """Whether an audience is restricted by the hardship registry."""

    ANY = "any"
    REGISTERED = "registered"
    NOT_REGISTERED = "not_registered"


class AudienceRule(BaseModel):
    """Who a campaign targets: active members matching every non-empty criterion.

    An empty list means "any". Ages are whole years at the launch date, from the birth year
    membership publishes (members without one match no age band)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    districts: list[DistrictCode] = Field(default_factory=list, description="District codes; empty = all.")
    branch_ids: list[BranchId] = Field(default_factory=list, description="Branches; empty = all.")
    industries: list[str] = Field(default_factory=list, description="Industries; empty = all.")
    employment_types: list[EmploymentType] = Field(
        default_factory=list, description="Employment types (e.g. migrant); empty = all."
    )
    min_age: int | None = Field(default=None, ge=0, le=150, description="Youngest age targeted.")
    max_age: int | None = Field(default=None, ge=0, le=150, description="Oldest age targeted.")
    hardship: HardshipFilter = Field(default=HardshipFilter.ANY, description="Hardship-registry filter.")


class DistrictReach(BaseModel):
    """One district's share of a campaign's results."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    district: DistrictCode
    targeted: int = Field(ge=0, description="Members of the audience in the district at launch.")
    enrolled: int = Field(ge=0, description="Members enrolled at the close.")
    reached: int = Field(ge=0, description="Workers reached by recorded deliveries.")


class CampaignResults(BaseModel):
    """What a campaign achieved, as counted when it closed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    targeted: int = Field(ge=0, description="Size of the audience at launch.")
    enrolled: int = Field(ge=0, description="Members enrolled at the close.")
    waitlisted: int = Field(ge=0, description="Members still on the waiting list at the close.")
    reached: int = Field(ge=0, description="Workers reached by recorded deliveries.")
    deliveries: int = Field(ge=0, description="Deliveries recorded.")
    proposals: int = Field(ge=0, description="Proposals submitted.")
    proposals_adopted: int = Field(ge=0, description="Proposals adopted.")
    survey_responses: int = Field(ge=0, description="Members who answered the survey.")
    honours: int = Field(ge=0, description="Honours awarded.")
    by_district: list[DistrictReach] = Field(default_factory=list, description="The same, per district.")


class CampaignScheduled(Event):
    """A campaign was scheduled: it launches and closes by itself at these dates."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "CampaignScheduled"

    campaign_id: UUID = Field(description="Id of the campaign.")
    kind: CampaignKind = Field(description="Kind of campaign.")
    title: str = Field(min_length=1, description="Title shown to members.")
    starts_on: date = Field(description="Day it launches.")
    ends_on: date = Field(description="Last day of the campaign.")

    def subject(self) -> str:
        return str(self.campaign_id)


class CampaignLaunched(Event):
    """A campaign was launched for its audience."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "CampaignLaunched"

    campaign_id: UUID = Field(description="Id of the campaign.")
    kind: CampaignKind = Field(description="Kind of campaign.")
    title: str = Field(min_length=1, description="Title shown to members.")
    districts: list[DistrictCode] = Field(description="Codes of the districts it runs in; empty = all.")
    industries: list[str] = Field(description="Industries it targets; empty = all.")
    starts_on: date = Field(description="First day of the campaign.")
    ends_on: date = Field(description="Last day of the campaign.")
    audience: AudienceRule | None = Field(
        default=None, description="The full audience rule (its districts and industries as above)."
    )
    audience_size: int | None = Field(default=None, ge=0, description="Members the rule matched at launch.")
    capacity: int | None = Field(default=None, ge=1, description="Places for enrolment; null = unlimited.")

    def subject(self) -> str:
        return str(self.campaign_id)


class AudienceTargeted(Event):
    """Part of a launched campaign's audience, by member id: the people to invite.

    Published at launch on each district's topic, in chunks of at most 1,000 members, so a
    notifier reaches exactly the audience the rule matched without evaluating the rule itself."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "AudienceTargeted"

    campaign_id: UUID = Field(description="Id of the campaign.")
    district: DistrictCode = Field(description="District of these members.")
    chunk: int = Field(ge=1, description="Number of this chunk within the district, from 1.")
    chunks: int = Field(ge=1, description="How many chunks the district's audience has.")
    member_ids: list[UUID] = Field(max_length=1000, description="Ids of the members targeted.")

    def subject(self) -> str:
        return str(self.campaign_id)


class CampaignClosed(Event):
    """A campaign ended."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "CampaignClosed"

    campaign_id: UUID = Field(description="Id of the campaign.")
    closed_on: date = Field(description="Date the campaign was closed.")
    participants: int = Field(ge=0, description="Number of members who took part.")
    results: CampaignResults | None = Field(default=None, description="What the campaign achieved.")

    def subject(self) -> str:
        return str(self.campaign_id)


class CampaignCancelled(Event):
    """A draft or scheduled campaign was called off before it launched."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "CampaignCancelled"

    campaign_id: UUID = Field(description="Id of the campaign.")
    reason: str = Field(min_length=1, description="Why it was called off.")

    def subject(self) -> str:
        return str(self.campaign_id)


class ParticipantEnrolled(Event):
    """A member enrolled in a campaign (directly, or moved up from the waiting list)."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "ParticipantEnrolled"

    campaign_id: UUID = Field(description="Id of the campaign.")
    member_id: UUID = Field(description="Id of the member.")
    district: DistrictCode = Field(description="Code of the member's district union.")
    branch_id: BranchId = Field(description="The member's branch.")
    from_waiting_list: bool = Field(default=False, description="Moved up from the waiting list.")

    def subject(self) -> str:
        return str(self.campaign_id)


class ParticipantWaitlisted(Event):
    """A member asked to enrol in a full campaign and was put on its waiting list."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "ParticipantWaitlisted"

    campaign_id: UUID = Field(description="Id of the campaign.")
    member_id: UUID = Field(description="Id of the member.")
    district: DistrictCode = Field(description="Code of the member's district union.")
    position: int = Field(ge=1, description="Place on the waiting list when added.")

    def subject(self) -> str:
        return str(self.campaign_id)


class ParticipantWithdrew(Event):
    """A member withdrew from a campaign (or its waiting list); an enrolled member frees a place."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "ParticipantWithdrew"

    campaign_id: UUID = Field(description="Id of the campaign.")
    member_id: UUID = Field(description="Id of the member.")
    district: DistrictCode = Field(description="Code of the member's district union.")
    was_enrolled: bool = Field(description="True if a place was freed; false if it was a waiting-list entry.")

    def subject(self) -> str:
        return str(self.campaign_id)


class DeliveryRecorded(Event):
    """A relief or cultural delivery reached workers at a site."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "DeliveryRecorded"

    delivery_id: UUID = Field(description="Id of the delivery.")
    campaign_id: UUID = Field(description="Id of the campaign.")
    district: DistrictCode = Field(description="District of the site.")
    branch_id: BranchId | None = Field(default=None, description="Branch of the site, if one.")
    site: str = Field(min_length=1, description="Where (a work site, a branch, a square).")
    items: str = Field(min_length=1, description="What was delivered (e.g. 200 cooling kits).")
    workers_reached: int = Field(ge=1, description="How many workers it reached.")
    delivered_on: date = Field(description="Date of the delivery.")

    def subject(self) -> str:
        return str(self.delivery_id)


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
    campaign_id: UUID | None = Field(default=None, description="The collection drive it was submitted to.")

    def subject(self) -> str:
        return str(self.proposal_id)


class ProposalReviewed(Event):
    """A proposal was adopted or rejected by the campaign's organisers."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "ProposalReviewed"

    proposal_id: UUID = Field(description="Id of the proposal.")
    campaign_id: UUID | None = Field(
        default=None, description="The collection drive it was submitted to; null for a standing proposal."
    )
    member_id: UUID = Field(description="Id of the submitting member.")
    district: DistrictCode = Field(description="Code of the member's district union.")
    outcome: ProposalOutcome = Field(description="Adopted or rejected.")
    award: str | None = Field(
        default=None,
        description=(
            "Award given to an adopted proposal, if any. An award given after the adoption publishes "
            "this event again (same outcome, with the award): keep the last one per proposal."
        ),
    )

    def subject(self) -> str:
        return str(self.proposal_id)


class RankedEntry(BaseModel):
    """One place in a competition's ranking."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rank: int = Field(ge=1)
    member_id: UUID = Field(description="Id of the competitor.")
    score: str = Field(pattern=r"^[0-9]{1,6}(\.[0-9]{1,2})?$", description="Score, an exact decimal string.")
    award: str | None = Field(default=None, description="Award for this place, if any.")


class CompetitionRanked(Event):
    """A competition's final ranking was published."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "CompetitionRanked"

    campaign_id: UUID = Field(description="Id of the competition campaign.")
    ranking: list[RankedEntry] = Field(max_length=1000, description="Places, best first (ties share a rank).")

    def subject(self) -> str:
        return str(self.campaign_id)


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
    campaign_id: UUID | None = Field(default=None, description="The selection it came from, if any.")
    branch_id: BranchId | None = Field(default=None, description="The recipient's branch, if known.")

    def subject(self) -> str:
        return self.recipient_id


class SurveyAnswered(Event):
    """A member answered a survey (the answers stay in the campaigns service)."""

    domain: ClassVar[str] = DOMAIN
    event_name: ClassVar[str] = "SurveyAnswered"

    campaign_id: UUID = Field(description="Id of the survey campaign.")
    member_id: UUID = Field(description="Id of the member.")
    district: DistrictCode = Field(description="Code of the member's district union.")

    def subject(self) -> str:
        return str(self.campaign_id)


EVENTS: list[type[Event]] = [
    CampaignScheduled,
    CampaignLaunched,
    AudienceTargeted,
    CampaignClosed,
    CampaignCancelled,
    ParticipantEnrolled,
    ParticipantWaitlisted,
    ParticipantWithdrew,
    DeliveryRecorded,
    ProposalSubmitted,
    ProposalReviewed,
    CompetitionRanked,
    HonourAwarded,
    SurveyAnswered,
]
