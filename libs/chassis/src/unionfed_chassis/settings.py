"""Settings every service shares, read from environment variables (pydantic-settings).

Defaults suit `make run` on one machine; outside development the validator refuses the
insecure ones, so a forgotten variable fails at start-up instead of in production.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789"


class ServiceSettings(BaseSettings):
    """Chassis settings; a service subclasses this to add its own fields."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = Field("unionfed", description="Name used in logs, metrics, ce_source and group ids")
    environment: Literal["development", "test", "production"] = "development"
    log_level: str = "INFO"
    http_host: str = "127.0.0.1"
    http_port: int = 8000

    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:55432/unionfed",
        description="SQLAlchemy URL of this service's own database (asyncpg driver)",
    )
    database_pool_size: int = 10
    run_migrations: bool = Field(True, description="Run Alembic upgrade head at start-up")

    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    kafka_enable_idempotence: bool = Field(
        True, description="Idempotent producer; must be false against the embedded Tansu broker"
    )
    kafka_client_id: str | None = None
    kafka_metadata_max_age_ms: int = Field(
        30_000, description="Metadata refresh; bounds how late a new district's topics are consumed"
    )

    jwt_secret: str = DEV_JWT_SECRET
    jwt_issuer: str = "unionfed"

    outbox_batch_size: int = 2000
    outbox_poll_seconds: float = Field(2.0, description="Fallback poll when no NOTIFY arrives")
    outbox_enabled: bool = True

    consumer_max_records: int = 1000
    consumer_max_attempts: int = Field(3, description="Tries of a failing event before it is dead-lettered")
    consumer_transient_retry_seconds: float = Field(
        300.0,
        description="How long an event failing with a transient error is retried before it is dead-lettered",
    )
    consumer_max_retry_backoff_seconds: float = Field(
        30.0, description="Longest wait between transient retries"
    )
    consumers_enabled: bool = True

    gc_gen0_threshold: int = Field(
        20_000, description="Allocations between young-generation collections; 0 keeps Python's default"
    )

    idempotency_ttl_hours: int = 24
    inbox_retention_days: int = Field(30, description="How long consumed event ids are remembered")

    @property
    def ce_source(self) -> str:
        return f"/unionfed/{self.service_name}"

    @property
    def asyncpg_dsn(self) -> str:
        """The same database as a plain asyncpg DSN (for LISTEN/NOTIFY and the relay)."""
        return self.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)

    @model_validator(mode="after")
    def _refuse_insecure_defaults(self) -> ServiceSettings:
        if self.environment == "production" and (
            self.jwt_secret == DEV_JWT_SECRET or len(self.jwt_secret) < 32
        ):
            raise ValueError("JWT_SECRET must be set to a random value of 32+ characters in production")
        return self
