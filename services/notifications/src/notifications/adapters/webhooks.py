"""The webhook channel: one signed POST (Standard Webhooks) to a branch system's endpoint.

`send(message)` takes the subscription id as `address` and the CloudEvent JSON as
`rendered.text`. It opens the subscription's secrets at that moment, resolves the URL's host and
refuses link-local (cloud metadata) addresses always and loopback or private ones unless the
settings allow them (development), posts without following redirects, and reads the status code
only (never the response body). `webhook-id` is the notification id: the same on every retry, so
the receiver can drop a duplicate. A 410 Gone deactivates the subscription.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook
from unionfed_chassis.contact_seal import ContactKeyring, UnknownContactKey

from notifications.adapters import webhook_store as store
from notifications.adapters.orm import webhook_subscriptions as subs
from notifications.domain.model import Channel, Outgoing, SendResult
from notifications.domain.webhooks import Signing, address_allowed, redacted, verdict
from notifications.settings import NotificationsSettings

PROVIDER = "webhook"
MAX_ERROR_LENGTH = 300


def signed_headers(signing: Signing, message_id: str, body: str, now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one request: one `v1,` signature per secret in use."""
    at = now.astimezone(UTC)
    signatures = " ".join(Webhook(s).sign(message_id, at, body) for s in signing.secrets_at(now))
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
    }


class Refused(Exception):
    """The request must not go out; `retryable` says whether a later attempt may differ."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class WebhookSender:
    """`ChannelSender` of `Channel.WEBHOOK`. Call `aclose()` when done (its HTTP connections)."""

    channel = Channel.WEBHOOK

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        keyring: ContactKeyring,
        settings: NotificationsSettings,
    ) -> None:
        self._sessions = session_factory
        self._keyring = keyring
        self._allow_private = bool(settings.webhook_allow_private)
        # httpx logs every request's full URL at INFO, and a receiver's token may sit in its query.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        # trust_env off: an HTTP(S)_PROXY from the environment would take the request past the
        # address check.
        self._client = httpx.AsyncClient(
            timeout=settings.webhook_timeout_seconds, follow_redirects=False, trust_env=False
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, message: Outgoing) -> SendResult:
        try:
            subscription_id = _subscription_id(message.address)
            url, signing = await self._target(subscription_id)
            await self._check_address(url)
        except Refused as refused:
            return SendResult(False, PROVIDER, error=refused.reason, retryable=refused.retryable)
        headers = signed_headers(
            signing, str(message.notification_id), message.rendered.text, datetime.now(UTC)
        )
        headers["content-type"] = "application/json"
        try:
            async with self._client.stream(
                "POST", url, content=message.rendered.text.encode(), headers=headers
            ) as response:
                status = response.status_code  # the body is never read: a receiver can't flood us
        except httpx.HTTPError as exc:
            return SendResult(False, PROVIDER, error=_network_error(exc, url), retryable=True)
        except httpx.InvalidURL:
            return SendResult(False, PROVIDER, error="the URL is not valid", retryable=False)
        outcome = verdict(status)
        if outcome.gone:
            async with self._sessions() as session, session.begin():
                await store.deactivate_gone(session, subscription_id)
        error = None if outcome.delivered else _status_error(status, outcome.gone)
        return SendResult(outcome.delivered, PROVIDER, status, error, outcome.retryable)

    async def _target(self, subscription_id: UUID) -> tuple[str, Signing]:
        async with self._sessions() as session:
            row: Any = (
                await session.execute(sa.select(subs).where(subs.c.subscription_id == subscription_id))
            ).one_or_none()
        if row is None or not row.active:
            raise Refused("the subscription is inactive or gone", retryable=False)
        try:
            previous = (
                self._keyring.unseal_text(row.key_id, row.previous_secret_sealed)
                if row.previous_secret_sealed
                else None
            )
            current = self._keyring.unseal_text(row.key_id, row.secret_sealed)
        except UnknownContactKey:
            raise Refused(
                "the secret is sealed to a key this service does not hold", retryable=False
            ) from None
        return row.url, Signing(current, previous, row.previous_valid_until)

    async def _check_address(self, url: str) -> None:
        """Refuse a host that resolves to an address the settings do not allow (any of them:
        a name with one public and one metadata address is refused)."""
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise Refused("the URL is not valid", retryable=False) from None
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise Refused("the host name does not resolve", retryable=True) from None
        for *_, sockaddr in infos:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if not address_allowed(address, allow_private=self._allow_private):
                raise Refused(
                    "the URL resolves to a refused (link-local, metadata or private) address", retryable=False
                )


def _subscription_id(address: str) -> UUID:
    try:
        return UUID(address)
    except ValueError:
        raise Refused("the address is not a subscription id", retryable=False) from None


def _status_error(status: int, gone: bool) -> str:
    if gone:
        return "410 Gone: the subscription was deactivated"
    if 300 <= status < 400:
        return f"HTTP {status}: redirects are not followed"
    return f"HTTP {status}"


def _network_error(exc: httpx.HTTPError, url: str) -> str:
    """The failure without the URL's query (a receiver's token may be there); never a secret."""
    text = str(exc).replace(url, redacted(url))
    parts = urlsplit(url)
    if parts.query:
        text = text.replace(parts.query, "…")
    return f"{type(exc).__name__}: {text}"[:MAX_ERROR_LENGTH] if text else type(exc).__name__
