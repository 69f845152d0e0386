"""What planning reads about a batch's recipients (one query per kind of fact, however many
events the batch has) and how it writes the planned rows (once: conflicts insert nothing)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_chassis.auth import Role

from notifications.adapters.orm import branches, contact_points, contents, members, notifications, officers
from notifications.adapters.orm import preferences as preferences_table
from notifications.domain.model import Category, Channel
from notifications.domain.preferences import Preferences
from notifications.domain.routing import Officers

ROLE_OF_LEVEL = {
    "branch": Role.BRANCH_OFFICER.value,
    "district": Role.DISTRICT_OFFICER.value,
    "federation": Role.FEDERATION_ADMIN.value,
}


@dataclass(frozen=True)
class MemberFacts:
    left: bool
    erased: bool


@dataclass(frozen=True)
class Officer:
    officer_id: str
    role: str
    district: str | None
    branch_id: str | None
    has_contacts: bool
    digest: str

    def serves(self, unit: Officers) -> bool:
        if self.role != ROLE_OF_LEVEL.get(unit.level):
            return False
        if unit.level == "branch":
            return self.branch_id == unit.branch_id
        return unit.level == "federation" or self.district == unit.district


async def member_facts(session: AsyncSession, member_ids: Iterable[UUID]) -> dict[UUID, MemberFacts]:
    """Left or erased, per member the view knows (a member it has not heard of yet is neither)."""
    ids = list(set(member_ids))
    if not ids:
        return {}
    # The view's erasure column comes with the erasure work; until then, nobody reads as erased.
    erased_on = getattr(members.c, "erased_on", None)
    erased = (erased_on.is_not(None) if erased_on is not None else sa.false()).label("erased")
    # FOR SHARE: an erasure (another consumer group) updates the member's row and deletes their
    # messages in one transaction. Read without a lock, planning could see "not erased", the
    # erasure commit, and planning then insert messages for an erased member; with it, planning
    # either commits first (the erasure then deletes its rows) or waits and sees the erasure.
    query = sa.select(members.c.member_id, members.c.status, erased).where(members.c.member_id.in_(ids))
    rows = await session.execute(query.order_by(members.c.member_id).with_for_update(read=True))
    return {r.member_id: MemberFacts(left=r.status == "left", erased=bool(r.erased)) for r in rows}


async def member_reach(session: AsyncSession, member_ids: Iterable[UUID]) -> dict[UUID, list[Channel]]:
    """The channels each member can be reached on: in-app always, e-mail and SMS if their
    sealed contact points hold an address and a phone number. A member whose contact points
    have not arrived may be reached on both: they travel on their own topic, read by another
    consumer, and a new member's `MemberJoined` often comes first; the dispatcher waits for them
    (`CONTACT_NOT_YET_KNOWN`)."""
    ids = list(set(member_ids))
    reach = {m: [Channel.IN_APP, Channel.EMAIL, Channel.SMS] for m in ids}
    if not ids:
        return reach
    c = contact_points.c
    rows = await session.execute(sa.select(c.member_id, c.has_email, c.has_phone).where(c.member_id.in_(ids)))
    for r in rows:
        reach[r.member_id] = [Channel.IN_APP] + [Channel.EMAIL] * r.has_email + [Channel.SMS] * r.has_phone
    return reach


async def officers_of(session: AsyncSession, units: Iterable[Officers]) -> list[Officer]:
    """Every registered officer who serves one of `units`."""
    units = set(units)
    o = officers.c
    wanted: list[Any] = []
    if branch_ids := {u.branch_id for u in units if u.level == "branch"}:
        wanted.append(sa.and_(o.role == Role.BRANCH_OFFICER.value, o.branch_id.in_(branch_ids)))
    if districts := {u.district for u in units if u.level == "district"}:
        wanted.append(sa.and_(o.role == Role.DISTRICT_OFFICER.value, o.district.in_(districts)))
    if any(u.level == "federation" for u in units):
        wanted.append(o.role == Role.FEDERATION_ADMIN.value)
    if not wanted:
        return []
    query = sa.select(
        o.officer_id, o.role, o.district, o.branch_id, o.sealed.is_not(None).label("has_contacts"), o.digest
    ).where(sa.or_(*wanted))
    return [Officer(**r._mapping) for r in await session.execute(query)]


def _channels(raw: Any) -> dict[Category, frozenset[Channel]]:
    """A stored choice per category, ignoring categories and channels this version does not know."""
    chosen: dict[Category, frozenset[Channel]] = {}
    for category, channels in (raw or {}).items():
        if category in Category.__members__.values() and isinstance(channels, list):
            chosen[Category(category)] = frozenset(
                Channel(c) for c in channels if c in Channel.__members__.values()
            )
    return chosen


async def preferences_of(session: AsyncSession, recipient_ids: Iterable[str]) -> dict[str, Preferences]:
    """The stored choices of the recipients who made some; the others take the defaults."""
    ids = list(set(recipient_ids))
    if not ids:
        return {}
    p = preferences_table.c
    rows = await session.execute(sa.select(preferences_table).where(p.recipient_id.in_(ids)))
    return {
        r.recipient_id: Preferences(
            language=r.language,
            channels=_channels(r.channels),
            campaign_opt_out=r.campaign_opt_out,
            quiet_start=r.quiet_start,
            quiet_end=r.quiet_end,
            timezone=r.timezone,
        )
        for r in rows
    }


async def branch_names(session: AsyncSession, branch_ids: Iterable[str]) -> dict[str, str]:
    ids = list(set(branch_ids))
    if not ids:
        return {}
    rows = await session.execute(
        sa.select(branches.c.branch_id, branches.c.name).where(branches.c.branch_id.in_(ids))
    )
    return {r.branch_id: r.name for r in rows}


async def insert_contents(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """One row per (event, template); a redelivered event's rows exist already and stay as they are."""
    if rows:
        await session.execute(insert(contents).on_conflict_do_nothing(), list(rows))


NOTIFICATION_KEYS = ("notification_id", "caused_by", "recipient_id", "channel")


async def insert_notifications(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """The rows that were new (a row of the same event, recipient and channel inserts nothing)."""
    if not rows:
        return []
    statement = (
        insert(notifications)
        .on_conflict_do_nothing(constraint="notifications_once")
        .returning(*(notifications.c[k] for k in NOTIFICATION_KEYS))
    )
    return list(await session.execute(statement, list(rows)))
