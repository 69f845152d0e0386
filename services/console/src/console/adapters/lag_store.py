"""Lag samples in the console's database: the ends the index keeps, writing a sample of every
group's partitions, pruning old ones, and the report pages and metrics read (latest lag and the
trend over the last samples, within a district or the whole federation)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from aiokafka import TopicPartition
from sqlalchemy.ext.asyncio import AsyncConnection
from unionfed_events import topics

from console.adapters.orm import lag_samples, partition_ends
from console.domain.lag import Growth, PartitionLag


async def indexed_ends(conn: AsyncConnection) -> dict[TopicPartition, int]:
    """The console's own end of every partition it indexed (the next offset after the last)."""
    rows = await conn.execute(
        sa.select(partition_ends.c.topic, partition_ends.c.partition, partition_ends.c.next_offset)
    )
    return {TopicPartition(r.topic, r.partition): r.next_offset for r in rows}


async def save_sample(conn: AsyncConnection, at: datetime, lags: Sequence[PartitionLag]) -> None:
    if lags:
        rows = [
            {
                "sampled_at": at,
                "group_id": x.group_id,
                "topic": x.topic,
                "partition": x.partition,
                "committed": x.committed,
                "end_offset": x.end_offset,
                "lag": x.lag,
            }
            for x in lags
        ]
        await conn.execute(sa.insert(lag_samples), rows)


async def prune(conn: AsyncConnection, older_than: datetime) -> None:
    await conn.execute(sa.delete(lag_samples).where(lag_samples.c.sampled_at < older_than))


@dataclass
class PartitionTrend:
    topic: str
    partition: int
    district: str | None
    committed: int | None
    end_offset: int
    lag: int
    trend: list[int]  # the partition's lag per sample, oldest first


@dataclass
class GroupLag:
    group_id: str
    growing: bool = False
    totals: list[int] = field(default_factory=list)  # the group's lag per sample, oldest first
    partitions: list[PartitionTrend] = field(default_factory=list)

    @property
    def lag(self) -> int:
        return self.totals[-1] if self.totals else 0


@dataclass
class LagReport:
    sampled_at: datetime | None
    groups: list[GroupLag]


async def lag_report(conn: AsyncConnection, growth: Growth, *, district: str | None = None) -> LagReport:
    """The last `growth.samples` samples, by group; with `district`, only partitions of that
    district's topics (and groups that have some)."""
    times_query = sa.select(lag_samples.c.sampled_at).distinct().order_by(lag_samples.c.sampled_at.desc())
    times = sorted((await conn.execute(times_query.limit(growth.samples))).scalars())
    if not times:
        return LagReport(None, [])
    query = sa.select(lag_samples).where(lag_samples.c.sampled_at >= times[0])
    if district is not None:
        prefix = f"{topics.PREFIX}.d.{district}."  # not district_prefix(): a token's code is not checked
        query = query.where(lag_samples.c.topic.startswith(prefix, autoescape=True))
    rows = (await conn.execute(query.order_by(lag_samples.c.sampled_at))).all()
    by_group: dict[str, list[sa.Row[tuple[object, ...]]]] = defaultdict(list)
    for row in rows:
        by_group[row.group_id].append(row)
    groups = [_group_lag(name, by_group[name], growth) for name in sorted(by_group)]
    return LagReport(times[-1], groups)


def _group_lag(name: str, rows: list[sa.Row[tuple[object, ...]]], growth: Growth) -> GroupLag:
    totals: dict[datetime, int] = defaultdict(int)
    per_partition: dict[tuple[str, int], list[sa.Row[tuple[object, ...]]]] = defaultdict(list)
    for row in rows:
        totals[row.sampled_at] += row.lag
        per_partition[(row.topic, row.partition)].append(row)
    latest = max(totals)
    partitions = [
        PartitionTrend(
            topic=topic,
            partition=partition,
            district=topics.parse_district(topic),
            committed=samples[-1].committed,
            end_offset=samples[-1].end_offset,
            lag=samples[-1].lag,
            trend=[s.lag for s in samples],
        )
        for (topic, partition), samples in sorted(per_partition.items())
        if samples[-1].sampled_at == latest  # a partition the group no longer commits on is gone
    ]
    series = [totals[t] for t in sorted(totals)]
    return GroupLag(name, growth.is_growing(series), series, partitions)


def cutoff(now: datetime, minutes: int) -> datetime:
    return now - timedelta(minutes=minutes)
