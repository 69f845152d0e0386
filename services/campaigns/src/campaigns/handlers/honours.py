"""Honours: awarded by the organisers of the recipient's district (or the federation) to an active
member or a team of a branch, optionally from a selection campaign; once per honour, recipient
and year."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_events import campaigns as ev
from unionfed_events.ids import uuid7

from campaigns import commands_engagement as cmds
from campaigns.adapters import engagement_store
from campaigns.adapters import honours_store as store
from campaigns.domain import honours as rules
from campaigns.domain.engagement import require_within_campaign
from campaigns.domain.errors import DomainError
from campaigns.handlers._engagement import acting, active_member, campaign_to_organise, emit_for_member

_ONCE = "the recipient already holds this honour for {year}"


async def award(uow: UnitOfWork, cmd: cmds.AwardHonour, scope: Scope) -> UUID:
    kind, recipient_id = rules.recipient(cmd.honour, cmd.member_id, cmd.team_name)
    rules.check_date(cmd.awarded_on, date.today())
    district, branch_id = await _recipient_unit(uow, cmd, scope)
    field = "member_id" if kind == "member" else "team_name"
    if cmd.campaign_id is not None:
        campaign = await campaign_to_organise(uow, cmd.campaign_id, scope, lock="share", named_in_body=True)
        rules.check_selection(campaign, cmd.honour)
        require_within_campaign(campaign, district, field=field)
    year = cmd.awarded_on.year
    if await store.holds(uow.session, cmd.honour.value, recipient_id, year):
        raise DomainError(_ONCE.format(year=year), field=field, rule="honour_once_a_year")
    honour_id = uuid7()
    try:
        await store.add(
            uow.session,
            honour_id=honour_id,
            campaign_id=cmd.campaign_id,
            honour=cmd.honour.value,
            recipient_kind=kind,
            recipient_id=recipient_id,
            district=district,
            branch_id=branch_id,
            citation=cmd.citation,
            awarded_on=cmd.awarded_on,
            award_year=year,
            awarded_by=acting(uow),
        )
    except store.AlreadyHonoured:
        raise DomainError(_ONCE.format(year=year), field=field, rule="honour_once_a_year") from None
    event = ev.HonourAwarded(
        honour=cmd.honour,
        recipient_id=recipient_id,
        district=district,
        awarded_on=cmd.awarded_on,
        campaign_id=cmd.campaign_id,
        branch_id=branch_id,
    )
    emit_for_member(uow, event, district, branch_id)
    return honour_id


async def _recipient_unit(uow: UnitOfWork, cmd: cmds.AwardHonour, scope: Scope) -> tuple[str, str]:
    """(district, branch) of the recipient, which the caller must organise (district or above)."""
    if cmd.member_id is not None:
        if cmd.team_branch_id is not None:
            raise DomainError("a personal honour names no team branch", field="team_branch_id")
        # Organising, not only acting for the member: a branch officer does not award honours.
        member = await active_member(uow, cmd.member_id, scope)
        scope(member.district, None)
        return member.district, member.branch_id
    if cmd.team_branch_id is None:
        raise DomainError("a team honour names the team's branch", field="team_branch_id")
    branch = await engagement_store.branch(uow.session, cmd.team_branch_id)
    if branch is None or branch.status != "open":
        raise DomainError("no open branch with this id", field="team_branch_id", rule="branch_known")
    scope(branch.district, None)
    return branch.district, branch.branch_id
