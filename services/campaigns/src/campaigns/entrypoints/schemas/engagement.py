"""Request and response models of proposals, competitions, honours and surveys."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt
from unionfed_chassis.inputs import Comment, Slug, text
from unionfed_chassis.routes import Public
from unionfed_events.campaigns import Honour, ProposalKind, ProposalOutcome

from campaigns.domain.surveys import MAX_OPTIONS, MAX_QUESTIONS, MAX_TEXT_ANSWER, QuestionKind


def _valid_unicode(value: str) -> str:
    # A lone surrogate cannot be encoded for PostgreSQL: refused here, it is a 422, not a 500.
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (a lone surrogate is not)") from None
    return value


_UNICODE = AfterValidator(_valid_unicode)
Title = Annotated[str, text(200, min_length=1), _UNICODE]
Body = Annotated[str, text(10_000, min_length=1, multi_line=True), _UNICODE]
AwardLabel = Annotated[str, text(100, min_length=1), _UNICODE]
Citation = Annotated[str, text(2000, min_length=1, multi_line=True), _UNICODE]
Option = Annotated[str, text(200, min_length=1), _UNICODE]
Position = Annotated[str, Field(pattern=r"^[0-9]{1,3}$")]
TextAnswer = Annotated[str, text(MAX_TEXT_ANSWER, multi_line=True), _UNICODE]
Answer = StrictInt | TextAnswer | list[Option]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Proposals


class ProposalCreate(Request):
    member_id: UUID
    kind: ProposalKind
    title: Title
    body: Body = Field(description="The proposal itself; stays in this service (events carry the title).")
    campaign_id: UUID | None = Field(
        default=None, description="A launched proposal collection; none: standing."
    )


class ProposalReview(Request):
    outcome: ProposalOutcome
    comment: Comment = Field(description="Why; shown to the member's branch.")
    award: AwardLabel | None = Field(default=None, description="An award, with an adoption only.")


class ProposalAward(Request):
    award: AwardLabel


class ProposalSummary(Public):
    proposal_id: UUID
    campaign_id: UUID | None
    member_id: UUID
    district: str
    branch_id: str
    kind: ProposalKind
    title: str
    status: Literal["submitted", "adopted", "rejected"]
    award: str | None
    review_comment: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    created_at: datetime


class ProposalPublic(ProposalSummary):
    body: str


# Competitions


class ScorePut(Request):
    score: Decimal = Field(
        ge=0, le=Decimal("999999.99"), decimal_places=2, description="At most two decimals."
    )


class RankingPublish(Request):
    awards: list[AwardLabel] = Field(
        default_factory=list,
        max_length=100,
        description="By place: the first for those ranked 1st, and so on.",
    )


class RankingEntry(BaseModel):
    rank: int
    member_id: UUID
    district: str
    branch_id: str
    score: str = Field(description="Exact decimal, two places.")
    award: str | None = None


class RankingPublic(BaseModel):
    campaign_id: UUID
    published: bool
    published_at: datetime | None = None
    entries: list[RankingEntry]


# Honours


class HonourCreate(Request):
    honour: Honour
    member_id: UUID | None = Field(
        default=None, description="For a personal honour (model_worker, may_day_medal)."
    )
    team_name: Title | None = Field(
        default=None, description="For a team honour (worker_pioneer, five_type_team)."
    )
    team_branch_id: Slug | None = Field(default=None, description="The team's branch (team honours).")
    campaign_id: UUID | None = Field(default=None, description="The selection it comes from, if any.")
    citation: Citation
    awarded_on: date | None = Field(default=None, description="Default today; not in the future.")


class HonourPublic(Public):
    honour_id: UUID
    honour: Honour
    recipient_kind: Literal["member", "team"]
    recipient_id: str
    district: str
    branch_id: str | None
    campaign_id: UUID | None
    citation: str
    awarded_on: date
    award_year: int
    awarded_by: str


# Surveys


class QuestionIn(Request):
    text: Title
    kind: QuestionKind
    options: list[Option] = Field(default_factory=list, max_length=MAX_OPTIONS)


class SurveyPut(Request):
    questions: list[QuestionIn] = Field(min_length=1, max_length=MAX_QUESTIONS)


class QuestionPublic(BaseModel):
    position: int
    text: str
    kind: QuestionKind
    options: list[str]


class SurveyPublic(BaseModel):
    campaign_id: UUID
    questions: list[QuestionPublic]


class SurveyAnswerCreate(Request):
    member_id: UUID
    answers: dict[Position, Answer] = Field(
        max_length=MAX_QUESTIONS,
        description=(
            "By question position (from 1): an option (single choice), a list of options (multiple "
            "choice), 1-5 (scale), text up to 2000 characters (text; may be left out)."
        ),
    )


class QuestionResult(BaseModel):
    position: int
    kind: QuestionKind
    answered: int = Field(description="How many in the group answered it.")
    counts: dict[str, int] | None = Field(default=None, description="Choices: answers per option.")
    mean: Decimal | None = Field(default=None, description="Scale: mean answer, two decimals.")


class GroupResult(BaseModel):
    group: str | None = Field(description="District or industry (null: industry unknown); `all` ungrouped.")
    responses: int
    questions: list[QuestionResult]


class SurveyResults(BaseModel):
    campaign_id: UUID
    by: Literal["district", "industry"] | None
    responses: int
    groups: list[GroupResult]
