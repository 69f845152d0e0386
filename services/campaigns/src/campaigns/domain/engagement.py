"""Rules every engagement area (proposals, competitions, honours, surveys) shares: the campaign
must be of the right kind and in the right state, and the member active and within the
campaign's district."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from uuid import UUID

from campaigns.domain.errors import DomainError, InvalidTransition


@dataclass(frozen=True)
class CampaignFacts:
    """What the engagement areas read of a campaign (the lifecycle owns the rest)."""

    campaign_id: UUID
    kind: str
    status: str
    owner_district: str | None


@dataclass(frozen=True)
class MemberFacts:
    """A member as the service's view knows them."""

    member_id: UUID
    district: str
    branch_id: str
    industry: str | None
    status: str


def require_kind(campaign: CampaignFacts, kinds: Collection[str], *, field: str = "campaign_id") -> None:
    if campaign.kind not in kinds:
        wanted = " or ".join(sorted(kinds))
        raise DomainError(
            f"this is a {campaign.kind} campaign; only a {wanted} campaign takes this",
            field=field,
            rule="campaign_kind",
        )


def require_status(campaign: CampaignFacts, statuses: Collection[str], *, field: str = "campaign_id") -> None:
    if campaign.status not in statuses:
        wanted = " or ".join(sorted(statuses))
        raise InvalidTransition(
            f"the campaign is {campaign.status}; this needs it {wanted}",
            field=field,
            rule=f"campaign_{'_or_'.join(sorted(statuses))}",
        )


def require_active(member: MemberFacts, *, field: str = "member_id") -> None:
    if member.status != "active":
        raise DomainError(f"the member is {member.status}, not active", field=field, rule="member_active")


def require_within_campaign(campaign: CampaignFacts, district: str, *, field: str = "member_id") -> None:
    """A district's campaign takes part only from its own district; a federation one from any."""
    if campaign.owner_district is not None and district != campaign.owner_district:
        raise DomainError(
            "the campaign belongs to another district union than this member's",
            field=field,
            rule="campaign_district",
        )
