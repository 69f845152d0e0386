"""Every service `unionfed run` starts. Adding a service is one more line in SERVICES."""

from __future__ import annotations

import os
from dataclasses import dataclass

from unionfed_events.consumer_groups import CONSUMER_GROUPS


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    app: str  # uvicorn import path, "package.module:app"
    port: int
    database: str
    seed_module: str | None = None
    # Consumer groups whose dead-letter topics `unionfed run` creates up front (the list lives in
    # unionfed_events.consumer_groups: the deployment's topic job reads it there too).
    consumer_groups: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _port(name: str, default: int) -> int:
    """`UNIONFED_<NAME>_PORT` overrides a service's port (e.g. when 8101 is taken)."""
    return int(os.environ.get(f"UNIONFED_{name.upper()}_PORT", default))


SERVICES: list[ServiceSpec] = [
    ServiceSpec(
        "membership",
        "membership.main:app",
        _port("membership", 8101),
        "membership",
        "membership.seed",
        consumer_groups=CONSUMER_GROUPS["membership"],
    ),
    ServiceSpec(
        "assistance",
        "assistance.main:app",
        _port("assistance", 8102),
        "assistance",
        "assistance.seed",
        consumer_groups=CONSUMER_GROUPS["assistance"],
    ),
    ServiceSpec(
        "campaigns",
        "campaigns.main:app",
        _port("campaigns", 8103),
        "campaigns",
        "campaigns.seed",
        consumer_groups=CONSUMER_GROUPS["campaigns"],
    ),
    ServiceSpec(
        "notifications",
        "notifications.main:app",
        _port("notifications", 8104),
        "notifications",
        None,
        consumer_groups=CONSUMER_GROUPS["notifications"],
    ),
    # The operators' console indexes every topic under its own group (`console-index`), which
    # never dead-letters: a record it cannot decode is indexed as "not a CloudEvent".
    ServiceSpec("console", "console.main:app", _port("console", 8105), "console", None),
]


def consumer_groups(services: list[ServiceSpec] | None = None) -> list[str]:
    return [g for s in (SERVICES if services is None else services) for g in s.consumer_groups]
