"""Worker surveys: the questions (set before launch) and the validation of one member's answers.

Answers are keyed by the question's position as text ("1", "2", ...), as JSON objects key them.
A choice or scale question must be answered; a text question may be left out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from unionfed_events.campaigns import CampaignKind

from campaigns.domain.engagement import CampaignFacts, require_kind, require_status
from campaigns.domain.errors import DomainError

MAX_QUESTIONS = 50
MIN_OPTIONS, MAX_OPTIONS = 2, 20
SCALE = range(1, 6)
MAX_TEXT_ANSWER = 2000
EDITABLE_STATUSES = {"draft", "scheduled"}


class QuestionKind(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SCALE = "scale"
    TEXT = "text"


CHOICES = {QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE}


@dataclass(frozen=True)
class Question:
    position: int  # from 1
    text: str
    kind: QuestionKind
    options: tuple[str, ...] = field(default=())


def check_editable(campaign: CampaignFacts) -> None:
    """Questions are set on a survey campaign before it launches, never after."""
    require_kind(campaign, {CampaignKind.SURVEY})
    require_status(campaign, EDITABLE_STATUSES)


def check_answerable(campaign: CampaignFacts) -> None:
    require_kind(campaign, {CampaignKind.SURVEY})
    require_status(campaign, {"launched"})


def questions(drafts: Sequence[tuple[str, QuestionKind, Sequence[str]]]) -> list[Question]:
    """Numbered questions (from 1) from (text, kind, options); choices need 2 to 20 distinct options,
    scale and text questions none."""
    if not 1 <= len(drafts) <= MAX_QUESTIONS:
        raise DomainError(f"a survey has 1 to {MAX_QUESTIONS} questions", field="questions")
    built = []
    for position, (text, kind, options) in enumerate(drafts, start=1):
        where = f"questions.{position - 1}.options"
        if kind in CHOICES:
            if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
                raise DomainError(
                    f"a choice question has {MIN_OPTIONS} to {MAX_OPTIONS} options", field=where
                )
            if len(set(options)) != len(options):
                raise DomainError("the options of a question are distinct", field=where)
        elif options:
            raise DomainError(f"a {kind} question has no options", field=where)
        built.append(Question(position, text, kind, tuple(options)))
    return built


def answers(questions: Sequence[Question], given: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to keep, keyed by position; the first wrong one is refused naming `answers.<position>`."""
    if not questions:
        raise DomainError("the survey has no questions", field="campaign_id", rule="survey_has_questions")
    by_position = {str(q.position): q for q in questions}
    for key in given:
        if key not in by_position:
            raise DomainError(
                "the survey has no question at this position", field=f"answers.{key}", rule="known_question"
            )
    kept: dict[str, Any] = {}
    for key, question in by_position.items():
        value = given.get(key)
        if question.kind == QuestionKind.TEXT and value in (None, ""):
            continue
        if value is None:
            raise DomainError(
                "this question must be answered", field=f"answers.{key}", rule="answer_required"
            )
        kept[key] = _answer(question, value, f"answers.{key}")
    return kept


def _answer(question: Question, value: Any, field: str) -> Any:
    def refuse(reason: str) -> DomainError:
        return DomainError(reason, field=field, rule="answer_matches_question")

    match question.kind:
        case QuestionKind.SINGLE_CHOICE:
            if not isinstance(value, str) or value not in question.options:
                raise refuse("the answer is one of the question's options")
            return value
        case QuestionKind.MULTIPLE_CHOICE:
            if not isinstance(value, list) or not value or not all(v in question.options for v in value):
                raise refuse("the answer is a non-empty list of the question's options")
            if len(set(value)) != len(value):
                raise refuse("an option is chosen once")
            return value
        case QuestionKind.SCALE:
            if isinstance(value, bool) or not isinstance(value, int) or value not in SCALE:
                raise refuse("the answer is a whole number from 1 to 5")
            return value
        case QuestionKind.TEXT:
            if not isinstance(value, str) or len(value) > MAX_TEXT_ANSWER:
                raise refuse(f"the answer is text of at most {MAX_TEXT_ANSWER} characters")
            return value
