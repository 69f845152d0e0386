"""Settings of the membership service (environment variables, on top of the chassis ones)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from unionfed_chassis import contact_seal
from unionfed_chassis.rate_limit import parse_limits
from unionfed_chassis.settings import ServiceSettings

from membership.adapters.vault import ContactKey, NationalIdVault

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Development only: refused unless ENVIRONMENT=development, like the chassis's dev JWT secret.
DEV_NATIONAL_ID_KEY = "dec0de00" * 8


class MembershipSettings(ServiceSettings):
    service_name: str = "membership"
    http_port: int = 8101

    national_id_key: str = Field(
        DEV_NATIONAL_ID_KEY,
        description="Hex secret (32+ bytes) the ID lookup hash and the ID/phone encryption keys derive from",
    )
    contact_public_key: str = Field(
        default_factory=contact_seal.dev_public_key,
        description="Base64 public key of the notifications service that contact points are sealed to "
        "(`unionfed contact-key`); the development key is refused unless ENVIRONMENT=development",
    )
    contact_key_id: str = Field(
        contact_seal.DEV_KEY_ID, min_length=1, description="Id of that key, published with every sealed box"
    )
    seed_members: int = Field(3000, description="Members `python -m membership.seed` creates")
    seed_random: int = Field(7, description="Seed of the demo data generator (same seed, same data)")
    import_max_bytes: int = Field(20 * 1024 * 1024, description="Largest bulk-import file accepted")

    code_sender: Literal["log", "none"] | None = Field(
        None,
        description="Sender of one-time codes: 'log' (development: the service log) or 'none' (auto-approving "
        "branches then wait for an officer). Default: 'log' in development, else 'none'",
    )
    verification_code_ttl_seconds: int = Field(600, ge=60, description="How long a one-time code is valid")
    verification_code_attempts: int = Field(
        5, ge=1, description="Wrong codes allowed before a new application"
    )
    rate_limit_storage: str = Field(
        "memory://", description="`limits` storage URI of the public rate limits (memory: this process only)"
    )
    public_limit_per_client: str = Field(
        "20/minute;200/hour", description="Public requests per client address"
    )
    public_limit_per_person: str = Field("5/hour;20/day", description="Applications per national ID")

    @field_validator("public_limit_per_client", "public_limit_per_person")
    @classmethod
    def _check_limits(cls, spec: str) -> str:
        try:
            parse_limits(spec)
        except ValueError as exc:
            raise ValueError(f"not a rate limit such as '10/minute;100/hour': {exc}") from None
        return spec

    @field_validator("contact_public_key")
    @classmethod
    def _check_contact_public_key(cls, key: str) -> str:
        try:
            raw = base64.b64decode(key, validate=True)
        except ValueError:
            raise ValueError("CONTACT_PUBLIC_KEY must be base64") from None
        if len(raw) != 32:
            raise ValueError("CONTACT_PUBLIC_KEY must be a 32-byte X25519 public key")
        return key

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
        if not self.is_development and self.contact_public_key == contact_seal.dev_public_key():
            raise ValueError(
                "CONTACT_PUBLIC_KEY must be the notifications service's public key (`unionfed contact-key`) "
                "unless ENVIRONMENT=development"
            )
        if not self.is_development and self.code_sender == "log":
            raise ValueError(
                "CODE_SENDER=log writes one-time codes into the log: ENVIRONMENT=development only"
            )
        return self

    def code_sender_kind(self) -> str:
        if self.code_sender is not None:
            return self.code_sender
        return "log" if self.is_development else "none"

    def vault(self) -> NationalIdVault:
        return NationalIdVault(
            bytes.fromhex(self.national_id_key), ContactKey(self.contact_public_key, self.contact_key_id)
        )
