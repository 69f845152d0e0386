"""Reading consumer groups from the broker without disturbing them.

Which groups: the configured ones (the platform's, `ConsoleSettings.consumer_groups`) and, when
the broker answers it, every group it lists. Their committed offsets: a consumer created with the
group's id that never subscribes, so never joins the group or moves anything; it asks the group's
coordinator for the offsets of the partitions the console knows (one OffsetFetch per group: the
request `committed(tp)` sends, for all partitions at once). The admin client's
`list_consumer_group_offsets` would do it in one call but fails on the embedded broker (Tansu).

The end of each partition is the console's own (`partition_ends`, kept by the index), never the
broker's end offsets alone, which Tansu under-reports after multi-record batches. Topics the
console does not index (members' sealed contact points) fall back to the broker's end."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from unionfed_events import topics

from console.domain.lag import PartitionLag

log = logging.getLogger("unionfed.console.lag")

# Not indexed (personal data sealed for notifications), still consumed by a platform group.
UNINDEXED_TOPICS = (topics.CONTACT_POINTS,)
REQUEST_TIMEOUT_MS = 10_000


class GroupOffsets:
    """Committed offsets of any group, through one idle consumer per group (kept between
    samples: a consumer costs a connection and a coordinator lookup)."""

    def __init__(self, bootstrap: str, client_id: str, configured: Iterable[str] = ()) -> None:
        self.bootstrap = bootstrap
        self.client_id = client_id
        # Their consumers are kept even while they have nothing committed (asked every sample).
        self.configured = frozenset(configured)
        self._readers: dict[str, AIOKafkaConsumer] = {}

    async def list_groups(self) -> list[str]:
        """Every group the broker lists; [] when it cannot (logged once per sample)."""
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap, client_id=self.client_id, request_timeout_ms=REQUEST_TIMEOUT_MS
        )
        try:
            await admin.start()
            return sorted({str(group[0]) for group in await admin.list_consumer_groups()})
        except Exception as exc:  # the broker may not support it: the configured groups remain
            log.info("listing consumer groups failed (%s); sampling the configured groups only", exc)
            return []
        finally:
            await admin.close()

    async def committed(self, group: str, partitions: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        """The group's committed offset of each partition it committed on (others are left out)."""
        wanted = list(partitions)
        if not wanted:
            return {}
        reader = await self._reader(group)
        # The call `AIOKafkaConsumer.committed(tp)` makes, with every partition in one request.
        found = await reader._coordinator.fetch_committed_offsets(wanted)
        committed = {tp: meta.offset for tp, meta in found.items() if meta.offset >= 0}
        if not committed and group not in self.configured:  # a listed group reading other topics
            await self._forget(group)
        return committed

    async def broker_ends(self, names: Iterable[str]) -> dict[TopicPartition, int]:
        """The broker's end offsets of the partitions of `names` that exist (for unindexed topics)."""
        reader = await self._reader(None)
        existing = await reader.topics()
        partitions = [
            TopicPartition(name, p)
            for name in names
            if name in existing
            for p in reader.partitions_for_topic(name) or ()
        ]
        return dict(await reader.end_offsets(partitions)) if partitions else {}

    async def _reader(self, group: str | None) -> AIOKafkaConsumer:
        key = group or ""
        reader = self._readers.get(key)
        if reader is None:
            reader = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap,
                client_id=self.client_id,
                group_id=group,
                enable_auto_commit=False,
                request_timeout_ms=REQUEST_TIMEOUT_MS,
            )
            await reader.start()  # never subscribed nor assigned: it joins no group
            self._readers[key] = reader
        return reader

    async def _forget(self, group: str) -> None:
        reader = self._readers.pop(group, None)
        if reader is not None:
            with contextlib.suppress(Exception):
                await reader.stop()

    async def close(self) -> None:
        readers, self._readers = list(self._readers.values()), {}
        for reader in readers:
            with contextlib.suppress(Exception):
                await reader.stop()


async def read_lags(
    offsets: GroupOffsets, groups: Iterable[str], ends: Mapping[TopicPartition, int]
) -> list[PartitionLag]:
    """Every group's lag on each partition of `ends` it committed on. A group the broker cannot
    answer for now is left out of this sample (logged), the others are kept."""
    partitions = list(ends)

    async def one(group: str) -> list[PartitionLag]:
        try:
            committed = await asyncio.wait_for(
                offsets.committed(group, partitions), REQUEST_TIMEOUT_MS / 1000
            )
        except Exception as exc:
            log.warning("committed offsets of group %s unavailable: %s", group, exc)
            return []
        return [
            PartitionLag(group, tp.topic, tp.partition, offset, ends[tp]) for tp, offset in committed.items()
        ]

    found = await asyncio.gather(*(one(g) for g in groups))
    return [lag for group_lags in found for lag in group_lags]
