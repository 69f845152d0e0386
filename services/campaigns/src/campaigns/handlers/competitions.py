"""Competitions: judges (the organisers) score competitors, and publish the ranking once, with
awards by place; scores are final from then on."""

from __future__ import annotations

from uuid import UUID

from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_events import campaigns as ev

from campaigns import commands_engagement as cmds
from campaigns.adapters import competitions_store as store
from campaigns.adapters import engagement_store
from campaigns.domain import competitions as rules
from campaigns.domain.engagement import require_active, require_within_campaign
from campaigns.domain.errors import DomainError, InvalidTransition
from campaigns.handlers._engagement import acting, campaign_to_organise, emit_for_campaign


async def score(uow: UnitOfWork, cmd: cmds.ScoreCompetitor, scope: Scope) -> None:
    """Record (or replace) a competitor's score, until the ranking is published."""
    # A share lock: judges score side by side, and a publication (update lock) waits for them
    # and makes later scoring wait, then see the published ranking.
    campaign = await campaign_to_organise(uow, cmd.campaign_id, scope, lock="share")
    rules.check_competition(
        campaign, published=await store.published(uow.session, campaign.campaign_id) is not None
    )
    value = rules.check_score(cmd.score)
    member = await engagement_store.member(uow.session, cmd.member_id)
    if member is None:
        raise DomainError(
            "no member with this id is known to the campaigns service", field="member_id", rule="member_known"
        )
    require_active(member)
    require_within_campaign(campaign, member.district)
    await store.put_score(
        uow.session,
        campaign.campaign_id,
        member.member_id,
        member.district,
        member.branch_id,
        value,
        acting(uow),
    )


async def publish(uow: UnitOfWork, cmd: cmds.PublishRanking, scope: Scope) -> list[rules.Place]:
    """Publish the ranking of the scores as they are, with the awards by place (once)."""
    campaign = await campaign_to_organise(uow, cmd.campaign_id, scope, lock="update")
    rules.check_competition(
        campaign, published=await store.published(uow.session, campaign.campaign_id) is not None
    )
    places = rules.award(rules.rank(await store.scores(uow.session, campaign.campaign_id)), cmd.awards)
    competitors = await store.competitors(uow.session, campaign.campaign_id)
    stored = [
        {
            **_entry(p).model_dump(mode="json"),
            "district": competitors[p.member_id].district,
            "branch_id": competitors[p.member_id].branch_id,
        }
        for p in places
    ]
    if not await store.publish(uow.session, campaign.campaign_id, stored, acting(uow)):
        raise InvalidTransition(
            "the ranking is already published", field="campaign_id", rule="ranking_published"
        )
    emit_for_campaign(
        uow,
        ev.CompetitionRanked(campaign_id=campaign.campaign_id, ranking=[_entry(p) for p in places]),
        campaign,
    )
    return places


def _entry(place: rules.Place) -> ev.RankedEntry:
    return ev.RankedEntry(
        rank=place.rank, member_id=place.member_id, score=rules.score_text(place.score), award=place.award
    )


async def current_places(uow: UnitOfWork, campaign_id: UUID) -> list[rules.Place]:
    """The ranking the scores give now (before publication)."""
    return rules.rank(await store.scores(uow.session, campaign_id))
