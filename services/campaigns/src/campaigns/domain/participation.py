"""Who may take part in a campaign, and what enrolling, withdrawing and recording a delivery do.

Places are counted by the database, not here: the campaign row's `enrolled` and `waitlisted`
counters move only by conditional UPDATEs under the row's lock, and a CHECK refuses more enrolled
members than places. This module decides everything that does not depend on concurrent requests.

Decisions an organiser would ask about:
- Enrolling twice answers the existing state and changes nothing (no second event).
- A member who withdrew may ask again: the request is new, so they take a free place or the end of
  the waiting list, never their old place (withdrawing cannot be used to jump the queue).
- Withdrawing twice answers the withdrawn state; an enrolled member's withdrawal frees a place,
  which the first on the waiting list takes in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from unionfed_events.campaigns import CampaignKind

from campaigns.domain.errors import DomainError, InvalidTransition


class ParticipantStatus(StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"


# Kinds whose organisers hand something out at work sites: relief drives (Winter Warmth, Summer
# Cooling, the Golden-Autumn education aid), cultural deliveries, and safety trainings held on
# site. Competitions, honours, proposals, surveys and energy-saving drives reach workers by other
# means (scores, awards, answers), so a "delivery" there would be a category error.
DELIVERY_KINDS = frozenset(
    {
        CampaignKind.WINTER_WARMTH,
        CampaignKind.SUMMER_COOLING,
        CampaignKind.GOLDEN_AUTUMN,
        CampaignKind.CULTURAL_DELIVERY,
        CampaignKind.SAFETY_TRAINING,
    }
)


@dataclass(frozen=True)
class CampaignFacts:
    """What the participation rules read from a campaign."""

    kind: str
    status: str
    owner_district: str | None
    audience_districts: tuple[str, ...]
    starts_on: date
    capacity: int | None
    enrolled: int = 0  # as last read: a hint of which UPDATE to try first, never a decision

    @property
    def looks_full(self) -> bool:
        return self.capacity is not None and self.enrolled >= self.capacity


@dataclass(frozen=True)
class Candidate:
    """A member asking to enrol: their unit now, and whether the launch's audience held them."""

    district: str
    branch_id: str
    status: str  # in the member view: active, suspended, left
    in_audience: bool


def require_launched(campaign: CampaignFacts) -> None:
    if campaign.status != "launched":
        raise InvalidTransition(
            f"the campaign is {campaign.status}, not launched", field="campaign_id", rule="campaign_launched"
        )


def check_enrolment(campaign: CampaignFacts, candidate: Candidate) -> None:
    """Refuse with the rule that fails: launched campaign, member of its audience, active member."""
    require_launched(campaign)
    if not candidate.in_audience:
        raise DomainError(
            "the member is not in the audience the campaign was launched for",
            field="member_id",
            rule="in_audience",
        )
    if candidate.status != "active":
        raise DomainError(
            f"only active members can enrol (the member is {candidate.status})",
            field="member_id",
            rule="member_active",
        )


def is_participating(status: str | None) -> bool:
    """Whether an existing participation answers a new enrolment request as it is."""
    return status in (ParticipantStatus.ENROLLED, ParticipantStatus.WAITLISTED)


@dataclass(frozen=True)
class DeliverySite:
    district: str
    branch_district: str | None  # the district of the named branch in the member view, if one was named
    branch_named: bool
    delivered_on: date
    today: date


def check_delivery(campaign: CampaignFacts, site: DeliverySite) -> None:
    """A delivery belongs to a launched campaign of a delivering kind, in one of its districts,
    at a branch of that district (if one is named), on a day since the campaign started."""
    require_launched(campaign)
    if campaign.kind not in DELIVERY_KINDS:
        kinds = ", ".join(sorted(DELIVERY_KINDS))
        raise DomainError(
            f"a {campaign.kind} campaign records no deliveries (only {kinds})",
            field="campaign_id",
            rule="takes_deliveries",
        )
    districts = _campaign_districts(campaign)
    if districts and site.district not in districts:
        raise DomainError(
            "the district is not one the campaign runs in", field="district", rule="in_campaign_districts"
        )
    if site.branch_named and site.branch_district != site.district:
        raise DomainError(
            "the branch is not a known branch of the district", field="branch_id", rule="branch_in_district"
        )
    if not campaign.starts_on <= site.delivered_on <= site.today:
        raise DomainError(
            "the delivery date is between the campaign's start and today",
            field="delivered_on",
            rule="within_campaign_dates",
        )


def _campaign_districts(campaign: CampaignFacts) -> frozenset[str]:
    """Districts a campaign runs in; empty = all. A district union's campaign runs in its own."""
    if campaign.owner_district is not None:
        return frozenset({campaign.owner_district})
    return frozenset(campaign.audience_districts)
