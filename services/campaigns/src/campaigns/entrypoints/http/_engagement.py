"""What the engagement routers share: reading a campaign's proposals, ranking or survey."""

from __future__ import annotations

from uuid import UUID

from unionfed_chassis.auth import Principal, ScopeError
from unionfed_chassis.db import UnitOfWork

from campaigns.adapters import engagement_store
from campaigns.domain.engagement import CampaignFacts
from campaigns.domain.errors import NotFound


async def readable_campaign(uow: UnitOfWork, campaign_id: UUID, principal: Principal) -> CampaignFacts:
    """The campaign, if the caller may read it: a federation campaign everyone, a district's
    campaign its own district's officers and the federation-wide roles (403 otherwise)."""
    campaign = await engagement_store.campaign(uow.session, campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id}")
    if not (principal.is_federation_wide or campaign.owner_district in (None, principal.district)):
        raise ScopeError(f"{principal.role} of {principal.district} cannot see another district's campaign")
    return campaign
