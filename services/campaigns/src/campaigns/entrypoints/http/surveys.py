"""Routes of surveys: the questions (organisers, before launch), a member's answers (passed on by
their branch or above) and the results per district or industry."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep

from campaigns import commands_engagement as cmds
from campaigns.adapters import surveys_store as store
from campaigns.domain.surveys import CHOICES, Question, QuestionKind
from campaigns.entrypoints.http._engagement import readable_campaign
from campaigns.entrypoints.http.access import READ, WRITE, Allow
from campaigns.entrypoints.schemas import engagement as s
from campaigns.handlers import surveys as handlers

SurveysReader = Annotated[Principal, Allow("surveys", READ)]
SurveysWriter = Annotated[Principal, Allow("surveys", WRITE)]

router = APIRouter(tags=["surveys"])


@router.put("/campaigns/{campaign_id}/survey", response_model=s.SurveyPublic)
async def set_questions(campaign_id: UUID, body: s.SurveyPut, uow: UowDep, principal: SurveysWriter) -> Any:
    """Set the questions of a draft or scheduled survey (numbered from 1 in the order given)."""
    drafts = [(q.text, q.kind, q.options) for q in body.questions]
    questions = await handlers.set_questions(
        uow, cmds.SetSurveyQuestions(campaign_id, drafts), principal.check
    )
    await uow.commit()
    return _survey(campaign_id, questions)


@router.get("/campaigns/{campaign_id}/survey", response_model=s.SurveyPublic)
async def get_survey(campaign_id: UUID, uow: UowDep, principal: SurveysReader) -> Any:
    """The survey's questions."""
    await readable_campaign(uow, campaign_id, principal)
    return _survey(campaign_id, await store.questions(uow.session, campaign_id))


@router.post("/campaigns/{campaign_id}/survey/answers", status_code=201)
async def answer_survey(
    campaign_id: UUID, body: s.SurveyAnswerCreate, uow: UowDep, principal: SurveysWriter
) -> dict[str, Any]:
    """Keep a member's answers to a launched survey of their audience; a member answers once."""
    await handlers.answer(uow, cmds.AnswerSurvey(campaign_id, body.member_id, body.answers), principal.check)
    await uow.commit()
    return {"campaign_id": campaign_id, "member_id": body.member_id}


@router.get("/campaigns/{campaign_id}/survey/results", response_model=s.SurveyResults)
async def survey_results(
    campaign_id: UUID,
    uow: UowDep,
    principal: SurveysReader,
    by: Annotated[store.GroupBy, Query(description="Group by district or industry; none: one group")] = None,
) -> Any:
    """Counts per option and the mean of scales, per group; free-text answers are only counted.
    Outside the federation-wide roles, only the caller's district's answers are counted."""
    await readable_campaign(uow, campaign_id, principal)
    district = None if principal.is_federation_wide else principal.district
    questions = await store.questions(uow.session, campaign_id)
    counted = await store.results(uow.session, campaign_id, by, district)
    groups = [
        _group(grp, n, questions, counted) for grp, n in sorted(counted["responses"], key=lambda r: str(r[0]))
    ]
    return {
        "campaign_id": campaign_id,
        "by": by,
        "responses": sum(g["responses"] for g in groups),
        "groups": groups,
    }


def _survey(campaign_id: UUID, questions: list[Question]) -> dict[str, Any]:
    return {
        "campaign_id": campaign_id,
        "questions": [
            {"position": q.position, "text": q.text, "kind": q.kind, "options": list(q.options)}
            for q in questions
        ],
    }


def _group(
    group: str | None, responses: int, questions: list[Question], counted: dict[str, Any]
) -> dict[str, Any]:
    def rows(name: str, position: int) -> list[Any]:
        return [r for r in counted[name] if r.grp == group and r.position == position]

    results = []
    for q in questions:
        result: dict[str, Any] = {"position": q.position, "kind": q.kind}
        if q.kind in CHOICES:
            counts = {option: 0 for option in q.options} | {
                r.option: r.n for r in rows("choices", q.position)
            }
            # A multiple choice counts options, not members; members who answered are the group's
            # responses (every choice question must be answered).
            result |= {"counts": counts, "answered": responses}
        elif q.kind == QuestionKind.SCALE:
            scale = rows("scales", q.position)
            result |= {"answered": scale[0].n if scale else 0, "mean": scale[0].mean if scale else None}
        else:
            text = rows("texts", q.position)
            result["answered"] = text[0].n if text else 0
        results.append(result)
    return {"group": group, "responses": responses, "questions": results}
