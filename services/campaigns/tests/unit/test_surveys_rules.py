"""Rules of surveys: well-formed questions, answers that match them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from campaigns.domain import surveys as rules
from campaigns.domain.engagement import CampaignFacts
from campaigns.domain.errors import DomainError
from campaigns.domain.surveys import QuestionKind as K

QUESTIONS = rules.questions(
    [
        ("Your shift pattern?", K.SINGLE_CHOICE, ["day", "night", "rotating"]),
        ("What would help?", K.MULTIPLE_CHOICE, ["canteen", "housing", "training"]),
        ("How safe is your site?", K.SCALE, []),
        ("Anything else?", K.TEXT, []),
    ]
)


def test_questions_are_numbered_from_1() -> None:
    assert [(q.position, q.kind) for q in QUESTIONS] == [
        (1, K.SINGLE_CHOICE),
        (2, K.MULTIPLE_CHOICE),
        (3, K.SCALE),
        (4, K.TEXT),
    ]


@pytest.mark.parametrize(
    ("drafts", "field"),
    [
        ([], "questions"),
        ([("Q", K.SINGLE_CHOICE, ["only"])], "questions.0.options"),
        ([("Q", K.SCALE, []), ("Q", K.MULTIPLE_CHOICE, ["a", "a"])], "questions.1.options"),
        ([("Q", K.SCALE, ["1", "2"])], "questions.0.options"),
        ([("Q", K.TEXT, ["x"])], "questions.0.options"),
    ],
)
def test_malformed_questions_are_refused(drafts: list[Any], field: str) -> None:
    with pytest.raises(DomainError) as refused:
        rules.questions(drafts)
    assert refused.value.field == field


def test_complete_answers_are_kept_and_empty_text_left_out() -> None:
    given = {"1": "night", "2": ["housing", "canteen"], "3": 4, "4": ""}
    assert rules.answers(QUESTIONS, given) == {"1": "night", "2": ["housing", "canteen"], "3": 4}
    assert rules.answers(QUESTIONS, given | {"4": "more shade"})["4"] == "more shade"


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"1": "evening"}, "answers.1", "answer_matches_question"),
        ({"1": ["day"]}, "answers.1", "answer_matches_question"),
        ({"2": []}, "answers.2", "answer_matches_question"),
        ({"2": ["canteen", "canteen"]}, "answers.2", "answer_matches_question"),
        ({"2": ["gym"]}, "answers.2", "answer_matches_question"),
        ({"3": 6}, "answers.3", "answer_matches_question"),
        ({"3": 0}, "answers.3", "answer_matches_question"),
        ({"3": True}, "answers.3", "answer_matches_question"),
        ({"3": "4"}, "answers.3", "answer_matches_question"),
        ({"4": "x" * 2001}, "answers.4", "answer_matches_question"),
        ({"5": "extra"}, "answers.5", "known_question"),
        ({"3": None}, "answers.3", "answer_required"),
    ],
)
def test_answers_that_do_not_match_are_refused_naming_the_position(
    change: dict[str, Any], field: str, rule: str
) -> None:
    given = {"1": "day", "2": ["training"], "3": 3} | change
    given = {k: v for k, v in given.items() if v is not None}
    with pytest.raises(DomainError) as refused:
        rules.answers(QUESTIONS, given)
    assert (refused.value.field, refused.value.rule) == (field, rule)


def test_a_survey_without_questions_takes_no_answers() -> None:
    with pytest.raises(DomainError) as refused:
        rules.answers([], {})
    assert refused.value.rule == "survey_has_questions"


def test_questions_change_before_launch_and_answers_come_while_launched() -> None:
    def facts(status: str, kind: str = "survey") -> CampaignFacts:
        return CampaignFacts(uuid.uuid4(), kind, status, None)

    for status in ("draft", "scheduled"):
        rules.check_editable(facts(status))
    rules.check_answerable(facts("launched"))
    for check, status in (
        (rules.check_editable, "launched"),
        (rules.check_answerable, "scheduled"),
        (rules.check_answerable, "closed"),
    ):
        with pytest.raises(DomainError):
            check(facts(status))
    with pytest.raises(DomainError) as refused:
        rules.check_editable(facts("draft", kind="winter_warmth"))
    assert refused.value.rule == "campaign_kind"
