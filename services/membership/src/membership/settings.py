"""Settings of the membership service (environment variables, on top of the chassis ones)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from unionfed_chassis.settings import ServiceSettings

from membership.domain.national_id import NationalIdVault

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

# Development only: refused unless ENVIRONMENT=development, like the chassis's dev JWT secret.
DEV_NATIONAL_ID_KEY = "dec0de00" * 8


class MembershipSettings(ServiceSettings):
    service_name: str = "membership"
    http_port: int = 8101

    national_id_key: str = Field(
        DEV_NATIONAL_ID_KEY,
        description="Hex secret (32+ bytes) the ID lookup hash and the ID/phone encryption keys derive from",
    )
    seed_members: int = Field(3000, description="Members `python -m membership.seed` creates")
    seed_random: int = Field(7, description="Seed of the demo data generator (same seed, same data)")
    import_max_bytes: int = Field(20 * 1024 * 1024, description="Largest bulk-import file accepted")

    @model_validator(mode="after")
    def _check_national_id_key(self) -> MembershipSettings:
        try:
            key = bytes.fromhex(self.national_id_key)
        except ValueError:
            raise ValueError("NATIONAL_ID_KEY must be hex") from None
        if len(key) < 32:
            raise ValueError("NATIONAL_ID_KEY must be at least 32 bytes (64 hex digits)")
        if not self.is_development and self.national_id_key == DEV_NATIONAL_ID_KEY:
            raise ValueError(
                "NATIONAL_ID_KEY must be set to a random secret (64 hex digits, e.g. `openssl rand -hex 32`) "
                "unless ENVIRONMENT=development"
            )
        return self

    def vault(self) -> NationalIdVault:
        return NationalIdVault(bytes.fromhex(self.national_id_key))
