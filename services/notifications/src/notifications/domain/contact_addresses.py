"""Officers' alert addresses as people type them, checked and normalised, and their masked forms
(the only forms an answer or a log may show). Plain Python."""

from __future__ import annotations

import re
import unicodedata

from unionfed_events.fields import mask_phone

__all__ = ["mask_email", "mask_phone", "normalise_email", "normalise_mobile"]

_SEPARATORS = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# Deliberately loose (RFC 5322 is not worth matching): one @, no spaces, a dotted domain.
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}")
MAX_EMAIL = 254


def normalise_mobile(raw: str) -> str:
    """The bare 11-digit mainland mobile number; ValueError (never echoing the input) otherwise."""
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not (digits.isascii() and _MOBILE.fullmatch(digits)):
        raise ValueError("must be a mainland mobile number: 11 digits starting 13-19, +86 optional")
    return digits


def normalise_email(raw: str) -> str:
    """The address trimmed, its domain lower-cased; ValueError (never echoing the input) otherwise."""
    value = unicodedata.normalize("NFKC", raw).strip()
    if len(value) > MAX_EMAIL or not _EMAIL.fullmatch(value):
        raise ValueError("must be an e-mail address such as name@example.org")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def mask_email(email: str) -> str:
    """`zhang.wei@example.org` -> `z***@example.org`."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"
