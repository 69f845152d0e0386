"""Labour and skill competitions: judges' scores, the ranking they give (standard competition
ranking: equal scores share a place and the next place skips, 1, 1, 3) and the awards of the
published ranking."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from uuid import UUID

from unionfed_events.campaigns import CampaignKind

from campaigns.domain.engagement import CampaignFacts, require_kind, require_status
from campaigns.domain.errors import DomainError, InvalidTransition

MAX_SCORE = Decimal("999999.99")  # the column is numeric(8, 2)
MAX_PUBLISHED_PLACES = 1000  # what one CompetitionRanked event carries
SCORING_STATUSES = {"launched", "closed"}  # judging may end after the campaign's last day


@dataclass(frozen=True)
class Score:
    member_id: UUID
    score: Decimal


@dataclass(frozen=True)
class Place:
    rank: int
    member_id: UUID
    score: Decimal
    award: str | None = None


def check_competition(campaign: CampaignFacts, *, published: bool) -> None:
    """Scores and the ranking belong to a launched or closed skill competition, until published."""
    require_kind(campaign, {CampaignKind.SKILL_COMPETITION})
    require_status(campaign, SCORING_STATUSES)
    if published:
        raise InvalidTransition(
            "the ranking is published; its scores are final", field="campaign_id", rule="ranking_published"
        )


def check_score(score: Decimal) -> Decimal:
    """A score: 0 to 999999.99, at most two decimal places (kept exact, as given)."""
    if not score.is_finite() or score < 0 or score > MAX_SCORE:
        raise DomainError(f"a score is from 0 to {MAX_SCORE}", field="score", rule="score_range")
    if score != score.quantize(Decimal("0.01")):
        raise DomainError("a score has at most two decimal places", field="score", rule="score_precision")
    return score.quantize(Decimal("0.01"))


def rank(scores: Iterable[Score]) -> list[Place]:
    """Best first; equal scores share a rank (1, 1, 3), listed by member id among themselves."""
    ordered = sorted(scores, key=lambda s: (-s.score, str(s.member_id)))
    places: list[Place] = []
    for position, entry in enumerate(ordered, start=1):
        tied = places and places[-1].score == entry.score
        places.append(Place(places[-1].rank if tied else position, entry.member_id, entry.score))
    return places


def award(places: Sequence[Place], awards: Sequence[str]) -> list[Place]:
    """Awards by place: `awards[0]` to everyone ranked 1st, `awards[2]` to everyone ranked 3rd, ...
    (with a tie for 1st, the 2nd award goes to no one: nobody is ranked 2nd)."""
    if not places:
        raise DomainError("no competitor has a score yet", field="campaign_id", rule="ranking_has_scores")
    if len(places) > MAX_PUBLISHED_PLACES:
        raise DomainError(
            f"a published ranking has at most {MAX_PUBLISHED_PLACES} places",
            field="campaign_id",
            rule="ranking_size",
        )
    return [replace(p, award=awards[p.rank - 1] if p.rank <= len(awards) else None) for p in places]


def score_text(score: Decimal) -> str:
    """The exact decimal string events carry (two places)."""
    return f"{score.quantize(Decimal('0.01'))}"
