"""Settings every service shares, read from environment variables (pydantic-settings).

The environment defaults to production. Development conveniences (the dev JWT secret, HS256
tokens) work only with `ENVIRONMENT=development` set explicitly; anywhere else the validator
refuses them, so a forgotten variable fails at start-up with what to set.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import jwt
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .auth import ClaimNames, TokenVerifier, audience_of
from .consumer_scope import ConsumerScope, parse_districts

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789"


class ServiceSettings(BaseSettings):
    """Chassis settings; a service subclasses this to add its own fields."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = Field("unionfed", description="Name used in logs, metrics, ce_source and group ids")
    environment: Literal["development", "test", "production"] = Field(
        "production", description="`development` enables dev secrets and HS256 tokens; nothing else does"
    )
    log_level: str = "INFO"
    http_host: str = "127.0.0.1"
    http_port: int = 8000

    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:55432/unionfed",
        description="SQLAlchemy URL of this service's own database (asyncpg driver)",
    )
    database_pool_size: int = Field(20, description="Database connections a process keeps open (no overflow)")
    run_migrations: bool = Field(True, description="Run Alembic upgrade head at start-up")

    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    kafka_enable_idempotence: bool = Field(
        True, description="Idempotent producer; must be false against the embedded Tansu broker"
    )
    kafka_client_id: str | None = None
    kafka_metadata_max_age_ms: int = Field(
        30_000, description="Metadata refresh; bounds how late a new district's topics are consumed"
    )

    jwt_secret: str | None = Field(
        None, description="HS256 key of development tokens (`unionfed token`); development only"
    )
    jwt_issuer: str = Field("unionfed", description="Required `iss` of tokens (the identity provider)")
    jwt_audience: str = Field("", description="Required `aud` of tokens; default unionfed-<service_name>")
    jwt_jwks_file: Path | None = Field(None, description="JWKS of the identity provider's public keys")
    jwt_jwks_url: str | None = Field(None, description="URL of that JWKS (fetched, cached, refreshed)")
    jwt_role_claim: str = "role"
    jwt_district_claim: str = "district"
    jwt_branch_claim: str = "branch"

    outbox_batch_size: int = 2000
    outbox_poll_seconds: float = Field(2.0, description="Fallback poll when no NOTIFY arrives")
    outbox_max_backoff_seconds: float = Field(
        5.0, description="Longest wait between the relay's retries while the database or broker is down"
    )
    outbox_enabled: bool = True

    consumer_max_records: int = 1000
    consumer_max_attempts: int = Field(3, description="Tries of a failing event before it is dead-lettered")
    consumer_transient_retry_seconds: float = Field(
        300.0,
        description="How long an event failing with a transient error is retried before it is dead-lettered",
    )
    # Short: after an outage the consumer (and the readiness it reports) recovers within this
    # long (`make chaos` saw 40-60 s with 30); a retry of a held partition is one cheap query.
    consumer_max_retry_backoff_seconds: float = Field(
        5.0, description="Longest wait between transient retries"
    )
    consumers_enabled: bool = True
    consumer_districts: str = Field(
        "",
        description="Comma-separated districts whose topics this process's pattern subscriptions read "
        "(`fed`: federation topics); empty = all. See unionfed_chassis.consumer_scope",
    )
    consumer_excluded_districts: str = Field(
        "", description="Comma-separated districts (`fed`: federation topics) this process does not read"
    )

    gc_gen0_threshold: int = Field(
        20_000, description="Allocations between young-generation collections; 0 keeps Python's default"
    )

    idempotency_ttl_hours: int = 24
    idempotency_lease_seconds: int = Field(
        60,
        ge=1,
        description="After this long an Idempotency-Key whose request never committed (its process "
        "died) may be taken over by a retry",
    )
    inbox_retention_days: int = Field(30, description="How long consumed event ids are remembered")

    @property
    def ce_source(self) -> str:
        return f"/unionfed/{self.service_name}"

    @property
    def asyncpg_dsn(self) -> str:
        """The same database as a plain asyncpg DSN (for LISTEN/NOTIFY and the relay)."""
        return self.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @cached_property
    def token_verifier(self) -> TokenVerifier:
        """Built on first use (a JWKS URL is fetched only when a token needs it)."""
        return TokenVerifier(
            audience=self.jwt_audience,
            issuer=self.jwt_issuer,
            jwks_file=self.jwt_jwks_file,
            jwks_url=self.jwt_jwks_url,
            dev_secret=self.jwt_secret if self.is_development else None,
            claims=ClaimNames(self.jwt_role_claim, self.jwt_district_claim, self.jwt_branch_claim),
        )

    @cached_property
    def consumer_scope(self) -> ConsumerScope:
        return ConsumerScope(
            parse_districts(self.consumer_districts, "CONSUMER_DISTRICTS"),
            parse_districts(self.consumer_excluded_districts, "CONSUMER_EXCLUDED_DISTRICTS"),
        )

    @model_validator(mode="after")
    def _consumer_scope(self) -> ServiceSettings:
        self.consumer_scope  # noqa: B018 (built now: a wrong district list fails at start-up)
        return self

    @model_validator(mode="after")
    def _token_settings(self) -> ServiceSettings:
        self.jwt_audience = self.jwt_audience or audience_of(self.service_name)
        if self.is_development:
            self.jwt_secret = self.jwt_secret or DEV_JWT_SECRET
            if len(self.jwt_secret) < 32:
                raise ValueError("JWT_SECRET must be 32+ characters")
        else:
            self._refuse_development_tokens()
        try:
            self.token_verifier  # noqa: B018 (built now: an unusable JWKS fails at start-up, not per request)
        except (OSError, ValueError, jwt.PyJWTError) as exc:
            raise ValueError(f"JWT_JWKS_FILE / JWT_JWKS_URL cannot be used: {exc}") from exc
        return self

    def _refuse_development_tokens(self) -> None:
        if self.jwt_secret is not None:
            raise ValueError(
                "JWT_SECRET (HS256 development tokens) is accepted only with ENVIRONMENT=development; "
                "outside development unset it and verify tokens with JWT_JWKS_FILE or JWT_JWKS_URL"
            )
        if self.jwt_jwks_file is None and not self.jwt_jwks_url:
            raise ValueError(
                f"set JWT_JWKS_FILE or JWT_JWKS_URL (the identity provider's public keys) for "
                f"ENVIRONMENT={self.environment}, or set ENVIRONMENT=development on a developer machine"
            )
