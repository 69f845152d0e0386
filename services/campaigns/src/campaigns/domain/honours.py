"""Honours: Worker Pioneer teams and five-type teams go to teams; model workers and May Day medals
to people. One honour of a kind per recipient and year."""

from __future__ import annotations

import re
from datetime import date
from uuid import UUID

from unionfed_events.campaigns import CampaignKind, Honour

from campaigns.domain.engagement import CampaignFacts, require_kind, require_status
from campaigns.domain.errors import DomainError

TEAM_HONOURS = frozenset({Honour.WORKER_PIONEER, Honour.FIVE_TYPE_TEAM})
SELECTION_STATUSES = {"launched", "closed"}  # a selection's results may come after its last day
_SPACES = re.compile(r"\s+")


def recipient(honour: Honour, member_id: UUID | None, team_name: str | None) -> tuple[str, str]:
    """(recipient kind, recipient id): a member's id for a personal honour, the team's name (spaces
    collapsed) for a team honour; exactly the one the honour takes."""
    if honour in TEAM_HONOURS:
        name = _SPACES.sub(" ", team_name or "").strip()
        if member_id is not None or not name:
            raise DomainError(
                f"{honour} is a team honour: give team_name, not member_id",
                field="team_name",
                rule="honour_recipient_kind",
            )
        return "team", name
    if member_id is None or team_name is not None:
        raise DomainError(
            f"{honour} is a personal honour: give member_id, not team_name",
            field="member_id",
            rule="honour_recipient_kind",
        )
    return "member", str(member_id)


def check_selection(campaign: CampaignFacts, honour: Honour) -> None:
    """An honour from a campaign comes from a launched or closed selection of its kind: five-type
    evaluations give five-type team honours; honour selections give any."""
    require_kind(campaign, {CampaignKind.HONOUR_SELECTION, CampaignKind.FIVE_TYPE_TEAMS})
    require_status(campaign, SELECTION_STATUSES)
    if campaign.kind == CampaignKind.FIVE_TYPE_TEAMS and honour != Honour.FIVE_TYPE_TEAM:
        raise DomainError(
            "a five-type team evaluation awards the five_type_team honour only",
            field="honour",
            rule="campaign_kind",
        )


def check_date(awarded_on: date, today: date) -> None:
    if awarded_on > today:
        raise DomainError("an honour is awarded today or earlier, not in the future", field="awarded_on")
