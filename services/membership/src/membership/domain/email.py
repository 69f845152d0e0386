"""E-mail addresses, checked with a strict pattern (no dependency: the address is only stored,
sealed, and handed to notifications, which sends to it). Errors never repeat the address."""

from __future__ import annotations

import re
import unicodedata

from membership.domain.errors import DomainError

# ASCII local part and a domain of dot-separated labels with a letter TLD; no quoted or IP forms.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
MAX_LENGTH = 254  # RFC 5321's path limit


class InvalidEmail(DomainError):
    field = "email"


def validate_email(raw: str) -> str:
    """The address trimmed, domain lower-cased, or InvalidEmail (which never quotes it)."""
    address = unicodedata.normalize("NFKC", raw).strip()
    if not address:
        raise InvalidEmail("is empty: leave it out instead")
    if len(address) > MAX_LENGTH:
        raise InvalidEmail(f"must be at most {MAX_LENGTH} characters")
    if not _EMAIL.fullmatch(address):
        raise InvalidEmail("is not an e-mail address such as name@example.com")
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def mask_email(address: str) -> str:
    """`z***@example.com`: the first character of the mailbox, and the domain."""
    local, domain = address.rsplit("@", 1)
    return f"{local[:1]}***@{domain}"
