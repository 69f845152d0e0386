"""Surveys: the organisers set the questions before launch; a member of the audience answers once
while the survey runs (passed on by whoever may act for the member: today their branch officer)."""

from __future__ import annotations

from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_events import campaigns as ev

from campaigns import commands_engagement as cmds
from campaigns.adapters import engagement_store
from campaigns.adapters import surveys_store as store
from campaigns.domain import surveys as rules
from campaigns.domain.errors import DomainError
from campaigns.domain.surveys import Question
from campaigns.handlers._engagement import (
    active_member,
    campaign_named,
    campaign_to_organise,
    emit_for_member,
)

_ONCE = "the member has already answered this survey; an answer is final"


async def set_questions(uow: UnitOfWork, cmd: cmds.SetSurveyQuestions, scope: Scope) -> list[Question]:
    """Replace the questions of a draft or scheduled survey."""
    # An update lock: a launch (which updates the row) cannot slip between the check and the write.
    campaign = await campaign_to_organise(uow, cmd.campaign_id, scope, lock="update")
    rules.check_editable(campaign)
    questions = rules.questions(cmd.questions)
    await store.put_questions(uow.session, campaign.campaign_id, questions)
    return questions


async def answer(uow: UnitOfWork, cmd: cmds.AnswerSurvey, scope: Scope) -> None:
    """Keep a member's answers (validated against the questions), once per member."""
    member = await active_member(uow, cmd.member_id, scope)
    # A share lock: the close waits for answers being written, so its count includes them.
    campaign = await campaign_named(uow, cmd.campaign_id, lock="share")
    rules.check_answerable(campaign)
    if not await engagement_store.in_audience(uow.session, campaign.campaign_id, member.member_id):
        raise DomainError(
            "the member is not in the survey's audience", field="member_id", rule="campaign_audience"
        )
    if await store.answered(uow.session, campaign.campaign_id, member.member_id):
        raise DomainError(_ONCE, field="member_id", rule="answers_once")
    answers = rules.answers(await store.questions(uow.session, campaign.campaign_id), cmd.answers)
    try:
        await store.add_response(
            uow.session, campaign.campaign_id, member.member_id, member.district, member.industry, answers
        )
    except store.AlreadyAnswered:
        raise DomainError(_ONCE, field="member_id", rule="answers_once") from None
    event = ev.SurveyAnswered(
        campaign_id=campaign.campaign_id, member_id=member.member_id, district=member.district
    )
    emit_for_member(uow, event, member.district, member.branch_id)
