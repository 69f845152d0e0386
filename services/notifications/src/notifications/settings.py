"""Settings of the notifications service (environment variables, on top of the chassis ones)."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
from unionfed_chassis import contact_seal
from unionfed_chassis.settings import ServiceSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class NotificationsSettings(ServiceSettings):
    service_name: str = "notifications"
    http_port: int = 8104

    timezone: str = Field("Asia/Shanghai", description="Default zone of quiet hours and dates in messages")
    member_view_group: str = Field(
        "notifications-members",
        description="Consumer group of the member view; a new name rebuilds the view from the topics' start",
    )
    contacts_group: str = Field(
        "notifications-contacts", description="Consumer group of membership's sealed contact points"
    )
    events_group: str = Field(
        "notifications-events",
        description="Consumer group of the events that notify one member or officer (joining, aid decisions...)",
    )
    audience_group: str = Field(
        "notifications-audience",
        description=(
            "Consumer group of campaign audiences (fan-out to thousands): its own group, so a large "
            "fan-out never delays a welcome or a decision"
        ),
    )
    contact_key_id: str = Field(contact_seal.DEV_KEY_ID, description="Id of the current contact-points key")
    contact_private_key: SecretStr | None = Field(
        None,
        description=(
            "Base64 X25519 private key that opens members' contact points (`unionfed contact-key`); "
            "the development key when unset, refused outside development"
        ),
    )
    contact_previous_keys: dict[str, SecretStr] = Field(
        default_factory=dict, description="Older keys by id, kept while records sealed to them remain"
    )
    webhook_allow_private: bool | None = Field(
        None,
        description=(
            "Webhook URLs may resolve to loopback and private addresses (never link-local or cloud "
            "metadata ones): true by default in development, refused outside it"
        ),
    )
    webhook_timeout_seconds: float = Field(10.0, gt=0, le=60, description="Timeout of one webhook request")
    webhook_secret_overlap_hours: float = Field(
        24.0, ge=0, le=24 * 30, description="How long a rotated-out webhook secret still signs"
    )

    @model_validator(mode="after")
    def _check_webhook_private(self) -> Self:
        if self.webhook_allow_private is None:
            self.webhook_allow_private = self.environment == "development"
        elif self.webhook_allow_private and self.environment != "development":
            raise ValueError("WEBHOOK_ALLOW_PRIVATE is for development only")
        return self

    @model_validator(mode="after")
    def _check_contact_key(self) -> Self:
        if self.contact_private_key is None and self.environment != "development":
            raise ValueError(
                "CONTACT_PRIVATE_KEY must be set outside development: create one with "
                "`unionfed contact-key` and give membership its public half"
            )
        return self

    def contact_keyring(self) -> contact_seal.ContactKeyring:
        current = (
            self.contact_private_key.get_secret_value()
            if self.contact_private_key
            else contact_seal.dev_private_key()
        )
        keys = {kid: k.get_secret_value() for kid, k in self.contact_previous_keys.items()}
        keys[self.contact_key_id] = current
        return contact_seal.ContactKeyring(keys)
