"""The campaign lifecycle: create and revise a draft, schedule, launch (audience snapshot and
its events), close (results), cancel. Each handler takes its command, a unit of work, the
caller's scope and the day (in the service's time zone); the caller commits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_events import Event
from unionfed_events import campaigns as ev
from unionfed_events.campaigns import AudienceRule
from unionfed_events.ids import uuid7

from campaigns import commands as cmds
from campaigns.adapters import audience as audience_sql
from campaigns.adapters import campaign_stats
from campaigns.adapters.campaign_store import CampaignStore
from campaigns.domain.audience import check_branches, check_districts, within_district
from campaigns.domain.campaign import Campaign, CampaignStatus
from campaigns.domain.errors import DomainError, NotFound

CHUNK = 1000  # member ids per AudienceTargeted event (the contract's maximum)


def now() -> datetime:
    return datetime.now(UTC)


def emit_for_campaign(uow: UnitOfWork, campaign: Campaign, event: Event) -> None:
    """A campaign's events go to its owner's topic (the federation's if it has none), ordered
    by the campaign's version."""
    uow.emit(event, district=campaign.owner_district, sequence=campaign.version)


async def checked_rule(store: CampaignStore, rule: AudienceRule, owner: str | None) -> AudienceRule:
    """The rule as a campaign of `owner` may use it (see domain.audience), its branches known."""
    rule = within_district(rule, owner)
    check_districts(rule, await store.known_districts(list(rule.districts)))
    check_branches(rule, await store.district_of_branches(list(rule.branch_ids)), owner)
    return rule


async def check_owner(store: CampaignStore, owner: str | None) -> None:
    """A district campaign's events go to its district's topic: the district must exist."""
    if owner is not None and not await store.known_districts([owner]):
        raise DomainError("not a district the service knows", field="owner_district", rule="district_known")


async def campaign_in_scope(store: CampaignStore, campaign_id: UUID, scope: Scope) -> Campaign:
    """The campaign, locked, if the caller organises its owner's campaigns."""
    campaign = await store.get(campaign_id, for_update=True)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id}")
    scope(campaign.owner_district, None)
    return campaign


async def create_campaign(uow: UnitOfWork, cmd: cmds.CreateCampaign, scope: Scope) -> Campaign:
    scope(cmd.owner_district, None)
    store = CampaignStore(uow.session)
    await check_owner(store, cmd.owner_district)
    campaign = Campaign.draft(
        campaign_id=cmd.campaign_id or uuid7(),
        kind=cmd.kind,
        title=cmd.title,
        description=cmd.description,
        owner_district=cmd.owner_district,
        starts_on=cmd.starts_on,
        ends_on=cmd.ends_on,
        audience=await checked_rule(store, cmd.audience, cmd.owner_district),
        capacity=cmd.capacity,
        created_by=uow.actor.subject,
    )
    await store.add(campaign)
    return campaign


async def revise_campaign(uow: UnitOfWork, cmd: cmds.ReviseCampaign, scope: Scope, today: date) -> Campaign:
    store = CampaignStore(uow.session)
    campaign = await campaign_in_scope(store, cmd.campaign_id, scope)
    changes = dict(cmd.changes)
    if "audience" in changes:
        changes["audience"] = await checked_rule(store, changes["audience"], campaign.owner_district)
    campaign.revise(today, **changes)
    await store.save(campaign)
    if campaign.status is CampaignStatus.SCHEDULED and {"starts_on", "ends_on", "title"} & changes.keys():
        _emit_scheduled(uow, campaign)  # its new dates, for those planning around it
    return campaign


async def schedule_campaign(
    uow: UnitOfWork, cmd: cmds.ScheduleCampaign, scope: Scope, today: date
) -> Campaign:
    store = CampaignStore(uow.session)
    campaign = await campaign_in_scope(store, cmd.campaign_id, scope)
    campaign.schedule(today)
    await store.save(campaign)
    _emit_scheduled(uow, campaign)
    return campaign


def _emit_scheduled(uow: UnitOfWork, campaign: Campaign) -> None:
    emit_for_campaign(
        uow,
        campaign,
        ev.CampaignScheduled(
            campaign_id=campaign.campaign_id,
            kind=campaign.kind,
            title=campaign.title,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
        ),
    )


async def launch_campaign(
    uow: UnitOfWork, cmd: cmds.LaunchCampaign, scope: Scope, today: date, at: datetime
) -> Campaign:
    store = CampaignStore(uow.session)
    campaign = await campaign_in_scope(store, cmd.campaign_id, scope)
    await launch(uow, store, campaign, today, at)
    return campaign


async def launch(
    uow: UnitOfWork, store: CampaignStore, campaign: Campaign, today: date, at: datetime
) -> None:
    """Launch a locked campaign: fix its audience as the rule matches today, announce the launch
    on the owner's topic and the audience, by member id, on each district's topic."""
    campaign.launch(today, at)
    campaign.fix_audience(
        await audience_sql.snapshot(uow.session, campaign.campaign_id, campaign.audience, today)
    )
    await store.save(campaign)
    rule = campaign.audience
    emit_for_campaign(
        uow,
        campaign,
        ev.CampaignLaunched(
            campaign_id=campaign.campaign_id,
            kind=campaign.kind,
            title=campaign.title,
            districts=list(rule.districts),
            industries=list(rule.industries),
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            audience=rule,
            audience_size=campaign.audience_size,
            capacity=campaign.capacity,
        ),
    )
    for district, member_ids in (await audience_sql.targeted_ids(uow.session, campaign.campaign_id)).items():
        chunks = [member_ids[i : i + CHUNK] for i in range(0, len(member_ids), CHUNK)]
        for number, chunk in enumerate(chunks, start=1):
            uow.emit(
                ev.AudienceTargeted(
                    campaign_id=campaign.campaign_id,
                    district=district,
                    chunk=number,
                    chunks=len(chunks),
                    member_ids=chunk,
                ),
                district=district,
                sequence=campaign.version,
            )


async def close_campaign(
    uow: UnitOfWork, cmd: cmds.CloseCampaign, scope: Scope, today: date, at: datetime
) -> Campaign:
    store = CampaignStore(uow.session)
    campaign = await campaign_in_scope(store, cmd.campaign_id, scope)
    await close(uow, store, campaign, today, at)
    return campaign


async def close(uow: UnitOfWork, store: CampaignStore, campaign: Campaign, today: date, at: datetime) -> None:
    """Close a locked campaign with its results, counted under the lock."""
    results = await campaign_stats.results(uow.session, campaign.campaign_id)
    campaign.close(today, at, results)
    await store.save(campaign)
    emit_for_campaign(
        uow,
        campaign,
        ev.CampaignClosed(
            campaign_id=campaign.campaign_id, closed_on=today, participants=results.enrolled, results=results
        ),
    )


async def cancel_campaign(uow: UnitOfWork, cmd: cmds.CancelCampaign, scope: Scope) -> Campaign:
    store = CampaignStore(uow.session)
    campaign = await campaign_in_scope(store, cmd.campaign_id, scope)
    campaign.cancel(cmd.reason)
    await store.save(campaign)
    emit_for_campaign(
        uow, campaign, ev.CampaignCancelled(campaign_id=campaign.campaign_id, reason=cmd.reason)
    )
    return campaign
