"""Enrolment and withdrawal: the campaign row's counters decide places (see
`adapters/participation_store.py`), the participant rows record who holds them, and the events
go through the outbox in the same transaction, on the member's district topic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.errors import Conflict
from unionfed_events import Event
from unionfed_events import campaigns as ev

from campaigns import commands_participation as cmds
from campaigns.adapters import participation_store as store
from campaigns.domain.errors import DomainError, NotFound
from campaigns.domain.participation import (
    CampaignFacts,
    ParticipantStatus,
    check_enrolment,
    is_participating,
    require_launched,
)

# Each failed attempt means another transaction changed the counters in between (it took the
# last place, or freed one): progress elsewhere. A request that loses this often is told to retry.
_PLACEMENT_ATTEMPTS = 20


@dataclass(frozen=True)
class Participation:
    """A member's state in a campaign, and whether this request changed it."""

    campaign_id: UUID
    member_id: UUID
    district: str
    branch_id: str
    status: ParticipantStatus
    position: int | None  # place on the waiting list, when waitlisted
    changed: bool


@dataclass(frozen=True)
class Withdrawal:
    withdrawn: Participation
    was_enrolled: bool
    moved_up: UUID | None  # the member who took the freed place


async def _campaign(uow: UnitOfWork, campaign_id: UUID, *, for_update: bool = False) -> CampaignFacts:
    campaign = await store.campaign(uow.session, campaign_id, for_update=for_update)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id}")
    return campaign


async def enrol(uow: UnitOfWork, cmd: cmds.EnrolParticipant, scope: Scope) -> Participation:
    """Enrol the member if a place is free, else put them at the end of the waiting list; a
    member already enrolled or waiting gets their state back, unchanged."""
    request = await store.enrolment_request(uow.session, cmd.campaign_id, cmd.member_id)
    if request is None:
        raise NotFound(f"campaign {cmd.campaign_id}")
    campaign, candidate = request.campaign, request.candidate
    if candidate is None:
        raise DomainError(
            "no member with this id is known to the campaigns service",
            field="member_id",
            rule="member_active",
        )
    scope(candidate.district, candidate.branch_id)
    if is_participating(request.participant_status):
        existing = await store.participant(uow.session, cmd.campaign_id, cmd.member_id)
        return await _participation(uow, existing, changed=False)
    check_enrolment(campaign, candidate)
    status, position = await _place(uow, cmd.campaign_id, looks_full=campaign.looks_full)
    if not await store.put_participant(
        uow.session, cmd.campaign_id, cmd.member_id, candidate.district, candidate.branch_id, status
    ):
        # A concurrent request of the same member committed first: give the place back.
        enrolled, waitlisted = (1, 0) if status == ParticipantStatus.ENROLLED else (0, 1)
        await store.move_counters(uow.session, cmd.campaign_id, enrolled=-enrolled, waitlisted=-waitlisted)
        winner = await store.participant(uow.session, cmd.campaign_id, cmd.member_id)
        return await _participation(uow, winner, changed=False)
    district, branch = candidate.district, candidate.branch_id
    if status == ParticipantStatus.ENROLLED:
        event: Event = ev.ParticipantEnrolled(
            campaign_id=cmd.campaign_id, member_id=cmd.member_id, district=district, branch_id=branch
        )
    else:
        assert position is not None
        event = ev.ParticipantWaitlisted(
            campaign_id=cmd.campaign_id, member_id=cmd.member_id, district=district, position=position
        )
    uow.emit(event, district=district, branch=branch)
    return Participation(cmd.campaign_id, cmd.member_id, district, branch, status, position, True)


async def _place(
    uow: UnitOfWork, campaign_id: UUID, *, looks_full: bool
) -> tuple[ParticipantStatus, int | None]:
    """A place, else the next waiting-list position: each a conditional UPDATE of the campaign
    row, so the database alone decides who gets the last place. A campaign that looked full when
    read is asked for a waiting-list position first: at the capacity edge most requests then
    queue once on the row's lock instead of twice."""
    for attempt in range(_PLACEMENT_ATTEMPTS):
        if (attempt > 0 or not looks_full) and await store.take_place(uow.session, campaign_id):
            return ParticipantStatus.ENROLLED, None
        position = await store.join_waiting_list(uow.session, campaign_id)
        if position is not None:
            return ParticipantStatus.WAITLISTED, position
        require_launched(await _campaign(uow, campaign_id))  # closed meanwhile: refuse by the rule
    raise Conflict("the campaign's places changed too often during this request; retry", field="member_id")


async def _participation(uow: UnitOfWork, row: Any, *, changed: bool) -> Participation:
    status = ParticipantStatus(row.status)
    position = None
    if status == ParticipantStatus.WAITLISTED:
        position = await store.position(uow.session, row.campaign_id, row.requested_seq)
    return Participation(
        row.campaign_id, row.member_id, row.district, row.branch_id, status, position, changed
    )


async def withdraw(uow: UnitOfWork, cmd: cmds.WithdrawParticipant, scope: Scope) -> Withdrawal:
    """Withdraw the member; an enrolled member's place goes to the head of the waiting list in
    the same transaction. Withdrawing again answers the withdrawn state, unchanged."""
    row = await store.participant(uow.session, cmd.campaign_id, cmd.member_id)
    if row is None:
        raise NotFound(f"participant {cmd.member_id} of campaign {cmd.campaign_id}")
    scope(row.district, row.branch_id)
    if row.status != ParticipantStatus.WITHDRAWN:
        require_launched(await _campaign(uow, cmd.campaign_id, for_update=True))  # the lock, first
        row = await store.participant(uow.session, cmd.campaign_id, cmd.member_id, for_update=True)
    if row.status == ParticipantStatus.WITHDRAWN:
        return Withdrawal(await _participation(uow, row, changed=False), False, None)
    was_enrolled = row.status == ParticipantStatus.ENROLLED
    await store.set_status(uow.session, cmd.campaign_id, cmd.member_id, ParticipantStatus.WITHDRAWN)
    moved_up = await _move_up(uow, cmd.campaign_id) if was_enrolled else None
    if was_enrolled and moved_up is None:
        await store.move_counters(uow.session, cmd.campaign_id, enrolled=-1, waitlisted=0)
    elif not was_enrolled:
        await store.move_counters(uow.session, cmd.campaign_id, enrolled=0, waitlisted=-1)
    event = ev.ParticipantWithdrew(
        campaign_id=cmd.campaign_id, member_id=cmd.member_id, district=row.district, was_enrolled=was_enrolled
    )
    uow.emit(event, district=row.district, branch=row.branch_id)
    withdrawn = Participation(
        cmd.campaign_id, cmd.member_id, row.district, row.branch_id, ParticipantStatus.WITHDRAWN, None, True
    )
    return Withdrawal(withdrawn, was_enrolled, moved_up)


async def _move_up(uow: UnitOfWork, campaign_id: UUID) -> UUID | None:
    """The freed place goes to the head of the waiting list (the place count stays)."""
    head = await store.first_waitlisted(uow.session, campaign_id)
    if head is None:
        return None
    await store.set_status(uow.session, campaign_id, head.member_id, ParticipantStatus.ENROLLED)
    await store.move_counters(uow.session, campaign_id, enrolled=0, waitlisted=-1)
    event = ev.ParticipantEnrolled(
        campaign_id=campaign_id,
        member_id=head.member_id,
        district=head.district,
        branch_id=head.branch_id,
        from_waiting_list=True,
    )
    uow.emit(event, district=head.district, branch=head.branch_id)
    moved: UUID = head.member_id
    return moved
