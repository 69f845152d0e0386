"""What happens inside the demo campaigns (`campaigns.seed`): enrolments and a withdrawal,
deliveries, survey questions and answers, proposals and their reviews, a standing honour; each
through its handler, so with its events.

Every choice comes from a `random.Random` seeded with `SEED_RANDOM`, the district and the
campaign, over a fixed list (the launch's audience snapshot, the district's branches in id order),
and each step first reads what is already there: a re-run adds nothing, and finishes what an
interrupted run left half done. A campaign's activity is batched in one unit of work per kind
of activity (one transaction, its events in the outbox with it) so the seed stays fast.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from unionfed_chassis.access import federation_wide
from unionfed_chassis.db import UnitOfWork
from unionfed_events.campaigns import Honour, ProposalKind, ProposalOutcome

from campaigns import commands_engagement as engage
from campaigns import commands_participation as part
from campaigns.adapters.orm import (
    audience_members,
    branches,
    campaigns,
    deliveries,
    honours,
    members,
    participants,
    proposals,
    survey_questions,
    survey_responses,
)
from campaigns.domain.surveys import QuestionKind
from campaigns.handlers import deliveries as delivery_handlers
from campaigns.handlers import honours as honour_handlers
from campaigns.handlers import participation as participation_handlers
from campaigns.handlers import proposals as proposal_handlers
from campaigns.handlers import surveys as survey_handlers

T = TypeVar("T")
Run = Callable[[str | None, Callable[[UnitOfWork], Awaitable[T]]], Awaitable[T]]


@dataclass(frozen=True)
class Delivery:
    place: str  # appended to the branch's unit name: the site
    items: str
    workers_reached: int
    days_after_start: int  # capped at today


DELIVERIES = {
    "winter-warmth": [
        Delivery("环卫所", "棉衣 120 件", 120, 3),
        Delivery("职工之家", "慰问金和年货 80 份", 80, 15),
        Delivery("建筑工地", "棉被 60 条、手套 200 副", 60, 30),
    ],
    "summer-cooling": [
        Delivery("户外劳动者驿站", "绿豆汤、藿香正气水 300 份", 150, 0),
        Delivery("快递分拣中心", "防暑降温包 200 个", 200, 2),
    ],
}

SURVEY_QUESTIONS: list[tuple[str, QuestionKind, Sequence[str]]] = [
    (
        "您最希望工会在哪方面提供帮助？",
        QuestionKind.SINGLE_CHOICE,
        ["住房保障", "子女教育", "职业技能培训", "医疗健康"],
    ),
    ("您对本单位工会工作的满意程度（1 至 5 分）", QuestionKind.SCALE, []),
    ("您还有哪些意见和建议？", QuestionKind.TEXT, []),
]
REMARKS = [
    "希望多组织技能培训",
    "夏天工地上希望多送些防暑用品",
    "希望帮助解决子女入学问题",
    "食堂伙食可以再改善",
]

PROPOSALS = [
    (ProposalKind.RATIONALISATION, "优化仓库拣货路线", "按订单热度重新布置货位，每班减少步行约三公里。"),
    (ProposalKind.INNOVATION, "焊接夹具快换装置", "自制快换夹具，换型时间由四十分钟缩短到十分钟。"),
    (ProposalKind.RATIONALISATION, "高温时段错峰作业", "七、八月户外作业改为早晚两班，午间停工休息。"),
    (ProposalKind.RATIONALISATION, "共享工具柜", "班组共用常用工具，减少重复采购。"),
    (ProposalKind.INNOVATION, "配电房温度远程监测", "加装温度传感器，超温自动报警，减少夜间巡检。"),
]
ADOPTED, REJECTED = 1, 3  # positions in PROPOSALS
# One in this many of a relief drive's audience enrols, and this many answer the survey: enough
# to show, few enough that the activity adds seconds to `unionfed run`, not tens of them.
ENROLLING, ANSWERING = 20, 24
AWARD = "合理化建议二等奖"


@dataclass
class Tally:
    """What this run added in one district (a re-run: all zero)."""

    added: Counter[str]

    def line(self, district: str) -> str:
        a = self.added
        return (
            f"  {district:<12} +{a['enrolled']} enrolments ({a['waitlisted']} waitlisted, "
            f"{a['withdrawn']} withdrawn), +{a['deliveries']} deliveries, +{a['answers']} survey answers, "
            f"+{a['proposals']} proposals ({a['reviews']} reviewed), +{a['honours']} honours"
        )


class CampaignLife:
    """The activity inside every district's demo campaigns, each step run as its organiser by `run`;
    `tally(district)` says what a run added."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        run: Run[Any],
        seed_random: int,
        today: date,
    ) -> None:
        self.sessions = sessions
        self.run = run
        self.seed_random = seed_random
        self.today = today
        self.tallies: dict[str, Tally] = {}

    def tally(self, district: str) -> Tally:
        return self.tallies.setdefault(district, Tally(Counter()))

    def _rng(self, owner: str | None, slot: str, what: str) -> random.Random:
        # A text seed is hashed with SHA-512 by `random`: the same on every run and interpreter.
        return random.Random(f"{self.seed_random}/{owner}/{slot}/{what}")

    async def before_launch(self, slot: str, owner: str | None, cid: uuid.UUID) -> None:
        """What must be set while the campaign is draft or scheduled: the survey's questions."""
        if slot == "survey" and not await self._has_questions(cid):
            questions = engage.SetSurveyQuestions(cid, SURVEY_QUESTIONS)
            await self.run(owner, lambda uow: survey_handlers.set_questions(uow, questions, federation_wide))

    async def while_launched(self, slot: str, owner: str | None, cid: uuid.UUID) -> None:
        """What happens while the campaign runs (before a close, which counts it)."""
        if owner is None:
            return  # the federation's selection stays scheduled
        if slot in ("winter-warmth", "summer-cooling"):
            await self._enrol(slot, owner, cid)
            await self._deliver(slot, owner, cid)
        elif slot == "survey":
            await self._answer(owner, cid)
        elif slot == "proposals":
            await self._propose(owner, cid)

    # Participation -----------------------------------------------------------------------

    async def _enrol(self, slot: str, owner: str, cid: uuid.UUID) -> None:
        """A share of the audience enrols (past the capacity by three, when the audience is
        larger than it: they wait); then the first of them withdraws, moving the head of the
        waiting list up, in the running Summer-Cooling drive."""
        audience, active = await self._audience(cid)
        capacity = await self._scalar(sa.select(campaigns.c.capacity).where(campaigns.c.campaign_id == cid))
        wanted = min(len(audience), max(2, len(audience) // ENROLLING))
        if capacity is not None and len(audience) > capacity:
            wanted = capacity + 3
        chosen = self._rng(owner, slot, "enrol").sample(audience, wanted)
        status = await self._participants(cid)
        todo = [m for m in chosen if m in active and m not in status]
        tally = self.tally(owner).added

        async def enrol_all(uow: UnitOfWork) -> None:
            for member_id in todo:
                cmd = part.EnrolParticipant(cid, member_id)
                placed = await participation_handlers.enrol(uow, cmd, federation_wide)
                tally["enrolled" if placed.status == "enrolled" else "waitlisted"] += placed.changed

        if todo:
            await self.run(owner, enrol_all)
        if slot != "summer-cooling" or not chosen:
            return
        if (await self._participants(cid)).get(chosen[0]) in ("enrolled", "waitlisted"):
            leaving = part.WithdrawParticipant(cid, chosen[0])
            await self.run(owner, lambda uow: participation_handlers.withdraw(uow, leaving, federation_wide))
            tally["withdrawn"] += 1

    async def _deliver(self, slot: str, owner: str, cid: uuid.UUID) -> None:
        """The recipe's deliveries, each at a branch of the district (a site per delivery)."""
        starts_on = await self._scalar(sa.select(campaigns.c.starts_on).where(campaigns.c.campaign_id == cid))
        units = await self._branches(owner)
        picked = self._rng(owner, slot, "deliver").sample(units, min(len(units), len(DELIVERIES[slot])))
        recorded = set(
            await self._column(sa.select(deliveries.c.site).where(deliveries.c.campaign_id == cid))
        )
        todo = []
        for n, plan in enumerate(DELIVERIES[slot]):
            branch_id, unit = picked[n % len(picked)] if picked else (None, owner)
            site = f"{unit.removesuffix('工会')}{plan.place}"
            if site in recorded:
                continue
            on = min(starts_on + timedelta(days=plan.days_after_start), self.today)
            todo.append(
                part.RecordDelivery(
                    cid, owner, branch_id, site, plan.items, plan.workers_reached, on, self.today
                )
            )

        async def record_all(uow: UnitOfWork) -> None:
            for cmd in todo:
                await delivery_handlers.record_delivery(uow, cmd, federation_wide)

        if todo:
            await self.run(owner, record_all)
            self.tally(owner).added["deliveries"] += len(todo)

    # Survey ------------------------------------------------------------------------------

    async def _answer(self, owner: str, cid: uuid.UUID) -> None:
        """A few dozen of the audience answer (if the survey has its questions: one launched
        before the seed set them has none, and takes no answers)."""
        if not await self._has_questions(cid):
            return
        audience, active = await self._audience(cid)
        rng = self._rng(owner, "survey", "answer")
        chosen = rng.sample(audience, min(len(audience), ANSWERING))
        answers = {m: self._answers(rng) for m in chosen}  # drawn for all: the same on a re-run
        done = set(
            await self._column(
                sa.select(survey_responses.c.member_id).where(survey_responses.c.campaign_id == cid)
            )
        )
        todo = [m for m in chosen if m in active and m not in done]

        async def answer_all(uow: UnitOfWork) -> None:
            for member_id in todo:
                cmd = engage.AnswerSurvey(cid, member_id, answers[member_id])
                await survey_handlers.answer(uow, cmd, federation_wide)

        if todo:
            await self.run(owner, answer_all)
            self.tally(owner).added["answers"] += len(todo)

    @staticmethod
    def _answers(rng: random.Random) -> dict[str, Any]:
        given: dict[str, Any] = {
            "1": rng.choice(list(SURVEY_QUESTIONS[0][2])),
            "2": rng.choices(range(1, 6), weights=(1, 2, 4, 6, 3))[0],
        }
        if rng.random() < 0.4:
            given["3"] = rng.choice(REMARKS)
        return given

    # Proposals ---------------------------------------------------------------------------

    async def _propose(self, owner: str, cid: uuid.UUID) -> None:
        """Five proposals from members of the audience; one adopted with an award, one rejected."""
        _, active = await self._audience(cid)
        if not active:
            return
        rng = self._rng(owner, "proposals", "submit")
        authors = [rng.choice(sorted(active)) for _ in PROPOSALS]
        p = proposals.c
        rows = await self._rows(sa.select(p.title, p.proposal_id, p.status).where(p.campaign_id == cid))
        known = {r.title: (r.proposal_id, r.status) for r in rows}
        tally = self.tally(owner).added
        todo = [
            engage.SubmitProposal(author, kind, title, body, cid)
            for author, (kind, title, body) in zip(authors, PROPOSALS, strict=True)
            if title not in known
        ]

        async def submit_all(uow: UnitOfWork) -> None:
            for cmd in todo:
                known[cmd.title] = (await proposal_handlers.submit(uow, cmd, federation_wide), "submitted")

        if todo:
            await self.run(owner, submit_all)
            tally["proposals"] += len(todo)
        reviews = [
            (ADOPTED, ProposalOutcome.ADOPTED, "已在三个班组推广", AWARD),
            (REJECTED, ProposalOutcome.REJECTED, "与现行安全规程冲突，暂不采纳", None),
        ]
        for position, outcome, comment, award in reviews:
            proposal_id, status = known[PROPOSALS[position][1]]
            if status != "submitted":
                continue
            review = engage.ReviewProposal(proposal_id, outcome, comment, award)
            await self.run(owner, partial(proposal_handlers.review, cmd=review, scope=federation_wide))
            tally["reviews"] += 1

    # Honours -----------------------------------------------------------------------------

    async def honour_team(self, owner: str) -> None:
        """A Worker Pioneer team of one of the district's branches, standing (no campaign); once,
        whatever the year of the re-run."""
        units = await self._branches(owner)
        if not units:
            return
        branch_id, unit = self._rng(owner, "honours", "team").choice(units)
        team = f"{unit.removesuffix('工会')}青年突击队"
        h = honours.c
        held = sa.select(h.honour_id).where(
            h.honour == Honour.WORKER_PIONEER.value, h.recipient_id == team, h.campaign_id.is_(None)
        )
        if await self._column(held):
            return
        # The handler checks the date against the machine's day: never later than that.
        award = engage.AwardHonour(
            Honour.WORKER_PIONEER,
            "攻坚克难、保障民生，被评为工人先锋号。",
            min(self.today, date.today()),
            team_name=team,
            team_branch_id=branch_id,
        )
        await self.run(owner, lambda uow: honour_handlers.award(uow, award, federation_wide))
        self.tally(owner).added["honours"] += 1

    # Reads -------------------------------------------------------------------------------

    async def _audience(self, cid: uuid.UUID) -> tuple[list[uuid.UUID], set[uuid.UUID]]:
        """The launch's audience in id order (fixed at launch: so are the draws from it), and
        those of it still active (only they may act; a re-run after some left skips them)."""
        a, m = audience_members.c, members.c
        query = (
            sa.select(a.member_id, m.status == "active")
            .outerjoin(members, m.member_id == a.member_id)
            .where(a.campaign_id == cid)
            .order_by(a.member_id)
        )
        rows = await self._rows(query)
        return [r[0] for r in rows], {r[0] for r in rows if r[1]}

    async def _branches(self, district: str) -> list[tuple[str, str]]:
        b = branches.c
        query = sa.select(b.branch_id, b.name).where(b.district == district, b.status == "open")
        return [(r.branch_id, r.name) for r in await self._rows(query.order_by(b.branch_id))]

    async def _participants(self, cid: uuid.UUID) -> dict[uuid.UUID, str]:
        p = participants.c
        rows = await self._rows(sa.select(p.member_id, p.status).where(p.campaign_id == cid))
        return {r.member_id: r.status for r in rows}

    async def _has_questions(self, cid: uuid.UUID) -> bool:
        q = survey_questions.c
        return bool(await self._column(sa.select(q.position).where(q.campaign_id == cid).limit(1)))

    async def _rows(self, query: sa.Select[Any]) -> list[Any]:
        async with self.sessions() as session:
            return list((await session.execute(query)).all())

    async def _column(self, query: sa.Select[Any]) -> list[Any]:
        return [r[0] for r in await self._rows(query)]

    async def _scalar(self, query: sa.Select[Any]) -> Any:
        [value] = await self._column(query)
        return value
