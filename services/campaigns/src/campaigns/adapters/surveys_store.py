"""A survey's questions and answers, and its results counted in SQL (the answers never leave the
database for a results request; free text is only counted)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from campaigns.adapters.orm import survey_questions, survey_responses
from campaigns.domain.surveys import Question, QuestionKind

GroupBy = Literal["district", "industry"] | None
# The grouping column, from a closed list (never from the request's text).
_GROUP = {None: "'all'", "district": "r.district", "industry": "r.industry"}


class AlreadyAnswered(Exception):
    """The member's answers are there already (maybe from a concurrent request)."""


async def put_questions(session: AsyncSession, campaign_id: UUID, questions: Sequence[Question]) -> None:
    """Replace the survey's questions."""
    await session.execute(survey_questions.delete().where(survey_questions.c.campaign_id == campaign_id))
    await session.execute(
        survey_questions.insert(),
        [
            {
                "campaign_id": campaign_id,
                "position": q.position,
                "text": q.text,
                "kind": q.kind.value,
                "options": list(q.options),
            }
            for q in questions
        ],
    )


async def questions(session: AsyncSession, campaign_id: UUID) -> list[Question]:
    q = survey_questions.c
    query = sa.select(survey_questions).where(q.campaign_id == campaign_id).order_by(q.position)
    rows = (await session.execute(query)).all()
    return [Question(r.position, r.text, QuestionKind(r.kind), tuple(r.options)) for r in rows]


async def add_response(
    session: AsyncSession,
    campaign_id: UUID,
    member_id: UUID,
    district: str,
    industry: str | None,
    answers: dict[str, Any],
) -> None:
    """Insert in a savepoint: the primary key (campaign, member) turns a concurrent second answer
    into AlreadyAnswered and the transaction stays usable."""
    try:
        async with session.begin_nested():
            await session.execute(
                survey_responses.insert().values(
                    campaign_id=campaign_id,
                    member_id=member_id,
                    district=district,
                    industry=industry,
                    answers=answers,
                )
            )
    except IntegrityError as exc:
        if "survey_responses_pkey" in str(exc.orig):
            raise AlreadyAnswered from None
        raise


async def answered(session: AsyncSession, campaign_id: UUID, member_id: UUID) -> bool:
    r = survey_responses.c
    query = sa.select(sa.literal(1)).where(r.campaign_id == campaign_id, r.member_id == member_id)
    return (await session.execute(query)).first() is not None


async def results(
    session: AsyncSession, campaign_id: UUID, by: GroupBy, district: str | None
) -> dict[str, Any]:
    """Per group: responses; per choice question the count of each option; per scale question the
    answers and their mean; per text question how many answered (not what)."""
    group = _GROUP[by]
    only = "AND r.district = :district" if district is not None else ""
    params = {"campaign_id": campaign_id, "district": district}
    answer = "(r.answers -> q.position::text)"
    source = "FROM survey_responses r JOIN survey_questions q ON q.campaign_id = r.campaign_id"
    where = f"WHERE r.campaign_id = :campaign_id {only} AND {answer} IS NOT NULL"
    options = f"""jsonb_array_elements_text(
        CASE jsonb_typeof({answer}) WHEN 'array' THEN {answer} ELSE jsonb_build_array({answer}) END) AS o(option)"""
    statements = {
        "responses": f"""SELECT {group} AS grp, count(*) AS n FROM survey_responses r
            WHERE r.campaign_id = :campaign_id {only} GROUP BY grp""",
        "choices": f"""SELECT {group} AS grp, q.position, o.option, count(*) AS n {source} CROSS JOIN LATERAL {options}
            {where} AND q.kind IN ('single_choice', 'multiple_choice') GROUP BY grp, q.position, o.option""",
        "scales": f"""SELECT {group} AS grp, q.position, count(*) AS n, round(avg({answer}::text::numeric), 2) AS mean
            {source} {where} AND q.kind = 'scale' GROUP BY grp, q.position""",
        "texts": f"""SELECT {group} AS grp, q.position, count(*) AS n {source}
            {where} AND q.kind = 'text' GROUP BY grp, q.position""",
    }
    return {name: (await session.execute(sa.text(sql), params)).all() for name, sql in statements.items()}
