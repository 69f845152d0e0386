"""The hardship registry: registering a member's household, the yearly review, exit (by an
officer, or because the member left the union)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_events import Event
from unionfed_events import assistance as ev
from unionfed_events.ids import uuid7

from assistance import commands as cmds
from assistance.adapters import repository as repo_mod
from assistance.adapters.hardship_store import AlreadyRegistered, HardshipStore
from assistance.domain.errors import DomainError, NotEligible, NotFound
from assistance.domain.hardship import HardshipRecord, Household
from assistance.domain.money import to_cents
from assistance.handlers._shared import member_in_scope

MEMBER_ACTIVE = "member_active"
ONE_ACTIVE_RECORD = "one_active_record"


def _income_cents(amount: Decimal) -> int:
    try:
        return to_cents(amount)
    except ValueError as exc:
        raise DomainError(str(exc), field="per_capita_income_yuan") from None


def _already_registered() -> DomainError:
    return DomainError(
        "the member's household is already in the registry (one active record per member): "
        "review or exit that record instead",
        field="member_id",
        rule=ONE_ACTIVE_RECORD,
    )


def _emit(uow: UnitOfWork, record: HardshipRecord, event: Event) -> None:
    # Keyed by the member (the events' subject). No `sequence`: a member may have several
    # records over the years, so a record's version is not monotonic for that key.
    uow.emit(event, district=record.district, branch=record.branch_id)


async def register(uow: UnitOfWork, cmd: cmds.RegisterHardship, scope: Scope) -> HardshipRecord:
    """Register the household of an active member of the caller's unit."""
    household = Household(
        cmd.category,
        list(cmd.causes),
        cmd.household_size,
        cmd.members_affected,
        _income_cents(cmd.per_capita_income_yuan),
    )
    on = cmd.registered_on or date.today()
    if on > date.today():
        raise DomainError("a household is not registered in the future", field="registered_on")
    # Locking the member's row queues registrations (and applications) of one member, so the
    # one-record check below sees the winner; the unique index is the last guard.
    member = await member_in_scope(uow, cmd.member_id, scope)
    if member.status != "active":
        raise NotEligible("only active members are registered", field="member_id", rule=MEMBER_ACTIVE)
    store = HardshipStore(uow.session)
    if await store.active_of(cmd.member_id) is not None:
        raise _already_registered()
    record = HardshipRecord.register(uuid7(), cmd.member_id, member.district, member.branch_id, household, on)
    try:
        await store.add(record)
    except AlreadyRegistered:
        raise _already_registered() from None
    _emit(
        uow,
        record,
        ev.HardshipWorkerRegistered(
            record_id=record.record_id,
            member_id=record.member_id,
            branch_id=record.branch_id,
            district=record.district,
            category=household.category,
            causes=household.causes,
            household_size=household.household_size,
            registered_on=record.registered_on,
            review_due_on=record.review_due_on,
        ),
    )
    return record


async def _record_in_scope(store: HardshipStore, record_id: UUID, scope: Scope) -> HardshipRecord:
    record = await store.get(record_id, for_update=True)
    if record is None:
        raise NotFound(f"hardship record {record_id}")
    scope(record.district, record.branch_id)
    return record


async def review(uow: UnitOfWork, cmd: cmds.ReviewHardship, scope: Scope) -> HardshipRecord:
    """The yearly review keeps the household in the registry with what it is now."""
    store = HardshipStore(uow.session)
    record = await _record_in_scope(store, cmd.record_id, scope)
    was = record.household
    household = Household(
        cmd.category,
        list(cmd.causes) if cmd.causes is not None else was.causes,
        cmd.household_size if cmd.household_size is not None else was.household_size,
        cmd.members_affected if cmd.members_affected is not None else was.members_affected,
        _income_cents(cmd.per_capita_income_yuan),
    )
    today = date.today()
    record.review(household, today)
    await store.save(record)
    _emit(
        uow,
        record,
        ev.HardshipWorkerReviewed(
            record_id=record.record_id,
            member_id=record.member_id,
            district=record.district,
            category=household.category,
            reviewed_on=today,
            review_due_on=record.review_due_on,
        ),
    )
    return record


async def exit_registry(uow: UnitOfWork, cmd: cmds.ExitHardship, scope: Scope) -> HardshipRecord:
    store = HardshipStore(uow.session)
    record = await _record_in_scope(store, cmd.record_id, scope)
    await _exit(uow, store, record, cmd.reason, date.today())
    return record


async def _exit(
    uow: UnitOfWork, store: HardshipStore, record: HardshipRecord, reason: ev.HardshipExitReason, on: date
) -> None:
    record.exit(reason, on)
    await store.save(record)
    _emit(
        uow,
        record,
        ev.HardshipWorkerExited(
            record_id=record.record_id,
            member_id=record.member_id,
            district=record.district,
            reason=reason,
            exited_on=on,
        ),
    )


async def exit_on_member_left(uow: UnitOfWork, member_id: UUID, on: date) -> bool:
    """The member left the union: their active record exits with `member_left`. Once: a
    redelivered MemberLeft finds no active record; a stale one (the view says the member is
    active again) changes nothing. The service is the actor."""
    member = await repo_mod.member_for_update(uow.session, member_id)
    if member is None or member.status != "left":
        return False
    store = HardshipStore(uow.session)
    record = await store.active_of(member_id)
    if record is None:
        return False
    await _exit(uow, store, record, ev.HardshipExitReason.MEMBER_LEFT, on)
    return True
