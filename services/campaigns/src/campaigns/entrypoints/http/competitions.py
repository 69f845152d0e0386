"""Routes of competitions: judges' scores, the ranking, and its publication with awards."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep

from campaigns import commands_engagement as cmds
from campaigns.adapters import competitions_store as store
from campaigns.domain.competitions import score_text
from campaigns.entrypoints.http._engagement import readable_campaign
from campaigns.entrypoints.http.access import READ, WRITE, Allow
from campaigns.entrypoints.schemas import engagement as s
from campaigns.handlers import competitions as handlers

CompetitionsReader = Annotated[Principal, Allow("competitions", READ)]
CompetitionsWriter = Annotated[Principal, Allow("competitions", WRITE)]

router = APIRouter(tags=["competitions"])


@router.put("/campaigns/{campaign_id}/scores/{member_id}", status_code=204)
async def score_competitor(
    campaign_id: UUID, member_id: UUID, body: s.ScorePut, uow: UowDep, principal: CompetitionsWriter
) -> None:
    """Record a competitor's score (a judge of the organising district, or the federation); scoring
    again replaces it, until the ranking is published."""
    await handlers.score(uow, cmds.ScoreCompetitor(campaign_id, member_id, body.score), principal.check)
    await uow.commit()


@router.get("/campaigns/{campaign_id}/ranking", response_model=s.RankingPublic)
async def ranking(campaign_id: UUID, uow: UowDep, principal: CompetitionsReader) -> Any:
    """The published ranking, or the one the scores give now (ties share a place: 1, 1, 3)."""
    await readable_campaign(uow, campaign_id, principal)
    published = await store.published(uow.session, campaign_id)
    if published is not None:
        return {
            "campaign_id": campaign_id,
            "published": True,
            "published_at": published.published_at,
            "entries": published.ranking,
        }
    return {"campaign_id": campaign_id, "published": False, "entries": await _current(uow, campaign_id)}


@router.post("/campaigns/{campaign_id}/ranking/publish", response_model=s.RankingPublic)
async def publish_ranking(
    campaign_id: UUID, body: s.RankingPublish, uow: UowDep, principal: CompetitionsWriter
) -> Any:
    """Publish the ranking with awards by place (`awards[0]` to everyone ranked 1st, ...), once;
    the scores are final from then on."""
    await handlers.publish(uow, cmds.PublishRanking(campaign_id, body.awards), principal.check)
    await uow.commit()
    published = await store.published(uow.session, campaign_id)
    return {
        "campaign_id": campaign_id,
        "published": True,
        "published_at": published.published_at,
        "entries": published.ranking,
    }


async def _current(uow: Any, campaign_id: UUID) -> list[dict[str, Any]]:
    competitors = await store.competitors(uow.session, campaign_id)
    return [
        {
            "rank": p.rank,
            "member_id": p.member_id,
            "district": competitors[p.member_id].district,
            "branch_id": competitors[p.member_id].branch_id,
            "score": score_text(p.score),
        }
        for p in await handlers.current_places(uow, campaign_id)
    ]
