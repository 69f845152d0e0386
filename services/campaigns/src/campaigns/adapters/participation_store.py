"""Participants of a campaign and the campaign row's place counters.

Every change of a campaign's participants holds the campaign row's lock (its counters' UPDATE
or `lock_campaign`) before it touches a participant row: one lock order, so concurrent
enrolments and withdrawals queue on the row instead of deadlocking, and a waiting-list
position (the `waitlisted` counter after the increment) is given to exactly one member.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from campaigns.adapters.orm import audience_members, campaigns, members, participants
from campaigns.domain.participation import CampaignFacts, Candidate, ParticipantStatus

_has_place = sa.or_(campaigns.c.capacity.is_(None), campaigns.c.enrolled < campaigns.c.capacity)
_launched = campaigns.c.status == "launched"
# Identity columns have a sequence too: a renewed request goes to the end of the queue.
_next_seq = sa.text("nextval(pg_get_serial_sequence('participants', 'requested_seq'))")


_CAMPAIGN_FACTS = (
    campaigns.c.kind,
    campaigns.c.status,
    campaigns.c.owner_district,
    campaigns.c.audience["districts"].label("districts"),
    campaigns.c.starts_on,
    campaigns.c.capacity,
    campaigns.c.enrolled,
)


def _facts(row: Any) -> CampaignFacts:
    districts = tuple(row.districts or ())
    return CampaignFacts(
        row.kind, row.status, row.owner_district, districts, row.starts_on, row.capacity, row.enrolled
    )


async def campaign(
    session: AsyncSession, campaign_id: UUID, *, for_update: bool = False
) -> CampaignFacts | None:
    query = sa.select(*_CAMPAIGN_FACTS).where(campaigns.c.campaign_id == campaign_id)
    if for_update:
        query = query.with_for_update(of=campaigns)
    row = (await session.execute(query)).one_or_none()
    return None if row is None else _facts(row)


@dataclass(frozen=True)
class EnrolmentRequest:
    campaign: CampaignFacts
    candidate: Candidate | None  # None: the member view does not know the member
    participant_status: str | None  # the member's participation so far, if any


async def enrolment_request(
    session: AsyncSession, campaign_id: UUID, member_id: UUID
) -> EnrolmentRequest | None:
    """In one round trip: the campaign, the member as the view knows them now (and whether the
    launch put them in the audience), and their participation so far; None without the campaign."""
    in_audience = (
        sa.select(audience_members.c.member_id)
        .where(audience_members.c.campaign_id == campaign_id, audience_members.c.member_id == member_id)
        .exists()
    )
    query = (
        sa.select(
            *_CAMPAIGN_FACTS,
            members.c.district.label("member_district"),
            members.c.branch_id.label("member_branch"),
            members.c.status.label("member_status"),
            in_audience.label("in_audience"),
            participants.c.status.label("participant_status"),
        )
        .select_from(
            campaigns.outerjoin(members, members.c.member_id == member_id).outerjoin(
                participants,
                sa.and_(
                    participants.c.campaign_id == campaigns.c.campaign_id,
                    participants.c.member_id == member_id,
                ),
            )
        )
        .where(campaigns.c.campaign_id == campaign_id)
    )
    row = (await session.execute(query)).one_or_none()
    if row is None:
        return None
    candidate = None
    if row.member_status is not None:
        candidate = Candidate(row.member_district, row.member_branch, row.member_status, row.in_audience)
    return EnrolmentRequest(_facts(row), candidate, row.participant_status)


async def participant(
    session: AsyncSession, campaign_id: UUID, member_id: UUID, *, for_update: bool = False
) -> Any:
    query = sa.select(participants).where(
        participants.c.campaign_id == campaign_id, participants.c.member_id == member_id
    )
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).one_or_none()


async def take_place(session: AsyncSession, campaign_id: UUID) -> bool:
    """One more enrolled if the launched campaign has a place free (then its row stays locked)."""
    statement = (
        campaigns.update()
        .where(campaigns.c.campaign_id == campaign_id, _launched, _has_place)
        .values(enrolled=campaigns.c.enrolled + 1, updated_at=sa.func.now())
        .returning(campaigns.c.enrolled)
    )
    return (await session.execute(statement)).first() is not None


async def join_waiting_list(session: AsyncSession, campaign_id: UUID) -> int | None:
    """The new last position on the waiting list if the launched campaign is full, else None
    (a place was freed since `take_place` failed, or the campaign is no longer launched)."""
    statement = (
        campaigns.update()
        .where(campaigns.c.campaign_id == campaign_id, _launched, sa.not_(_has_place))
        .values(waitlisted=campaigns.c.waitlisted + 1, updated_at=sa.func.now())
        .returning(campaigns.c.waitlisted)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def move_counters(session: AsyncSession, campaign_id: UUID, *, enrolled: int, waitlisted: int) -> None:
    """Relative moves of the counters, by the transaction that holds the row's lock."""
    await session.execute(
        campaigns.update()
        .where(campaigns.c.campaign_id == campaign_id)
        .values(
            enrolled=campaigns.c.enrolled + enrolled,
            waitlisted=campaigns.c.waitlisted + waitlisted,
            updated_at=sa.func.now(),
        )
    )


async def put_participant(
    session: AsyncSession, campaign_id: UUID, member_id: UUID, district: str, branch_id: str, status: str
) -> bool:
    """Insert the participation, or renew a withdrawn one at the end of the queue; False when
    the member already takes part (a concurrent request of theirs won: nothing changed)."""
    enrolled_at = sa.func.now() if status == ParticipantStatus.ENROLLED else None
    statement = insert(participants).values(
        campaign_id=campaign_id,
        member_id=member_id,
        district=district,
        branch_id=branch_id,
        status=status,
        enrolled_at=enrolled_at,
    )
    upsert = statement.on_conflict_do_update(
        index_elements=["campaign_id", "member_id"],
        set_={
            "district": district,
            "branch_id": branch_id,
            "status": status,
            "requested_seq": _next_seq,
            "enrolled_at": enrolled_at,
            "withdrawn_at": None,
            "updated_at": sa.func.now(),
        },
        where=participants.c.status == ParticipantStatus.WITHDRAWN,
    ).returning(participants.c.member_id)
    return (await session.execute(upsert)).first() is not None


async def set_status(
    session: AsyncSession, campaign_id: UUID, member_id: UUID, status: ParticipantStatus
) -> None:
    stamp = {ParticipantStatus.ENROLLED: "enrolled_at", ParticipantStatus.WITHDRAWN: "withdrawn_at"}
    values: dict[str, Any] = {"status": status, "updated_at": sa.func.now()}
    if status in stamp:
        values[stamp[status]] = sa.func.now()
    await session.execute(
        participants.update()
        .where(participants.c.campaign_id == campaign_id, participants.c.member_id == member_id)
        .values(values)
    )


async def first_waitlisted(session: AsyncSession, campaign_id: UUID) -> Any:
    """The head of the waiting list, locked (the caller holds the campaign row's lock)."""
    query = (
        sa.select(participants)
        .where(
            participants.c.campaign_id == campaign_id, participants.c.status == ParticipantStatus.WAITLISTED
        )
        .order_by(participants.c.requested_seq)
        .limit(1)
        .with_for_update()
    )
    return (await session.execute(query)).one_or_none()


async def position(session: AsyncSession, campaign_id: UUID, requested_seq: int) -> int:
    """Place on the waiting list of the waitlisted request numbered `requested_seq`."""
    query = sa.select(sa.func.count()).where(
        participants.c.campaign_id == campaign_id,
        participants.c.status == ParticipantStatus.WAITLISTED,
        participants.c.requested_seq <= requested_seq,
    )
    return int((await session.execute(query)).scalar_one())


async def page(
    session: AsyncSession,
    campaign_id: UUID,
    *,
    status: str | None,
    district: str | None,
    branch_id: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Any], int]:
    """Participants in request order, each waitlisted one with their place on the whole list."""
    waiting = (
        sa.select(
            participants.c.member_id,
            sa.func.row_number().over(order_by=participants.c.requested_seq).label("position"),
        )
        .where(
            participants.c.campaign_id == campaign_id, participants.c.status == ParticipantStatus.WAITLISTED
        )
        .subquery()
    )
    conditions = [participants.c.campaign_id == campaign_id]
    for column, value in ((participants.c.status, status), (participants.c.district, district)):
        if value is not None:
            conditions.append(column == value)
    if branch_id is not None:
        conditions.append(participants.c.branch_id == branch_id)
    query = (
        sa.select(participants, waiting.c.position)
        .select_from(participants.outerjoin(waiting, waiting.c.member_id == participants.c.member_id))
        .where(*conditions)
    )
    total = (
        await session.execute(sa.select(sa.func.count()).select_from(participants).where(*conditions))
    ).scalar_one()
    rows = (
        await session.execute(query.order_by(participants.c.requested_seq).offset(offset).limit(limit))
    ).all()
    return list(rows), int(total)
