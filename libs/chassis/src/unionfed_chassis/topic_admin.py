"""Creating topics from the registry's specs: used by `unionfed topics create`, the dev stack, and
services that create a topic when the thing it belongs to is created (a district, a branch system)."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from unionfed_events.topics import TopicSpec

TOPIC_ALREADY_EXISTS = 36


class TopicAdminError(RuntimeError):
    """The broker refused to create a topic; the message names the topic and the error code."""


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
        created, failed = [], []
        for topic, code, *rest in response.topic_errors:
            if code == 0:
                created.append(topic)
            elif code != TOPIC_ALREADY_EXISTS:  # a concurrent creator won the race: fine
                failed.append(f"{topic}: error {code} {rest[0] if rest else ''}".strip())
        if failed:
            raise TopicAdminError("could not create topics: " + "; ".join(failed))
        return created
    finally:
        await admin.close()


def _new_topic(spec: TopicSpec, replication: int) -> NewTopic:
    configs = dict(spec.configs) if spec.configs else None
    return NewTopic(
        spec.name, num_partitions=spec.partitions, replication_factor=replication, topic_configs=configs
    )
