"""Branch systems' webhooks, plain Python: which URLs a subscription may name, which addresses a
request may reach, what a secret looks like, which secrets sign a delivery and
what an attempt's answer means. Signing itself (HMAC, by the `standardwebhooks` library) is in
`adapters/webhooks.py`."""

from __future__ import annotations

import base64
import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from notifications.domain.errors import DomainError

TEST_EVENT_TYPE = "unionfed.webhook.test"
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the specification asks for 24 to 64
MAX_URL_LENGTH = 2000

# Spaces, C0/C1 controls and lone surrogates: never part of a URL, and NUL or a surrogate would
# reach the database and fail there.
_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\ud800-\udfff]")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def new_secret() -> str:
    """A fresh signing secret, `whsec_` + base64 of random bytes, as the specification writes them."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL if a subscription may name it: http(s), a host, no credentials, and not a literal
    address the sender would refuse. Host names are resolved (and checked) at each send."""
    if len(url) > MAX_URL_LENGTH:
        raise DomainError(f"must be at most {MAX_URL_LENGTH} characters", field="url")
    if _CONTROL_OR_SPACE.search(url):
        raise DomainError("must not contain spaces or control characters", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DomainError("must be a valid http or https URL", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainError("must be an http or https URL with a host", field="url")
    if parts.username is not None or parts.password is not None:
        raise DomainError("must not carry credentials (user:password@)", field="url")
    if parts.fragment:
        raise DomainError("must not have a fragment (#...)", field="url")
    if port == 0:
        raise DomainError("must not name port 0", field="url")
    literal = _literal_address(parts.hostname)
    if literal is not None and not address_allowed(literal, allow_private=allow_private):
        raise DomainError("must not point at a link-local, metadata or private address", field="url")
    return url


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def address_allowed(address: IPAddress, *, allow_private: bool) -> bool:
    """Whether a webhook request may go to `address`. Link-local (169.254.0.0/16, where cloud
    metadata services answer, and fe80::/10), unspecified and multicast addresses never;
    loopback and private ones only where allowed (development); public ones always."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_link_local or address.is_unspecified or address.is_multicast:
        return False
    return address.is_global or allow_private


def redacted(url: str) -> str:
    """The URL without its query (a receiver's token may sit there): for error texts."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


@dataclass(frozen=True)
class Signing:
    """The secrets that sign one delivery: the current one, and the previous one while a
    rotation's overlap lasts (then both signatures go in the header)."""

    current: str
    previous: str | None = None
    previous_valid_until: datetime | None = None

    def secrets_at(self, now: datetime) -> list[str]:
        keep_previous = (
            self.previous is not None
            and self.previous_valid_until is not None
            and now < self.previous_valid_until
        )
        return [self.current, self.previous] if keep_previous and self.previous else [self.current]


@dataclass(frozen=True)
class Verdict:
    """What a receiver's status code means: delivered, worth retrying, or the endpoint is gone
    for good (410: the subscription is deactivated)."""

    delivered: bool
    retryable: bool
    gone: bool = False


def verdict(status_code: int) -> Verdict:
    if 200 <= status_code < 300:
        return Verdict(delivered=True, retryable=False)
    if status_code == 410:
        return Verdict(delivered=False, retryable=False, gone=True)
    if status_code in (408, 429) or status_code >= 500:
        return Verdict(delivered=False, retryable=True)
    # Redirects are not followed (a redirect could lead anywhere, the metadata address included)
    # and other 4xx say the request itself is refused: retrying would get the same answer.
    return Verdict(delivered=False, retryable=False)
