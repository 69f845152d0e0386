"""The deployment's topic-creation job: `python -m unionfed_chassis.topics_job` creates every topic
of the registry (district and federation topics, the contact-points topic, each consumer group's
dead-letter and retry topics) for the districts in `DISTRICTS`, then exits 0.

It runs before the services (a compose service they wait for, a Kubernetes Job) and again whenever a
district is added: topics already there are left alone, so running it twice is harmless. It needs
only the chassis and the events library, not the devstack (which pulls in the embedded servers).

Environment: `KAFKA_BOOTSTRAP_SERVERS`, `DISTRICTS` (comma-separated codes, required),
`TOPIC_REPLICATION` (default 1; 3 on a production cluster), `TOPIC_JOB_TIMEOUT` (seconds to wait for
the broker, default 120).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass

from aiokafka.errors import KafkaConnectionError, KafkaError
from unionfed_events.consumer_groups import all_consumer_groups
from unionfed_events.topics import platform_topics

from .topic_admin import TopicAdminError, ensure_topics

RETRY_PAUSE_SECONDS = 2.0


class JobConfigError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class TopicJobConfig:
    bootstrap: str
    districts: list[str]
    replication: int
    timeout: float

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TopicJobConfig:
        districts = [d.strip() for d in env.get("DISTRICTS", "").split(",") if d.strip()]
        if not districts:
            raise JobConfigError("DISTRICTS is empty: set the comma-separated district codes")
        bootstrap = env.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
        if not bootstrap:
            raise JobConfigError("KAFKA_BOOTSTRAP_SERVERS is not set")
        return cls(
            bootstrap=bootstrap,
            districts=districts,
            replication=_positive_int(env, "TOPIC_REPLICATION", "1"),
            timeout=float(_positive_int(env, "TOPIC_JOB_TIMEOUT", "120")),
        )


def _positive_int(env: Mapping[str, str], name: str, default: str) -> int:
    raw = env.get(name, default)
    if not raw.isdigit() or int(raw) < 1:
        raise JobConfigError(f"{name} must be a positive whole number, got {raw!r}")
    return int(raw)


async def create_topics(config: TopicJobConfig) -> tuple[list[str], int]:
    """Create the missing topics, retrying while the broker is unreachable or busy (it may still be
    starting) until the timeout; returns the names created and how many topics the registry has."""
    specs = platform_topics(config.districts, all_consumer_groups())
    deadline = time.monotonic() + config.timeout
    while True:
        try:
            created = await ensure_topics(config.bootstrap, specs, replication=config.replication)
            return created, len(specs)
        except (KafkaConnectionError, TopicAdminError, KafkaError) as exc:
            retriable = not isinstance(exc, TopicAdminError) or exc.retriable
            if not retriable or time.monotonic() > deadline:
                raise
            print(f"broker at {config.bootstrap} not ready ({type(exc).__name__}); retrying", flush=True)
            await asyncio.sleep(RETRY_PAUSE_SECONDS)


def main(env: Mapping[str, str] | None = None) -> int:
    try:
        config = TopicJobConfig.from_env(os.environ if env is None else env)
    except JobConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        created, total = asyncio.run(create_topics(config))
    except (KafkaError, TopicAdminError) as exc:
        print(f"error: topics not created on {config.bootstrap}: {exc}", file=sys.stderr)
        return 1
    for name in created:
        print(f"+ {name}")
    print(
        f"{len(created)} topic(s) created, {total - len(created)} already there "
        f"({len(config.districts)} district(s), {config.bootstrap})",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
