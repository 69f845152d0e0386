"""Competition scores (one per competitor, replaced on re-scoring) and the published ranking."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from campaigns.adapters.orm import competition_rankings, competition_scores
from campaigns.domain.competitions import Score


async def put_score(
    session: AsyncSession,
    campaign_id: UUID,
    member_id: UUID,
    district: str,
    branch_id: str,
    score: Decimal,
    by: str,
) -> None:
    statement = insert(competition_scores).values(
        campaign_id=campaign_id,
        member_id=member_id,
        district=district,
        branch_id=branch_id,
        score=score,
        scored_by=by,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["campaign_id", "member_id"],
            set_={
                "score": statement.excluded.score,
                "scored_by": statement.excluded.scored_by,
                "updated_at": sa.func.now(),
            },
        )
    )


async def scores(session: AsyncSession, campaign_id: UUID) -> list[Score]:
    c = competition_scores.c
    rows = (await session.execute(sa.select(c.member_id, c.score).where(c.campaign_id == campaign_id))).all()
    return [Score(r.member_id, r.score) for r in rows]


async def competitors(session: AsyncSession, campaign_id: UUID) -> dict[UUID, Any]:
    """Each scored competitor's district and branch, by member id."""
    c = competition_scores.c
    query = sa.select(c.member_id, c.district, c.branch_id).where(c.campaign_id == campaign_id)
    return {r.member_id: r for r in (await session.execute(query)).all()}


async def published(session: AsyncSession, campaign_id: UUID) -> Any:
    """The published ranking's row (ranking, published_by, published_at), or None."""
    query = sa.select(competition_rankings).where(competition_rankings.c.campaign_id == campaign_id)
    return (await session.execute(query)).one_or_none()


async def publish(session: AsyncSession, campaign_id: UUID, ranking: list[dict[str, Any]], by: str) -> bool:
    """Store the ranking; False when one was already published (the primary key decides)."""
    statement = (
        insert(competition_rankings)
        .values(campaign_id=campaign_id, ranking=ranking, published_by=by)
        .on_conflict_do_nothing(index_elements=["campaign_id"])
        .returning(competition_rankings.c.campaign_id)
    )
    return (await session.execute(statement)).first() is not None
