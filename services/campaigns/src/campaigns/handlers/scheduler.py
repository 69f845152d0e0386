"""Launching and closing at the scheduled time, in the background: every round launches the
scheduled campaigns whose start day has come and closes the launched ones past their last day
(days in the service's time zone).

The state is the campaigns' status in the database, so a restart loses nothing: the next round
finds what is due. Every replica runs this loop; each campaign is picked with
`FOR UPDATE SKIP LOCKED` and handled in its own unit of work, and the pick's condition is
checked again on the locked row, so two replicas never launch (or close) one campaign twice.
The actor is the service: a unit of work outside a request acts on the service's account.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.periodic import UnitOfWorkFactory, each_due, every

from campaigns.adapters.campaign_store import CampaignStore
from campaigns.adapters.orm import campaigns
from campaigns.domain.campaign import Campaign, CampaignStatus
from campaigns.handlers.campaigns import close, launch, now

log = logging.getLogger("unionfed.campaigns.scheduler")

BATCH_SIZE = 20  # campaigns of each kind per round; a full batch starts the next round at once

Due = Callable[[Campaign, date], bool]
Act = Callable[[UnitOfWork, CampaignStore, Campaign, date, datetime], Awaitable[None]]


def _launch_pick(today: date) -> sa.Select[Any]:
    c = campaigns.c
    return sa.select(c.campaign_id).where(c.status == CampaignStatus.SCHEDULED.value, c.starts_on <= today)


def _close_pick(today: date) -> sa.Select[Any]:
    c = campaigns.c
    return sa.select(c.campaign_id).where(c.status == CampaignStatus.LAUNCHED.value, c.ends_on < today)


@dataclass
class RoundResult:
    launched: int = 0
    closed: int = 0
    full: bool = False  # a batch was full: more may be due


@dataclass
class CampaignScheduler:
    unit_of_work: UnitOfWorkFactory
    zone: ZoneInfo
    every_seconds: float
    batch_size: int = BATCH_SIZE

    async def run(self) -> None:
        """A round every `every_seconds` until cancelled."""

        async def round_() -> bool:
            return (await self.run_round(now())).full

        await every(self.every_seconds, round_, log, "schedule")

    async def run_round(self, at: datetime) -> RoundResult:
        """One round as of `at`: launches first, so a campaign the service was down through
        launches and closes in the same round."""
        today = at.astimezone(self.zone).date()
        launched, full_l = await self._each(_launch_pick(today), Campaign.launch_due, launch, today, at)
        closed, full_c = await self._each(_close_pick(today), Campaign.close_due, close, today, at)
        if launched or closed:
            log.info("schedule: %d campaigns launched, %d closed", launched, closed)
        return RoundResult(launched, closed, full_l or full_c)

    async def _each(
        self, pick: sa.Select[Any], due: Due, act: Act, today: date, at: datetime
    ) -> tuple[int, bool]:
        async def picked(uow: UnitOfWork, skip: list[UUID]) -> UUID | None:
            """The first due campaign no other replica holds, locked until this unit of work ends."""
            query = (
                pick.where(campaigns.c.campaign_id.notin_(skip)).order_by(campaigns.c.campaign_id).limit(1)
            )
            found: UUID | None = (
                await uow.session.execute(query.with_for_update(skip_locked=True))
            ).scalar_one_or_none()
            return found

        async def handle(uow: UnitOfWork, campaign_id: UUID) -> bool:
            store = CampaignStore(uow.session)
            campaign = await store.get(campaign_id, for_update=True)
            if campaign is None or not due(campaign, today):
                return False
            await act(uow, store, campaign, today, at)
            return True

        return await each_due(self.unit_of_work, picked, handle, self.batch_size, log, "schedule of campaign")
