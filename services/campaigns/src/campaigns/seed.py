"""Seed the demo of `make run` through the service's own handlers: `python -m campaigns.seed`.

Runs after membership's and assistance's seeds. It waits until the member view (built from
membership's events) has the demo members, then gives every district campaigns in every state
(draft, scheduled, launched, closed with results, cancelled) of several kinds, and the
federation one of its own; each step is a command in its own unit of work, so the events go out
through the outbox like any organiser's. Ids derive from `SEED_RANDOM` and the district, and a
re-run only finishes what a previous run left half done: nothing twice.

Inside them (`seed_life`): enrolments, a withdrawal and deliveries of the relief drives (the
Winter-Warmth drive's before its close, so its results count them), the survey's questions
(before its launch) and a few dozen answers, five proposals (one adopted with an award, one
rejected), and a standing Worker Pioneer team per district; that activity goes in one unit of
work per campaign and kind (one transaction), so the seed stays fast.

The Golden-Autumn drive targets members on the hardship registry (assistance's events); its
launch opens assistance's education-aid window.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from unionfed_chassis.access import federation_wide
from unionfed_chassis.context import Actor, acting_as
from unionfed_chassis.db import UnitOfWork, make_engine, make_session_factory, run_migrations
from unionfed_events.campaigns import AudienceRule, CampaignKind, HardshipFilter
from unionfed_events.membership import EmploymentType

from campaigns import commands as cmds
from campaigns.adapters.campaign_store import CampaignStore
from campaigns.adapters.orm import hardship_view, members
from campaigns.domain.campaign import CampaignStatus
from campaigns.handlers import campaigns as handlers
from campaigns.seed_life import CampaignLife
from campaigns.settings import MIGRATIONS, CampaignsSettings

Emit = Callable[[str], None]
T = TypeVar("T")
SEED_SUBJECT = "demo-seed"
_IDS = uuid.UUID("5b0c7a52-3a7e-4c55-9d0e-6f1f2c6a9e01")  # namespace of the demo campaigns' ids
S = CampaignStatus


@dataclass(frozen=True)
class Recipe:
    """One demo campaign: what it is, its dates (days from today), and the states it goes through."""

    slot: str
    kind: CampaignKind
    title: str
    description: str
    starts_in: int
    lasts: int
    path: tuple[CampaignStatus, ...]  # after the draft, in order
    audience: AudienceRule = field(default_factory=AudienceRule)
    capacity: int | None = None
    cancel_reason: str = "与全市活动合并举办"


OUTDOOR = [EmploymentType.MIGRANT, EmploymentType.FLEXIBLE, EmploymentType.DISPATCHED]

DISTRICT_RECIPES = [
    Recipe(
        "winter-warmth",
        CampaignKind.WINTER_WARMTH,
        "冬送温暖：困难职工慰问",
        "为困难职工和一线职工送去棉衣、慰问金和年货。",
        starts_in=-45,
        lasts=60,
        path=(S.LAUNCHED, S.CLOSED),
    ),
    Recipe(
        "summer-cooling",
        CampaignKind.SUMMER_COOLING,
        "夏送清凉：户外和外来务工人员",
        "为户外作业和高温岗位的外来务工、灵活就业人员送清凉用品。",
        starts_in=-3,
        lasts=45,
        path=(S.LAUNCHED,),
        audience=AudienceRule(employment_types=OUTDOOR, min_age=18, max_age=60),
        capacity=300,
    ),
    Recipe(
        "golden-autumn",
        CampaignKind.GOLDEN_AUTUMN,
        "金秋助学：困难职工子女",
        "困难职工家庭子女入学助学金申请。",
        starts_in=-2,
        lasts=40,
        path=(S.LAUNCHED,),
        audience=AudienceRule(hardship=HardshipFilter.REGISTERED),
    ),
    Recipe(
        "skill-competition",
        CampaignKind.SKILL_COMPETITION,
        "职工职业技能大赛",
        "焊工、电工、数控车工等工种的技能比武。",
        starts_in=14,
        lasts=30,
        path=(S.SCHEDULED,),
        audience=AudienceRule(min_age=18, max_age=55),
        capacity=120,
    ),
    Recipe(
        "survey",
        CampaignKind.SURVEY,
        "职工需求问卷调查",
        "了解职工在住房、子女教育和职业培训方面的需求，供政策研究参考。",
        starts_in=-1,
        lasts=30,
        path=(S.LAUNCHED,),
    ),
    Recipe(
        "proposals",
        CampaignKind.PROPOSAL_COLLECTION,
        "合理化建议和技术创新成果征集",
        "征集降本增效、安全生产方面的合理化建议和技术创新成果。",
        starts_in=-5,
        lasts=60,
        path=(S.LAUNCHED,),
    ),
    Recipe(
        "cultural-delivery",
        CampaignKind.CULTURAL_DELIVERY,
        "文化送基层：工地电影放映",
        "电影、图书和体育器材送到工地和园区。",
        starts_in=30,
        lasts=20,
        path=(),
        audience=AudienceRule(employment_types=OUTDOOR),
    ),
    Recipe(
        "safety-training",
        CampaignKind.SAFETY_TRAINING,
        "安全生产月培训",
        "危化品和高空作业安全培训。",
        starts_in=20,
        lasts=10,
        path=(S.SCHEDULED, S.CANCELLED),
    ),
]

FEDERATION_RECIPES = [
    Recipe(
        "may-day-medal",
        CampaignKind.HONOUR_SELECTION,
        "五一劳动奖章推荐评选",
        "各区工会推荐，全市评选五一劳动奖章和工人先锋号。",
        starts_in=21,
        lasts=45,
        path=(S.SCHEDULED,),
    ),
]


def campaign_id(seed_random: int, owner: str | None, slot: str) -> uuid.UUID:
    return uuid.uuid5(_IDS, f"{seed_random}/{owner or 'federation'}/{slot}")


async def wait_for_members(
    sessions: async_sessionmaker[AsyncSession],
    expected: int,
    emit: Emit,
    *,
    settle_seconds: float,
    give_up_after: float = 300,
) -> int:
    """Until the view holds `expected` members, or its count has stopped growing for
    `settle_seconds` (membership may have refused some demo rows, or was seeded with another count)."""
    started = time.monotonic()
    last, last_change = -1, started
    while True:
        async with sessions() as session:
            count = int((await session.execute(sa.select(sa.func.count()).select_from(members))).scalar_one())
        now = time.monotonic()
        if count != last:
            emit(f"  member view: {count}/{expected} members")
            last, last_change = count, now
        if (
            count >= expected
            or (count and now - last_change >= settle_seconds)
            or now - started >= give_up_after
        ):
            return count
        await asyncio.sleep(1)


async def wait_for_hardship(sessions: async_sessionmaker[AsyncSession], within: float) -> int:
    """Assistance's seed registers hardship households just before: give their events a moment
    to arrive, so the Golden-Autumn audience is not empty (bounded; none is fine too)."""
    deadline = time.monotonic() + within
    while True:
        async with sessions() as session:
            query = sa.select(sa.func.count()).select_from(hardship_view).where(hardship_view.c.registered)
            count = int((await session.execute(query)).scalar_one())
        if count or time.monotonic() > deadline:
            return count
        await asyncio.sleep(1)


class CampaignSeeder:
    """Drafts one demo campaign, then takes it along its path, each step as its organiser."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: CampaignsSettings) -> None:
        self.sessions = sessions
        self.settings = settings

    async def run(self, owner: str | None, command: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        role = "district_officer" if owner else "federation_admin"
        async with self.sessions() as session:
            uow = UnitOfWork(session, source=self.settings.ce_source, domain="campaigns")
            with acting_as(Actor(SEED_SUBJECT, role)):
                answer = await command(uow)
                await uow.commit()
        return answer

    async def status(self, cid: uuid.UUID) -> CampaignStatus | None:
        async with self.sessions() as session:
            campaign = await CampaignStore(session).get(cid)
        return campaign.status if campaign else None

    async def seed(
        self, recipe: Recipe, owner: str | None, today: date, life: CampaignLife
    ) -> CampaignStatus | None:
        """Bring the campaign to its recipe's last state, with its activity while it runs (before
        a close, which counts it); returns the state it had before (None: new)."""
        cid = campaign_id(self.settings.seed_random, owner, recipe.slot)
        before = await self.status(cid)
        if before is None:
            create = cmds.CreateCampaign(
                kind=recipe.kind,
                title=recipe.title,
                description=recipe.description,
                owner_district=owner,
                starts_on=today + timedelta(days=recipe.starts_in),
                ends_on=today + timedelta(days=recipe.starts_in + recipe.lasts),
                audience=recipe.audience,
                capacity=recipe.capacity,
                campaign_id=cid,
            )
            await self.run(owner, lambda uow: handlers.create_campaign(uow, create, federation_wide))
        path = (S.DRAFT, *recipe.path)
        done = path.index(before) if before in path else 0
        current = path[done]
        for target in path[done + 1 :]:
            if target is S.LAUNCHED:
                await life.before_launch(recipe.slot, owner, cid)
            if current is S.LAUNCHED:
                await life.while_launched(recipe.slot, owner, cid)
            await self.run(owner, partial(self._step, cid=cid, target=target, today=today, recipe=recipe))
            current = target
        if current is S.LAUNCHED:  # still running: a re-run finds what is missing, adds nothing else
            await life.while_launched(recipe.slot, owner, cid)
        return before

    async def _step(
        self, uow: UnitOfWork, *, cid: uuid.UUID, target: CampaignStatus, today: date, recipe: Recipe
    ) -> Any:
        at = datetime.now(self.settings.zone)
        if target is S.SCHEDULED:
            return await handlers.schedule_campaign(uow, cmds.ScheduleCampaign(cid), federation_wide, today)
        if target is S.LAUNCHED:
            return await handlers.launch_campaign(uow, cmds.LaunchCampaign(cid), federation_wide, today, at)
        if target is S.CLOSED:
            return await handlers.close_campaign(uow, cmds.CloseCampaign(cid), federation_wide, today, at)
        if target is S.CANCELLED:
            cancel = cmds.CancelCampaign(cid, recipe.cancel_reason)
            return await handlers.cancel_campaign(uow, cancel, federation_wide)
        raise ValueError(f"no demo step leads to {target}")


async def _districts(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        rows = await session.execute(
            sa.select(members.c.district).where(members.c.status == "active").distinct()
        )
        return sorted(r.district for r in rows)


async def seed(settings: CampaignsSettings, expected_members: int, emit: Emit = print) -> dict[str, int]:
    """Demo campaigns for every district the member view knows and for the federation; returns
    how many were created and how many steps a re-run still had to take."""
    if settings.run_migrations:
        await asyncio.to_thread(run_migrations, MIGRATIONS, settings.database_url)
    engine = make_engine(settings.database_url, pool_size=2)
    sessions = make_session_factory(engine)
    counts = {"members": 0, "created": 0, "existing": 0}
    try:
        emit(f"campaigns: waiting for the member view (membership's events), {expected_members} expected")
        # A district created by membership's seed is consumed once the pattern subscription's
        # next metadata refresh sees its topic: a count still below that may not be final.
        settle = settings.kafka_metadata_max_age_ms / 1000 + 5
        counts["members"] = await wait_for_members(sessions, expected_members, emit, settle_seconds=settle)
        if not counts["members"]:
            raise RuntimeError("the member view is empty: are membership's events flowing?")
        emit(f"  hardship view: {await wait_for_hardship(sessions, settle)} registered members")
        seeder = CampaignSeeder(sessions, settings)
        today = datetime.now(settings.zone).date()
        plan: list[tuple[str | None, Recipe]] = [
            (d, r) for d in await _districts(sessions) for r in DISTRICT_RECIPES
        ]
        plan += [(None, r) for r in FEDERATION_RECIPES]
        life = CampaignLife(sessions, seeder.run, settings.seed_random, today)
        for owner, recipe in plan:
            before = await seeder.seed(recipe, owner, today, life)
            counts["created" if before is None else "existing"] += 1
        for district in sorted({owner for owner, _ in plan if owner is not None}):
            await life.honour_team(district)
            emit(life.tally(district).line(district))
        emit(
            f"campaigns: {counts['created']} demo campaigns created, {counts['existing']} already there, "
            f"for {counts['members']} members; a re-run adds nothing"
        )
        return counts
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m campaigns.seed", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--members",
        type=int,
        default=int(os.environ.get("SEED_MEMBERS", "3000")),
        help="Members membership's seed creates, to wait for (default $SEED_MEMBERS or 3000)",
    )
    args = parser.parse_args(argv)
    asyncio.run(seed(CampaignsSettings(), args.members, lambda line: print(line, flush=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
