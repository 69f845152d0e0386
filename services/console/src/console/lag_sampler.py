"""The `lag-sampler` worker: every `lag_sample_seconds`, every group's committed offsets against
the console's partition ends, saved as one sample (older samples pruned) and exported as gauges.

Every replica samples (a sample is a few small requests); the page reads the latest sample times,
whichever replica wrote them."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from prometheus_client import Gauge
from unionfed_chassis.runtime import Runtime

from console.adapters import lag_store
from console.adapters.lag import UNINDEXED_TOPICS, GroupOffsets, read_lags
from console.domain.lag import Growth
from console.settings import ConsoleSettings

log = logging.getLogger("unionfed.console.lag")

CONSUMER_LAG = Gauge(
    "unionfed_console_consumer_lag",
    "Records a consumer group has still to read on a partition (latest sample)",
    ["group", "topic", "partition"],
)
LAG_GROWING = Gauge(
    "unionfed_console_lag_growing",
    "1 while a consumer group's lag keeps growing (see the console)",
    ["group"],
)


def growth_of(settings: ConsoleSettings) -> Growth:
    return Growth(settings.lag_growing_samples, settings.lag_growing_threshold)


async def sample_lag(settings: ConsoleSettings, runtime: Runtime) -> None:
    offsets = GroupOffsets(
        settings.kafka_bootstrap_servers, f"{settings.service_name}-lag", settings.consumer_groups
    )
    try:
        while True:
            try:
                await sample_once(settings, runtime, offsets)
            except Exception:  # a broker or database hiccup: the next sample tries again
                log.exception("lag sample failed")
            await asyncio.sleep(settings.lag_sample_seconds)
    finally:
        await offsets.close()


async def sample_once(settings: ConsoleSettings, runtime: Runtime, offsets: GroupOffsets) -> None:
    groups = set(settings.consumer_groups)
    if settings.discover_groups:
        groups.update(await offsets.list_groups())
    async with runtime.engine.connect() as conn:
        ends = await lag_store.indexed_ends(conn)
    ends.update(
        {tp: end for tp, end in (await offsets.broker_ends(UNINDEXED_TOPICS)).items() if tp not in ends}
    )
    lags = await read_lags(offsets, sorted(groups), ends)
    now = datetime.now(UTC)
    async with runtime.engine.begin() as conn:
        await lag_store.save_sample(conn, now, lags)
        await lag_store.prune(conn, lag_store.cutoff(now, settings.lag_retention_minutes))
    async with runtime.engine.connect() as conn:
        report = await lag_store.lag_report(conn, growth_of(settings))
    export_metrics(report)


def export_metrics(report: lag_store.LagReport) -> None:
    """The latest sample as gauges; series of partitions and groups no longer seen are dropped."""
    CONSUMER_LAG.clear()
    LAG_GROWING.clear()
    for group in report.groups:
        LAG_GROWING.labels(group.group_id).set(1 if group.growing else 0)
        for p in group.partitions:
            CONSUMER_LAG.labels(group.group_id, p.topic, str(p.partition)).set(p.lag)
