"""Seed the demo of `make run` through the service's own handlers: `python -m assistance.seed`.

Runs after membership's seed. It waits until the member view (built from membership's events)
has the demo members, then gives every district its funds for this year and one case in each
state the service knows (see `assistance.demo`), each step a command in its own unit of work,
so the events go out through the outbox like any officer's. A re-run creates nothing twice:
funds and cases (their ids derive from the seed) are looked up first.

Living aid's households enter the hardship registry through its handler first. The member of the
flagged case leaves through membership's HTTP API (leaving is membership's to decide; this
service only hears of it).
The disbursed case is paid through a payment batch and finance's confirmation.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from unionfed_chassis.access import federation_wide
from unionfed_chassis.auth import audience_of, issue_token
from unionfed_chassis.context import Actor, acting_as
from unionfed_chassis.db import UnitOfWork, make_engine, make_session_factory, run_migrations
from unionfed_events.assistance import ApprovalLevel, HardshipCategory, HardshipCause, ServiceOutcome

from assistance import commands as cmds
from assistance.adapters import funds
from assistance.adapters.orm import cases, members
from assistance.adapters.repository import hardship_registered
from assistance.demo import DEMO_FUNDS, DemoCase, Step, demo_cases
from assistance.domain.case import AidCase
from assistance.domain.payments import Confirmation, PaymentOutcome
from assistance.domain.policy import AssistancePolicy
from assistance.handlers import cases as handlers
from assistance.handlers import hardship, payments
from assistance.handlers.funds import allocate_fund
from assistance.settings import MIGRATIONS, AssistanceSettings

Emit = Callable[[str], None]
T = TypeVar("T")
SEED_SUBJECT = "demo-seed"
_ROLE_OF_LEVEL = {
    ApprovalLevel.BRANCH: "branch_officer",
    ApprovalLevel.DISTRICT: "district_officer",
    ApprovalLevel.FEDERATION: "federation_admin",
}


async def wait_for_members(
    sessions: async_sessionmaker[AsyncSession],
    expected: int,
    emit: Emit,
    *,
    settle_seconds: float,
    give_up_after: float = 300,
) -> int:
    """Until the view holds `expected` members, or its count has stopped growing for
    `settle_seconds` (membership may have refused some demo rows, or was seeded before with
    another count)."""
    started = time.monotonic()
    last, last_change = -1, started
    while True:
        async with sessions() as session:
            count = (await session.execute(sa.select(sa.func.count()).select_from(members))).scalar_one()
        now = time.monotonic()
        if count != last:
            emit(f"  member view: {count}/{expected} members")
            last, last_change = count, now
        if count >= expected or (count and now - last_change >= settle_seconds):
            return int(count)
        if now - started >= give_up_after:
            return int(count)
        await asyncio.sleep(1)


async def _members_by_district(session: AsyncSession) -> dict[str, list[uuid.UUID]]:
    """Active members per district, in a stable order (card numbers come from membership's seed)."""
    rows = await session.execute(
        sa.select(members.c.district, members.c.member_id)
        .where(members.c.status == "active")
        .order_by(members.c.district, members.c.card_number, members.c.member_id)
    )
    out: dict[str, list[uuid.UUID]] = {}
    for district, member_id in rows:
        out.setdefault(district, []).append(member_id)
    return out


async def _allocate_funds(
    sessions: async_sessionmaker[AsyncSession], settings: AssistanceSettings, district: str, year: int
) -> int:
    created = 0
    for aid_type, amount in DEMO_FUNDS.items():
        async with sessions() as session:
            key = funds.FundKey(district, year, aid_type)
            if await funds.balance(session, key) is not None:
                continue
            uow = UnitOfWork(session, source=settings.ce_source, domain="assistance")
            with acting_as(Actor(SEED_SUBJECT, "federation_admin")):
                await allocate_fund(uow, cmds.AllocateFund(district, year, aid_type, amount), federation_wide)
                await uow.commit()
            created += 1
    return created


class CaseSeeder:
    """Applies for one demo case, then runs its steps, each as the officer of its level."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: AssistanceSettings,
        policy: AssistancePolicy,
        leave: Callable[[uuid.UUID], bool],
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.policy = policy
        self.leave = leave
        self.batch_id: uuid.UUID | None = None  # the district's demo payment batch

    async def _run(self, role: str, command: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """One command in its own unit of work, by `role`'s officer (the trail says who)."""
        async with self.sessions() as session:
            uow = UnitOfWork(session, source=self.settings.ce_source, domain="assistance")
            with acting_as(Actor(SEED_SUBJECT, role)):
                answer = await command(uow)
                await uow.commit()
        return answer

    async def exists(self, case_id: uuid.UUID) -> bool:
        async with self.sessions() as session:
            found = await session.execute(sa.select(cases.c.case_id).where(cases.c.case_id == case_id))
            return found.first() is not None

    async def in_registry(self, member_id: uuid.UUID) -> bool:
        async with self.sessions() as session:
            return await hardship_registered(session, member_id)

    async def seed(self, demo: DemoCase) -> bool:
        """False when the case exists already (a re-run) or its member left meanwhile."""
        if await self.exists(demo.case_id):
            return False
        if demo.recipe.needs_hardship and not await self.in_registry(demo.member_id):
            register = cmds.RegisterHardship(
                demo.member_id,
                HardshipCategory.RELATIVE,
                [HardshipCause.ILLNESS, HardshipCause.LOW_INCOME],
                household_size=3,
                members_affected=1,
                per_capita_income_yuan=Decimal("1200.00"),
            )
            await self._run("branch_officer", lambda uow: hardship.register(uow, register, federation_wide))
        apply = cmds.ApplyForAid(
            demo.member_id,
            demo.recipe.aid_type,
            demo.amount_yuan,
            demo.recipe.description,
            case_id=demo.case_id,
        )
        case = await self._run(
            "branch_officer", lambda uow: handlers.apply_for_aid(uow, apply, self.policy, federation_wide)
        )
        for step in demo.recipe.steps:
            case = await self._step(case, step)
        return True

    async def _step(self, case: AidCase, step: Step) -> AidCase:
        if step.action in ("approve", "return", "reject"):
            assert case.current_level is not None
            level = case.current_level
            decision = cmds.DecideOnCase(case.case_id, level, step.action, step.text)
            return await self._run(
                _ROLE_OF_LEVEL[level],
                lambda uow: handlers.decide(uow, decision, self.policy, federation_wide),
            )
        if step.action == "cancel":
            cancel = cmds.CancelCase(case.case_id, step.text or "cancelled")
            return await self._run(
                "branch_officer", lambda uow: handlers.cancel(uow, cancel, federation_wide)
            )
        if step.action == "assign":
            assign = cmds.AssignCaseworker(case.case_id, step.text or "caseworker")
            return await self._run(
                "branch_officer", lambda uow: handlers.assign_caseworker(uow, assign, federation_wide)
            )
        if step.action == "complete":
            done = cmds.CompleteService(case.case_id, ServiceOutcome(step.text or "resolved"), "服务已完成")
            return await self._run(
                "branch_officer", lambda uow: handlers.complete_service(uow, done, federation_wide)
            )
        if step.action == "batch":
            create = cmds.CreatePaymentBatch(case.district)
            self.batch_id = await self._run(
                "district_officer", lambda uow: payments.create_batch(uow, create, federation_wide)
            )
            return case
        if step.action == "paid":
            assert self.batch_id is not None, "a demo payment is confirmed after its batch step"
            paid = (Confirmation(case.case_id, PaymentOutcome.PAID, reference=step.text),)
            confirm = cmds.ConfirmPayments(self.batch_id, paid)
            await self._run(
                "district_officer", lambda uow: payments.confirm_payments(uow, confirm, federation_wide)
            )
            return case
        if step.action == "leave":
            self.leave(case.member_id)
            return case
        raise ValueError(f"unknown demo step {step.action}")


def membership_leaver(settings: AssistanceSettings, emit: Emit) -> Callable[[uuid.UUID], bool]:
    """The member of a flagged demo case leaves through membership's API (its port as `unionfed
    run` gives it); this service then hears MemberLeft and flags the open case itself."""
    base = os.environ.get("MEMBERSHIP_URL") or (
        f"http://127.0.0.1:{os.environ.get('UNIONFED_MEMBERSHIP_PORT', '8101')}"
    )
    secret = settings.jwt_secret
    token = (
        issue_token(secret, role="federation_admin", subject=SEED_SUBJECT, audience=audience_of("membership"))
        if secret
        else None
    )

    def leave(member_id: uuid.UUID) -> bool:
        if token is None:
            emit("  no JWT_SECRET: the flagged demo case is left out")
            return False
        request = urllib.request.Request(
            f"{base}/members/{member_id}/leave",
            data=json.dumps({"reason": "resigned", "note": "演示数据"}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError) as exc:
            emit(f"  membership at {base} did not take the leaving ({exc}); no flagged demo case")
            return False

    return leave


async def wait_for_flags(sessions: async_sessionmaker[AsyncSession], case_ids: list[uuid.UUID]) -> int:
    """The flags come from MemberLeft through the broker: wait for them (bounded)."""
    deadline = time.monotonic() + 60
    while True:
        async with sessions() as session:
            flagged = (
                await session.execute(
                    sa.select(sa.func.count())
                    .select_from(cases)
                    .where(cases.c.case_id.in_(case_ids), cases.c.flag.is_not(None))
                )
            ).scalar_one()
        if flagged >= len(case_ids) or time.monotonic() > deadline:
            return int(flagged)
        await asyncio.sleep(1)


async def seed(settings: AssistanceSettings, expected_members: int, emit: Emit = print) -> dict[str, int]:
    """Funds and demo cases for every district the member view knows; returns what was created."""
    if settings.run_migrations:
        await asyncio.to_thread(run_migrations, MIGRATIONS, settings.database_url)
    engine = make_engine(settings.database_url, pool_size=2)
    sessions = make_session_factory(engine)
    counts = {"members": 0, "funds": 0, "cases": 0}
    try:
        emit(f"assistance: waiting for the member view (membership's events), {expected_members} expected")
        # A district membership's seed created is consumed once the pattern subscription's next
        # metadata refresh sees its topic: a count still for less than that may not be final.
        settle = settings.kafka_metadata_max_age_ms / 1000 + 5
        counts["members"] = await wait_for_members(sessions, expected_members, emit, settle_seconds=settle)
        if not counts["members"]:
            raise RuntimeError("the member view is empty: are membership's events flowing?")
        async with sessions() as session:
            by_district = await _members_by_district(session)
        policy = settings.policy()
        seeder = CaseSeeder(sessions, settings, policy, membership_leaver(settings, emit))
        year = date.today().year
        leaving: list[uuid.UUID] = []
        for district, member_ids in sorted(by_district.items()):
            new_funds = await _allocate_funds(sessions, settings, district, year)
            counts["funds"] += new_funds
            made = 0
            for demo in demo_cases(district, member_ids, policy.thresholds, settings.seed_random):
                if await seeder.seed(demo):
                    made += 1
                    if any(s.action == "leave" for s in demo.recipe.steps):
                        leaving.append(demo.case_id)
            counts["cases"] += made
            emit(f"  {district:<12} {new_funds} new funds, {made} new cases")
        if leaving:
            flagged = await wait_for_flags(sessions, leaving)
            emit(f"  {flagged}/{len(leaving)} cases flagged after their members left (MemberLeft)")
        emit(
            f"assistance: {counts['funds']} funds allocated, {counts['cases']} cases created "
            f"for {counts['members']} members; a re-run adds nothing"
        )
        return counts
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m assistance.seed", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--members",
        type=int,
        default=int(os.environ.get("SEED_MEMBERS", "3000")),
        help="Members membership's seed creates, to wait for (default $SEED_MEMBERS or 3000)",
    )
    args = parser.parse_args(argv)
    asyncio.run(seed(AssistanceSettings(), args.members, lambda line: print(line, flush=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
