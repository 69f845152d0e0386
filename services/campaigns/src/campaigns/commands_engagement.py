"""Commands of the engagement areas: proposals, competitions, honours, surveys (plain data)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from unionfed_events.campaigns import Honour, ProposalKind, ProposalOutcome

from campaigns.domain.surveys import QuestionKind


@dataclass(frozen=True)
class SubmitProposal:
    member_id: UUID
    kind: ProposalKind
    title: str
    body: str
    campaign_id: UUID | None = None


@dataclass(frozen=True)
class ReviewProposal:
    proposal_id: UUID
    outcome: ProposalOutcome
    comment: str
    award: str | None = None


@dataclass(frozen=True)
class AwardProposal:
    """An award for a proposal adopted without one."""

    proposal_id: UUID
    award: str


@dataclass(frozen=True)
class ScoreCompetitor:
    campaign_id: UUID
    member_id: UUID
    score: Decimal


@dataclass(frozen=True)
class PublishRanking:
    campaign_id: UUID
    awards: Sequence[str]  # by place: the first to those ranked 1st, ...


@dataclass(frozen=True)
class AwardHonour:
    honour: Honour
    citation: str
    awarded_on: date
    member_id: UUID | None = None
    team_name: str | None = None
    team_branch_id: str | None = None
    campaign_id: UUID | None = None


@dataclass(frozen=True)
class SetSurveyQuestions:
    campaign_id: UUID
    questions: Sequence[tuple[str, QuestionKind, Sequence[str]]]  # (text, kind, options)


@dataclass(frozen=True)
class AnswerSurvey:
    campaign_id: UUID
    member_id: UUID
    answers: Mapping[str, Any]  # by question position, as text
