"""What the engagement handlers share: the campaign a command names, the member it concerns,
both within the caller's scope, and where their events go."""

from __future__ import annotations

from uuid import UUID

from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_events import Event

from campaigns.adapters import engagement_store as store
from campaigns.domain.engagement import CampaignFacts, MemberFacts, require_active
from campaigns.domain.errors import DomainError, NotFound


async def campaign_named(
    uow: UnitOfWork, campaign_id: UUID, *, lock: store.Lock, named_in_body: bool = False
) -> CampaignFacts:
    """The campaign; unknown: 404 when the path names it, 422 naming `campaign_id` when the body does.
    Callers check the scope themselves (the campaign's, or the member's they act for)."""
    campaign = await store.campaign(uow.session, campaign_id, lock)
    if campaign is None:
        if named_in_body:
            raise DomainError("no campaign with this id", field="campaign_id", rule="campaign_known")
        raise NotFound(f"campaign {campaign_id}")
    return campaign


async def campaign_to_organise(
    uow: UnitOfWork, campaign_id: UUID, scope: Scope, *, lock: store.Lock, named_in_body: bool = False
) -> CampaignFacts:
    """The campaign, if the caller organises it (its district's officer, or the federation for any)."""
    campaign = await campaign_named(uow, campaign_id, lock=lock, named_in_body=named_in_body)
    scope(campaign.owner_district, None)
    return campaign


async def active_member(uow: UnitOfWork, member_id: UUID, scope: Scope) -> MemberFacts:
    """The member, if the caller's scope covers their branch and they are active."""
    member = await store.member(uow.session, member_id)
    if member is None:
        raise DomainError(
            "no member with this id is known to the campaigns service", field="member_id", rule="member_known"
        )
    scope(member.district, member.branch_id)
    require_active(member)
    return member


def acting(uow: UnitOfWork) -> str:
    """Who acts (their token's subject), as recorded on the rows they change."""
    return uow.actor.subject


def emit_for_member(uow: UnitOfWork, event: Event, district: str, branch_id: str | None) -> None:
    """An event about one member (or team) goes to their district's topic."""
    uow.emit(event, district=district, branch=branch_id)


def emit_for_campaign(uow: UnitOfWork, event: Event, campaign: CampaignFacts) -> None:
    """An event about a whole campaign goes to its owner district's topic, or the federation's."""
    uow.emit(event, district=campaign.owner_district)
