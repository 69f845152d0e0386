"""What the contract catalog reads: the services' AsyncAPI documents (over HTTP, kept a minute:
a catalog page should not cost every service a request) and the latest indexed event of a type
(a real sample, masked at indexing)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from unionfed_events import topics

from console.adapters.orm import stream_events
from console.adapters.services import Answer, call_each
from console.domain.dead_letters import DLQ_PREFIX


class AsyncApiDocuments:
    """Each service's `/asyncapi.json`, fetched again once older than `max_age` seconds. A
    failed fetch is kept as long (an unreachable service is not asked on every page view)."""

    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self._fetched: dict[tuple[str, str], tuple[float, Answer]] = {}

    async def get(self, services: Mapping[str, str]) -> dict[str, Answer]:
        now = time.monotonic()
        stale = {
            name: url
            for name, url in services.items()
            if (hit := self._fetched.get((name, url))) is None or now - hit[0] >= self.max_age
        }
        if stale:
            for answer in await call_each(stale, "GET", "/asyncapi.json"):
                self._fetched[(answer.service, stale[answer.service])] = (now, answer)
        return {name: self._fetched[(name, url)][1] for name, url in services.items()}


# Copies of an event on its way back to a consumer group are no samples of the contract: a dead
# letter may be the malformed one, and both repeat a record already indexed on its own topic.
_COPIES = (DLQ_PREFIX, topics.retry(""))


async def latest_of_type(conn: AsyncConnection, ce_type: str, district: str | None) -> Any:
    """The latest indexed event of `ce_type` on a topic it is published to (within `district`
    when given), or None."""
    topic = stream_events.c.topic
    query = sa.select(stream_events).where(
        stream_events.c.type == ce_type, *(~topic.startswith(prefix, autoescape=True) for prefix in _COPIES)
    )
    if district is not None:
        query = query.where(stream_events.c.district == district)
    return (await conn.execute(query.order_by(stream_events.c.id.desc()).limit(1))).one_or_none()
