"""Officers' digests: one summary per hour or per day instead of one message per alert.

Planning writes a digest officer's alerts as `digest` rows. Every round, for each officer with
such rows from a period that has ended (the hour, or the day, in the officer's time zone), one
unit of work writes a `digest` content listing them and its e-mail notification (`pending`: the
dispatcher sends it like any other), and stamps the alerts with its id (`digest_id`), so each
alert is in exactly one digest. An officer who went back to single messages gets what waited at
once. Every replica runs this loop: the officer's row is locked with SKIP LOCKED by the pick and
kept locked while their digest is written, so two replicas never split or repeat one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.periodic import UnitOfWorkFactory, each_due, every
from unionfed_events import uuid7

from notifications.adapters.orm import contents, notifications, officers, preferences
from notifications.domain.model import Category, Priority, RecipientKind
from notifications.domain.routing import DIGEST_TEMPLATE
from notifications.handlers.planning import DIGEST_CHANNEL, content_id

log = logging.getLogger("unionfed.notifications.digests")

BATCH_SIZE = 50  # officers per round; a full batch starts the next round at once
DIGEST_TYPE = "Digest"  # `contents.caused_type` of a digest: caused by time, not by one event


def _period_start(now: Any, default_timezone: str) -> Any:
    """Start of the officer's current period (SQL): items older than it are due. For an officer
    who no longer takes digests, `now`: whatever waited goes at once."""
    zone = sa.func.coalesce(preferences.c.timezone, default_timezone)
    local_now = sa.func.timezone(zone, now)
    start_of = lambda unit: sa.func.timezone(zone, sa.func.date_trunc(unit, local_now))  # noqa: E731
    digest = officers.c.digest
    return sa.case((digest == "hourly", start_of("hour")), (digest == "daily", start_of("day")), else_=now)


def _waiting(now: Any, default_timezone: str) -> Any:
    """The digest officers' alerts not yet in a digest, from an ended period."""
    n = notifications.c
    joined = notifications.join(officers, officers.c.officer_id == n.recipient_id).outerjoin(
        preferences, preferences.c.recipient_id == n.recipient_id
    )
    return (
        sa.select(n.notification_id)
        .select_from(joined)
        .where(
            n.status == "digest",
            n.digest_id.is_(None),
            n.recipient_kind == RecipientKind.OFFICER.value,
            n.created_at < _period_start(now, default_timezone),
        )
    )


@dataclass
class RoundResult:
    digests: int = 0
    full: bool = False


@dataclass
class DigestLoop:
    unit_of_work: UnitOfWorkFactory
    default_timezone: str
    every_seconds: float = 60.0
    batch_size: int = BATCH_SIZE

    async def run(self) -> None:
        """A round every `every_seconds` until cancelled."""

        async def round_() -> bool:
            return (await self.run_round(datetime.now(UTC))).full

        await every(self.every_seconds, round_, log, "digest")

    async def run_round(self, now: datetime) -> RoundResult:
        """One round as of `now`: a digest for every officer whose period has ended."""
        at = sa.literal(now, sa.DateTime(timezone=True))

        async def pick(uow: UnitOfWork, skip: list[UUID]) -> UUID | None:
            query = (
                _waiting(at, self.default_timezone)
                .where(notifications.c.notification_id.notin_(skip))
                .order_by(notifications.c.created_at)
                .limit(1)
                .with_for_update(of=officers, skip_locked=True)
            )
            found: UUID | None = (await uow.session.execute(query)).scalar_one_or_none()
            return found

        async def handle(uow: UnitOfWork, picked: UUID) -> bool:
            return await self._compose(uow, picked, at)

        done, full = await each_due(self.unit_of_work, pick, handle, self.batch_size, log, "digest of alert")
        if done:
            log.info("digests: %d composed", done)
        return RoundResult(done, full)

    async def _compose(self, uow: UnitOfWork, picked: UUID, at: Any) -> bool:
        """The digest of the officer of the `picked` alert (their row is locked by the pick)."""
        n, c = notifications.c, contents.c
        officer_id = (
            await uow.session.execute(sa.select(n.recipient_id).where(n.notification_id == picked))
        ).scalar_one()
        waiting = _waiting(at, self.default_timezone).where(n.recipient_id == officer_id).subquery()
        items = (
            await uow.session.execute(
                sa.select(n.notification_id, n.created_at, c.template, c.params)
                .join(contents, c.content_id == n.content_id)
                .where(n.notification_id.in_(sa.select(waiting.c.notification_id)))
                .order_by(n.created_at)
                .with_for_update(of=notifications)
            )
        ).all()
        if not items:  # another replica's digest took them between the pick and the lock
            return False
        district = (
            await uow.session.execute(
                sa.select(officers.c.district).where(officers.c.officer_id == officer_id)
            )
        ).scalar_one()
        digest_id = await self._write_digest(uow, officer_id, district, items)
        await uow.session.execute(
            sa.update(notifications)
            .where(n.notification_id.in_([i.notification_id for i in items]))
            .values(digest_id=digest_id)
        )
        return True

    async def _write_digest(
        self, uow: UnitOfWork, officer_id: str, district: str | None, items: Sequence[Any]
    ) -> UUID:
        caused_by = uuid7()
        cid = content_id(caused_by, DIGEST_TEMPLATE)
        listed = [{"template": i.template, "params": i.params, "at": i.created_at.isoformat()} for i in items]
        params = {
            "items": listed,
            "count": len(items),
            "since": items[0].created_at.isoformat(),
            "until": items[-1].created_at.isoformat(),
        }
        await uow.session.execute(
            insert(contents).values(
                content_id=cid,
                caused_by=caused_by,
                caused_type=DIGEST_TYPE,
                template=DIGEST_TEMPLATE,
                category=Category.DIGEST.value,
                critical=False,
                district=district,
                params=params,
            )
        )
        digest_id: UUID = (
            await uow.session.execute(
                insert(notifications)
                .values(
                    content_id=cid,
                    caused_by=caused_by,
                    recipient_kind=RecipientKind.OFFICER.value,
                    recipient_id=officer_id,
                    channel=DIGEST_CHANNEL.value,
                    status="pending",
                    priority=int(Priority.PERSONAL),
                )
                .returning(notifications.c.notification_id)
            )
        ).scalar_one()
        return digest_id
