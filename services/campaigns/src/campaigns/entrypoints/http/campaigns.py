"""Routes of the campaign lifecycle: drafting, audience previews, scheduling, launching,
closing, cancelling, and a campaign's reach. District officers organise their own district's
campaigns; the federation organises any; everyone reads the campaigns of their district and
the federation's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from unionfed_chassis.auth import Principal, ScopeError
from unionfed_chassis.http import UowDep
from unionfed_chassis.routes import DistrictFilter, Page, PageNo, PageSize, page_of
from unionfed_events.campaigns import AudienceRule, CampaignKind

from campaigns import commands as cmds
from campaigns.adapters import audience as audience_sql
from campaigns.adapters import campaign_queries, campaign_stats
from campaigns.adapters.campaign_store import CampaignStore
from campaigns.domain.campaign import BEFORE_LAUNCH, CampaignStatus
from campaigns.domain.errors import DomainError, NotFound
from campaigns.entrypoints.http.access import READ, WRITE, Allow
from campaigns.entrypoints.schemas import campaigns as s
from campaigns.handlers import campaigns as handlers
from campaigns.settings import CampaignsSettings

Reader = Annotated[Principal, Allow("campaigns", READ)]
Organiser = Annotated[Principal, Allow("campaigns", WRITE)]

router = APIRouter(tags=["campaigns"])


async def _today(request: Request) -> date:
    """Today in the service's time zone: the day campaigns start and end on."""
    settings: CampaignsSettings = request.app.state.settings
    return datetime.now(settings.zone).date()


Today = Annotated[date, Depends(_today)]


def _readable(row: Any, campaign_id: UUID, principal: Principal) -> Any:
    """The campaign if the reader may see it: their district's, or the federation's."""
    if row is None:
        raise NotFound(f"campaign {campaign_id}")
    if not principal.is_federation_wide and row.owner_district not in (None, principal.district):
        raise ScopeError(f"{principal.role} of {principal.district} cannot see this campaign")
    return row


async def _public(uow: UowDep, campaign_id: UUID) -> Any:
    return await campaign_queries.campaign_row(uow.session, campaign_id)


@router.post("/campaigns", status_code=201, response_model=s.CampaignPublic)
async def create_campaign(body: s.CampaignCreate, uow: UowDep, principal: Organiser) -> Any:
    """Draft a campaign (status "draft"); a district officer drafts for their own district only."""
    cmd = cmds.CreateCampaign(
        kind=body.kind,
        title=body.title,
        description=body.description,
        owner_district=body.owner_district,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        audience=body.audience.rule(),
        capacity=body.capacity,
    )
    campaign = await handlers.create_campaign(uow, cmd, principal.check)
    await uow.commit()
    return await _public(uow, campaign.campaign_id)


_NOT_NULL = ("title", "description", "starts_on", "ends_on", "audience")


@router.patch("/campaigns/{campaign_id}", response_model=s.CampaignPublic)
async def revise_campaign(
    campaign_id: UUID, body: s.CampaignUpdate, uow: UowDep, principal: Organiser, today: Today
) -> Any:
    """Change a draft or scheduled campaign; only the fields sent change (capacity null = unlimited)."""
    changes = body.model_dump(exclude_unset=True)
    for name in _NOT_NULL:
        if name in changes and changes[name] is None:
            raise DomainError(f"{name} cannot be removed", field=name)
    if body.audience is not None:
        changes["audience"] = body.audience.rule()
    await handlers.revise_campaign(uow, cmds.ReviseCampaign(campaign_id, changes), principal.check, today)
    await uow.commit()
    return await _public(uow, campaign_id)


@router.get("/campaigns", response_model=Page[s.CampaignPublic])
async def list_campaigns(
    uow: UowDep,
    principal: Reader,
    status: CampaignStatus | None = None,
    kind: CampaignKind | None = None,
    district: DistrictFilter = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Campaigns the caller may see, newest first; `district` = the organising district."""
    owners: list[str | None] | None
    if principal.is_federation_wide:
        owners = [district] if district else None
    elif district is not None and district != principal.district:
        raise ScopeError(f"{principal.role} of {principal.district} cannot see another district")
    else:
        owners = [principal.district] if district else [principal.district, None]
    result = await campaign_queries.list_campaigns(
        uow.session,
        page,
        page_size,
        owners=owners,
        status=status.value if status else None,
        kind=kind.value if kind else None,
    )
    return page_of(result.items, result.total, s.CampaignPublic, page, page_size)


@router.get("/campaigns/{campaign_id}", response_model=s.CampaignPublic)
async def get_campaign(campaign_id: UUID, uow: UowDep, principal: Reader) -> Any:
    """One campaign, with its results once closed."""
    return _readable(await _public(uow, campaign_id), campaign_id, principal)


def _sizes(counts: dict[str, int]) -> dict[str, Any]:
    return {
        "size": sum(counts.values()),
        "by_district": [{"district": d, "size": n} for d, n in sorted(counts.items())],
    }


@router.post("/campaigns/audience-preview", response_model=s.AudienceSize)
async def preview_audience(body: s.AudiencePreview, uow: UowDep, principal: Organiser, today: Today) -> Any:
    """How many members a rule matches now (ages at `on`), per district, before anything is
    saved; a district officer's rule stays in their district."""
    owner = None if principal.is_federation_wide else principal.district
    rule = await handlers.checked_rule(CampaignStore(uow.session), body.audience.rule(), owner)
    return _sizes(await audience_sql.audience_counts(uow.session, rule, body.on or today))


@router.get("/campaigns/{campaign_id}/audience", response_model=s.AudienceSize)
async def campaign_audience(campaign_id: UUID, uow: UowDep, principal: Reader, today: Today) -> Any:
    """The campaign's audience: before launch, as its rule matches the members now (ages at its
    start day); after, the snapshot fixed at launch."""
    row = _readable(await _public(uow, campaign_id), campaign_id, principal)
    if CampaignStatus(row.status) in BEFORE_LAUNCH:
        rule = AudienceRule.model_validate(row.audience)
        on = max(today, row.starts_on)
        return _sizes(await audience_sql.audience_counts(uow.session, rule, on))
    return _sizes(await audience_sql.frozen_counts(uow.session, campaign_id))


@router.get("/campaigns/{campaign_id}/stats", response_model=s.CampaignStats)
async def campaign_stats_route(campaign_id: UUID, uow: UowDep, principal: Reader) -> Any:
    """Reach while it runs: targeted (at launch), notified (the members the notifications
    service told), enrolled, waitlisted, reached by deliveries; per district."""
    _readable(await _public(uow, campaign_id), campaign_id, principal)
    return vars(await campaign_stats.reach(uow.session, campaign_id))


@router.post("/campaigns/{campaign_id}/schedule", response_model=s.CampaignPublic)
async def schedule_campaign(campaign_id: UUID, uow: UowDep, principal: Organiser, today: Today) -> Any:
    """Schedule a draft: it launches by itself on its start day and closes after its last day."""
    await handlers.schedule_campaign(uow, cmds.ScheduleCampaign(campaign_id), principal.check, today)
    await uow.commit()
    return await _public(uow, campaign_id)


@router.post("/campaigns/{campaign_id}/launch", response_model=s.CampaignPublic)
async def launch_campaign(campaign_id: UUID, uow: UowDep, principal: Organiser, today: Today) -> Any:
    """Launch a draft or scheduled campaign now: its audience is fixed and announced."""
    cmd = cmds.LaunchCampaign(campaign_id)
    await handlers.launch_campaign(uow, cmd, principal.check, today, handlers.now())
    await uow.commit()
    return await _public(uow, campaign_id)


@router.post("/campaigns/{campaign_id}/close", response_model=s.CampaignPublic)
async def close_campaign(campaign_id: UUID, uow: UowDep, principal: Organiser, today: Today) -> Any:
    """Close a launched campaign now, with its results."""
    await handlers.close_campaign(
        uow, cmds.CloseCampaign(campaign_id), principal.check, today, handlers.now()
    )
    await uow.commit()
    return await _public(uow, campaign_id)


@router.post("/campaigns/{campaign_id}/cancel", response_model=s.CampaignPublic)
async def cancel_campaign(
    campaign_id: UUID, body: s.CampaignCancel, uow: UowDep, principal: Organiser
) -> Any:
    """Call off a draft or scheduled campaign."""
    await handlers.cancel_campaign(uow, cmds.CancelCampaign(campaign_id, body.reason), principal.check)
    await uow.commit()
    return await _public(uow, campaign_id)
