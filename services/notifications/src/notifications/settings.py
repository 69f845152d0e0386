"""Settings of the notifications service (environment variables, on top of the chassis ones)."""

from __future__ import annotations

from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict
from unionfed_chassis import contact_seal
from unionfed_chassis.settings import ServiceSettings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class NotificationsSettings(ServiceSettings):
    # Provider URLs may carry a password: a refused value is named by position, never shown.
    model_config = SettingsConfigDict(**ServiceSettings.model_config, hide_input_in_errors=True)

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

    # Dispatch and channels (the dispatcher loop runs in every replica).
    dispatch_enabled: bool = Field(
        True, description="Run the dispatcher loop in this replica (tests drive its rounds themselves)"
    )
    email_providers: list[str] = Field(
        default_factory=list,
        description=(
            "SMTP servers in failover order, JSON list of `smtp://[user:password@]host:port[?starttls=true]` "
            "or `smtps://...`; none: every e-mail fails with 'no email provider configured'"
        ),
    )
    email_from: str = Field("unionfed <noreply@unionfed.local>", description="From of every e-mail")
    email_pool_size: int = Field(4, ge=1, description="Open SMTP connections kept per e-mail provider")
    sms_providers: list[str] = Field(
        default_factory=list,
        description=(
            "SMS gateways in failover order, JSON list of http(s) URLs taking POST {to, text, reference}; "
            "none: every SMS fails with 'no sms provider configured'"
        ),
    )
    sms_api_keys: list[SecretStr] = Field(
        default_factory=list, description="API key of each SMS gateway, same order as SMS_PROVIDERS"
    )
    send_timeout_seconds: float = Field(10.0, gt=0, description="Longest wait for one provider's answer")
    delivery_attempts: int = Field(5, ge=1, description="Attempts per message before it fails for good")
    delivery_backoff_seconds: float = Field(
        30.0, gt=0, description="Wait after the first failed attempt; doubles after each (with ±20% jitter)"
    )
    delivery_max_backoff_seconds: float = Field(3600.0, gt=0, description="Longest wait between attempts")
    provider_failure_threshold: int = Field(
        3, ge=1, description="Failures in a row after which a provider is skipped for the cooldown"
    )
    provider_cooldown_seconds: float = Field(
        30.0, ge=0, description="How long a failing provider is skipped before it is tried again"
    )
    email_rate_per_second: float = Field(50.0, gt=0, description="E-mails sent per second, per replica")
    sms_rate_per_second: float = Field(10.0, gt=0, description="SMS sent per second, per replica")
    webhook_rate_per_second: float = Field(50.0, gt=0, description="Webhook calls per second, per replica")
    dispatch_batch_size: int = Field(100, ge=1, description="Due messages claimed per dispatcher round")
    dispatch_concurrency: int = Field(8, ge=1, description="Messages of a round in flight at once")
    dispatch_poll_seconds: float = Field(
        1.0, gt=0, description="Pause between dispatcher rounds when nothing more is due"
    )
    dispatch_lease_seconds: float = Field(
        120.0,
        gt=0,
        description=(
            "How long a claimed message belongs to the replica that claimed it; if that replica dies "
            "before recording the outcome, another sends it again after this (at-least-once at the edge)"
        ),
    )

    @field_validator("email_providers")
    @classmethod
    def _check_email_providers(cls, urls: list[str]) -> list[str]:
        return _check_urls(urls, "EMAIL_PROVIDERS", ("smtp", "smtps"))

    @field_validator("sms_providers")
    @classmethod
    def _check_sms_providers(cls, urls: list[str]) -> list[str]:
        return _check_urls(urls, "SMS_PROVIDERS", ("http", "https"))

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


def _check_urls(urls: list[str], setting: str, schemes: tuple[str, ...]) -> list[str]:
    """Each URL of a provider list has one of `schemes` and a host; the error names the position,
    never the URL (it may carry a password)."""
    for i, url in enumerate(urls):
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 (parsing it is the check)
        except ValueError:
            raise ValueError(f"{setting}[{i}] has an invalid port") from None
        if parts.scheme not in schemes or not parts.hostname:
            raise ValueError(f"{setting}[{i}] must be {' or '.join(f'{s}://host:port' for s in schemes)}")
    return urls
