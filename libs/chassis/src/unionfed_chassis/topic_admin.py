"""Creating topics from the registry's specs: used by `unionfed topics create`, the dev stack, and
services that create a topic when the thing it belongs to is created (a district, a branch system);
listing topics and their partition counts without creating any (dead-letter reading and replay)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaClient
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, for_code
from aiokafka.protocol.metadata import MetadataRequest
from unionfed_events.topics import TopicSpec

TOPIC_ALREADY_EXISTS = 36
# Kafka error codes a metadata request answers per topic.
TOPIC_EXISTS = 0
UNKNOWN_TOPIC = 3
INVALID_TOPIC = 17
TOPIC_NOT_AUTHORIZED = 29


class TopicAdminError(RuntimeError):
    """The broker refused to create a topic; the message names the topic and the error code."""

    def __init__(self, message: str, codes: Iterable[int] = ()) -> None:
        super().__init__(message)
        self.codes = list(codes)

    @property
    def retriable(self) -> bool:
        """True when every refusal may pass (request timed out, controller moving)."""
        return bool(self.codes) and all(for_code(code).retriable for code in self.codes)


async def ensure_topics(bootstrap: str, specs: list[TopicSpec], replication: int = 1) -> list[str]:
    """Create the topics of `specs` that are missing; returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if not missing:
            return []
        response = await admin.create_topics([_new_topic(s, replication) for s in missing])
        created, failed, codes = [], [], []
        for topic, code, *rest in response.topic_errors:
            if code == 0:
                created.append(topic)
            elif code != TOPIC_ALREADY_EXISTS:  # a concurrent creator won the race: fine
                failed.append(f"{topic}: error {code} {rest[0] if rest else ''}".strip())
                codes.append(code)
        if failed:
            raise TopicAdminError("could not create topics: " + "; ".join(failed), codes)
        return created
    finally:
        await admin.close()


async def list_topics(bootstrap: str, request_timeout: float = 10) -> list[str]:
    """Every topic name (a metadata request for all topics, which never auto-creates one)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(request_timeout * 1000))
    try:
        await asyncio.wait_for(admin.start(), request_timeout)
        return sorted(await asyncio.wait_for(admin.list_topics(), request_timeout))
    finally:
        await admin.close()


async def describe_partitions(bootstrap: str, topics: list[str]) -> dict[str, int]:
    """Partition count per existing topic of `topics`. Ask only about topics `list_topics` named:
    a broker that auto-creates topics (Tansu) may create one it is asked to describe."""
    if not topics:
        return {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
        return {t["topic"]: len(t["partitions"]) for t in described if t["error_code"] == 0}
    finally:
        await admin.close()


def _new_topic(spec: TopicSpec, replication: int) -> NewTopic:
    configs = dict(spec.configs) if spec.configs else None
    return NewTopic(
        spec.name, num_partitions=spec.partitions, replication_factor=replication, topic_configs=configs
    )


async def topic_errors(client: AIOKafkaClient, names: Iterable[str]) -> dict[str, int]:
    """The error code the cluster answers for each topic (0: exists, UNKNOWN_TOPIC, INVALID_TOPIC,
    TOPIC_NOT_AUTHORIZED, …), asked with auto-creation off so that asking creates nothing, even on
    a broker that auto-creates the topics clients ask about."""
    node = client.get_random_node()
    if node is None:
        raise KafkaConnectionError("no broker known to ask for topic metadata")
    response = await client.send(node, MetadataRequest(list(names), allow_auto_topic_creation=False))
    return {topic: code for code, topic, *_ in response.topics}
