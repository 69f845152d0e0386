"""A service's own view of members and branches, applied from membership's events.

Services other than membership keep this view instead of reading membership's database. Each
member event carries the member's version in membership (`sequence`). A transfer is published to
both districts' topics, which are read independently, so a member's events can arrive out of
order across topics: state (branch, district, status) changes only for a newer version, while
what only MemberJoined says (name, card, joining date, birth year) is filled in whenever it
arrives — unless the member was erased (`MemberErased`, PIPL): then name, card number and birth
year are nulled and `erased_on` set, and no later or replayed MemberJoined fills them again. The
member stays in the view with district, branch and status, so counts do not change.

A service declares the two tables with `member_view_tables(metadata)` (and creates them in its
own migration, column for column) and consumes with `member_view_consumer`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID, insert
from unionfed_events import membership as mev
from unionfed_events import topics

from .consumer import Delivery, EventConsumer
from .db import UnitOfWork
from .tables import timestamps

MemberLeftHook = Callable[[UnitOfWork, mev.MemberLeft], Awaitable[None]]
MemberErasedHook = Callable[[UnitOfWork, mev.MemberErased], Awaitable[None]]


@dataclass(frozen=True)
class MemberViewTables:
    members: sa.Table
    branches: sa.Table


def member_view_tables(metadata: sa.MetaData) -> MemberViewTables:
    members = sa.Table(
        "members",
        metadata,
        sa.Column("member_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("card_number", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("branch_id", sa.Text, nullable=False),
        sa.Column("district", sa.Text, nullable=False),
        sa.Column("industry", sa.Text),
        sa.Column("employment_type", sa.Text),
        sa.Column("birth_year", sa.SmallInteger),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("joined_on", sa.Date),
        sa.Column("left_on", sa.Date),
        # Set by MemberErased: the personal columns stay null whatever arrives later.
        sa.Column("erased_on", sa.Date),
        # The member's version in membership (the events' `sequence`): older events never undo newer ones.
        sa.Column("version", sa.Integer, nullable=False),
        *timestamps(),
        sa.Index("members_district_status", "district", "status"),
        sa.Index("members_branch", "branch_id"),
        sa.Index("members_card_number", "card_number"),
    )
    branches = sa.Table(
        "branches",
        metadata,
        sa.Column("branch_id", sa.Text, primary_key=True),
        sa.Column("district", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("industry", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        *timestamps(),
    )
    return MemberViewTables(members, branches)


# What a member view holds that identifies the person: nulled on erasure, never refilled.
PERSONAL = ("name", "card_number", "birth_year")


class MemberView:
    """Applies membership's events to a service's `members` and `branches` tables."""

    def __init__(self, tables: MemberViewTables) -> None:
        self.members = tables.members
        self.branches = tables.branches

    def _newer(self, column: str) -> Any:
        newer = self.members.c.version < sa.literal_column("excluded.version")
        return sa.case((newer, sa.literal_column(f"excluded.{column}")), else_=self.members.c[column])

    async def _upsert(
        self, uow: UnitOfWork, row: dict[str, Any], state: tuple[str, ...], facts: tuple[str, ...]
    ) -> None:
        m = self.members
        statement = insert(m).values(row)
        updates: dict[str, Any] = {c: self._newer(c) for c in state}
        erased = m.c.erased_on.is_not(None)
        updates |= {
            c: sa.case((erased, None), else_=sa.func.coalesce(m.c[c], statement.excluded[c]))
            if c in PERSONAL
            else sa.func.coalesce(m.c[c], statement.excluded[c])
            for c in facts
        }
        updates["version"] = sa.func.greatest(m.c.version, statement.excluded.version)
        updates["updated_at"] = sa.func.now()
        await uow.session.execute(statement.on_conflict_do_update(index_elements=["member_id"], set_=updates))

    async def member_joined(self, uow: UnitOfWork, e: mev.MemberJoined, version: int) -> None:
        row = {
            "member_id": e.member_id,
            "card_number": e.card_number,
            "name": e.name,
            "branch_id": e.branch_id,
            "district": e.district,
            "industry": e.industry,
            "employment_type": e.employment_type.value,
            "birth_year": e.birth_year,
            "status": "active",
            "joined_on": e.joined_on,
            "version": version,
        }
        await self._upsert(
            uow,
            row,
            ("branch_id", "district", "industry", "status"),
            ("card_number", "name", "employment_type", "joined_on", "birth_year"),
        )

    async def member_transferred(self, uow: UnitOfWork, e: mev.MemberTransferred, version: int) -> None:
        industry = (
            await uow.session.execute(
                sa.select(self.branches.c.industry).where(self.branches.c.branch_id == e.to_branch_id)
            )
        ).scalar_one_or_none()
        row = {
            "member_id": e.member_id,
            "card_number": e.card_number,
            "branch_id": e.to_branch_id,
            "district": e.to_district,
            "industry": industry,
            "status": "active",
            "version": version,
        }
        state = ("branch_id", "district", "status") + (("industry",) if industry else ())
        await self._upsert(uow, row, state, ("card_number",))

    async def member_status(
        self,
        uow: UnitOfWork,
        member_id: Any,
        branch_id: str,
        district: str,
        status: str,
        version: int,
        on: Any = None,
    ) -> None:
        row = {
            "member_id": member_id,
            "branch_id": branch_id,
            "district": district,
            "status": status,
            "left_on": on,
            "version": version,
        }
        await self._upsert(uow, row, ("branch_id", "district", "status", "left_on"), ())

    async def member_erased(self, uow: UnitOfWork, e: mev.MemberErased, version: int) -> None:
        """Null what identifies the person and remember the erasure; state keeps its rules."""
        row = {
            "member_id": e.member_id,
            "branch_id": e.branch_id,
            "district": e.district,
            "status": "left",  # a placeholder for a member first heard of by this event
            "erased_on": e.erased_on,
            "version": version,
        }
        m = self.members
        statement = insert(m).values(row)
        updates: dict[str, Any] = {c: None for c in PERSONAL}
        updates |= {
            "erased_on": statement.excluded.erased_on,
            "version": sa.func.greatest(m.c.version, statement.excluded.version),
            "updated_at": sa.func.now(),
        }
        await uow.session.execute(statement.on_conflict_do_update(index_elements=["member_id"], set_=updates))

    async def contact_updated(self, uow: UnitOfWork, e: mev.MemberContactUpdated, version: int) -> None:
        row = {
            "member_id": e.member_id,
            "branch_id": e.branch_id,
            "district": e.district,
            "employment_type": e.employment_type.value if e.employment_type else None,
            "status": "active",
            "version": version,
        }
        # The status here is only a placeholder for a member first heard of by this event (only
        # active members update contacts): as a fact it never replaces a known status.
        await self._upsert(uow, row, ("employment_type",), ("status",))

    async def branch_established(self, uow: UnitOfWork, e: mev.BranchEstablished) -> None:
        row = {
            "branch_id": e.branch_id,
            "district": e.district,
            "name": e.name,
            "industry": e.industry,
            "status": "open",
        }
        statement = insert(self.branches).values(row)
        await uow.session.execute(statement.on_conflict_do_nothing(index_elements=["branch_id"]))

    async def branch_closed(self, uow: UnitOfWork, e: mev.BranchClosed) -> None:
        await uow.session.execute(
            sa.update(self.branches)
            .where(self.branches.c.branch_id == e.branch_id)
            .values(status="closed", updated_at=sa.func.now())
        )


def _version(delivery: Delivery) -> int:
    # Membership stamps every member event with the member's version; 0 if a producer did not.
    return delivery.envelope.sequence or 0


def member_view_consumer(
    group: str,
    source: str,
    domain: str,
    tables: MemberViewTables,
    on_left: MemberLeftHook | None,
    *,
    on_erased: MemberErasedHook | None,
) -> EventConsumer:
    """Applies membership's events of every district (and the federation topic) to the view.
    `on_left` is what else a member leaving means for the service, `on_erased` what else it must
    destroy when a member is erased (its own copies of their data); None: nothing else."""
    view = MemberView(tables)

    async def joined(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            await view.member_joined(uow, d.event, _version(d))

    async def transferred(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            await view.member_transferred(uow, d.event, _version(d))

    async def left(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            e: mev.MemberLeft = d.event
            await view.member_status(
                uow, e.member_id, e.branch_id, e.district, "left", _version(d), e.left_on
            )
            if on_left is not None:
                await on_left(uow, e)

    async def reinstated(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            e: mev.MemberReinstated = d.event
            await view.member_status(uow, e.member_id, e.branch_id, e.district, "active", _version(d))

    async def erased(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            await view.member_erased(uow, d.event, _version(d))
            if on_erased is not None:
                await on_erased(uow, d.event)

    async def contact(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            await view.contact_updated(uow, d.event, _version(d))

    async def branch_established(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            await view.branch_established(uow, d.event)

    async def branch_closed(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            await view.branch_closed(uow, d.event)

    return EventConsumer(
        group,
        {
            mev.BranchEstablished: branch_established,
            mev.BranchClosed: branch_closed,
            mev.MemberJoined: joined,
            mev.MemberTransferred: transferred,
            mev.MemberLeft: left,
            mev.MemberReinstated: reinstated,
            mev.MemberContactUpdated: contact,
            mev.MemberErased: erased,
        },
        pattern=topics.events_pattern("membership"),
        domain=domain,
        source=source,
    )
