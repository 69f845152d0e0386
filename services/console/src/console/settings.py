"""Settings of the operator console (environment variables, on top of the chassis ones)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from unionfed_chassis.settings import ServiceSettings
from unionfed_events.consumer_groups import all_consumer_groups

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

DEFAULT_SERVICES = {
    "membership": "http://127.0.0.1:8101",
    "assistance": "http://127.0.0.1:8102",
    "campaigns": "http://127.0.0.1:8103",
    "notifications": "http://127.0.0.1:8104",
}


INDEX_GROUP = "console-index"


class ConsoleSettings(ServiceSettings):
    service_name: str = "console"
    http_port: int = 8105

    index_group: str = Field(
        INDEX_GROUP,
        description=(
            "Consumer group of the console's own index of every unionfed topic; its own group, so "
            "reading never moves a service's offsets (a new name re-indexes from the topics' start)"
        ),
    )
    index_topic_pattern: str = Field(
        r"^unionfed\.(?!private\.)",
        description=(
            "Topics the console indexes: every unionfed topic except private ones (members' sealed "
            "contact points are useless to an operator and stay out of the index)"
        ),
    )
    index_retention_days: int = Field(30, ge=1, description="Indexed events older than this are deleted")
    services: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_SERVICES),
        description=(
            'Base URL of each service (JSON, e.g. {"membership": "http://membership:8101"}): their '
            "AsyncAPI documents and outbox routes"
        ),
    )
    lag_sample_seconds: float = Field(10.0, gt=0, description="How often consumer-group lag is sampled")
    consumer_groups: list[str] = Field(
        default_factory=lambda: [*all_consumer_groups(), INDEX_GROUP],
        description=(
            "Consumer groups whose lag is sampled (JSON list), on top of those the broker lists; "
            "default: every group of the platform's services and the console's index"
        ),
    )
    discover_groups: bool = Field(True, description="Also sample every group the broker lists")
    lag_growing_samples: int = Field(
        6, ge=2, description="A group is growing when its lag rose over this many samples, never falling"
    )
    lag_growing_threshold: int = Field(
        1000, ge=1, description="... and ends at this many records or more (a small lag is no alarm)"
    )
    lag_retention_minutes: int = Field(60, ge=1, description="Lag samples older than this are deleted")
    contracts_cache_seconds: float = Field(
        60.0, ge=0, description="How long the services' AsyncAPI documents are kept before fetched again"
    )
    session_cookie: str = Field("unionfed_console", description="Cookie holding a signed-in operator's token")
