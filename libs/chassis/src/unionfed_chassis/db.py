"""Engine, sessions and the unit of work: the only place a transaction commits."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from unionfed_events import Envelope, Event, topics

from . import context
from .metrics import EVENTS_STAGED
from .tables import idempotency_keys, outbox


def make_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    # hide_parameters: a statement's values (which may be personal data) never reach error logs.
    # No pool_pre_ping: on asyncpg it is BEGIN, a query and ROLLBACK at every checkout, three round
    # trips that doubled a member lookup. A connection the server dropped fails its next statement
    # instead; SQLAlchemy then discards every pooled connection of that age, and pool_recycle
    # bounds how long an idle one is kept.
    # No overflow: an overflow connection is closed when it is checked in, so under a burst wider
    # than the pool every request paid for a new PostgreSQL connection. A burst waits instead.
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=0, pool_recycle=1800, hide_parameters=True
    )


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@dataclass
class OutgoingEvent:
    envelope: Envelope
    topics: Sequence[str]


@dataclass
class UnitOfWork:
    """One transaction: state changes plus the events they cause, committed together.

    Handlers call `emit()`; `commit()` writes the staged events into the outbox in the same
    transaction, so either both the change and its events exist, or neither does. Every event
    is stamped with the actor of the current request or message (`actor`).
    """

    session: AsyncSession
    source: str
    domain: str
    staged: list[OutgoingEvent] = field(default_factory=list)
    tombstones: list[tuple[str, str]] = field(default_factory=list)

    @property
    def actor(self) -> context.Actor:
        """Who is acting: set by the route's access check or the consumer; else the service."""
        return context.current.get().actor or context.Actor(self.source, context.SERVICE_ROLE)

    def emit(
        self,
        event: Event,
        *,
        district: str | None,
        branch: str | None = None,
        sequence: int | None = None,
        also_to_districts: Sequence[str] = (),
        caused_by: Envelope | None = None,
    ) -> Envelope:
        """Stage an event for the outbox. `also_to_districts` copies it (same id) to other
        district topics, e.g. a transfer is announced to both the old and the new district."""
        targets = [topics.events_topic(self.domain, district)]
        targets += [topics.district_events(self.domain, d) for d in also_to_districts if d != district]
        return self._stage(targets, event, district, branch, sequence, caused_by)

    def send_to(
        self,
        topic: str,
        event: Event,
        *,
        district: str | None,
        branch: str | None = None,
        caused_by: Envelope | None = None,
    ) -> Envelope:
        """Stage an event for a specific topic (e.g. a reply on a district's replies topic)."""
        return self._stage([topic], event, district, branch, None, caused_by)

    def tombstone(self, topic: str, key: str) -> None:
        """Stage a tombstone (null value) for `key` on a compacted topic, after the event that
        says why: compaction then drops every earlier record of the key."""
        self.tombstones.append((topic, key))

    def _stage(
        self,
        targets: Sequence[str],
        event: Event,
        district: str | None,
        branch: str | None,
        sequence: int | None,
        caused_by: Envelope | None,
    ) -> Envelope:
        actor = self.actor
        envelope = Envelope.wrap(
            event,
            source=self.source,
            district=district,
            branch=branch,
            sequence=sequence,
            actor=actor.subject,
            actorrole=actor.role,
            **_lineage(caused_by),
        )
        self.staged.append(OutgoingEvent(envelope, targets))
        return envelope

    async def flush_events(self) -> None:
        if not self.staged and not self.tombstones:
            return
        rows = [outbox_row(o.envelope, t) for o in self.staged for t in o.topics]
        rows += [tombstone_row(topic, key) for topic, key in self.tombstones]
        self.tombstones.clear()
        await self.session.execute(sa.insert(outbox), rows)
        for ce_type, count in Counter(o.envelope.type for o in self.staged).items():
            EVENTS_STAGED.labels(type=ce_type).inc(count)
        self.staged.clear()

    async def commit(self) -> None:
        await self.flush_events()
        claim = context.idempotency_claim.get()
        if claim is not None and not claim.committed:
            await self.session.execute(
                idempotency_keys.update()
                .where(idempotency_keys.c.key == claim.key, idempotency_keys.c.principal == claim.principal)
                .values(state="committed")
            )
        await self.session.commit()
        if claim is not None:
            claim.committed = True

    async def rollback(self) -> None:
        self.staged.clear()
        self.tombstones.clear()
        await self.session.rollback()


class _Lineage(TypedDict):
    correlationid: str | None
    causationid: str | None
    traceparent: str


def _lineage(caused_by: Envelope | None) -> _Lineage:
    """Correlation, causation and trace of a new event: from the event that caused it, else
    from the current request or message context."""
    if caused_by is not None:
        return {
            "correlationid": caused_by.correlationid or str(caused_by.id),
            "causationid": str(caused_by.id),
            "traceparent": context.child_traceparent(caused_by.traceparent),
        }
    ctx = context.current.get()
    return {
        "correlationid": ctx.correlation_id,
        "causationid": ctx.causation_id,
        "traceparent": context.child_traceparent(ctx.traceparent),
    }


def outbox_row(envelope: Envelope, topic: str) -> dict[str, Any]:
    headers = envelope.headers()
    return {
        "event_id": envelope.id,
        "topic": topic,
        "key": envelope.key,
        "header_names": [name for name, _ in headers],
        "header_values": [value for _, value in headers],
        "payload": envelope.data,
    }


def tombstone_row(topic: str, key: str) -> dict[str, Any]:
    """An outbox row the relay sends with a null value (its payload is empty)."""
    return {
        "event_id": uuid.uuid4(),
        "topic": topic,
        "key": key.encode(),
        "header_names": [],
        "header_values": [],
        "payload": b"",
    }


def run_migrations(script_location: Path, database_url: str) -> None:
    """Alembic `upgrade head` for one service (blocking; call in a thread at start-up)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", database_url)
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
