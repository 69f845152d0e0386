"""Mainland China mobile numbers, as people actually type them."""

from __future__ import annotations

import re
import unicodedata

from membership.domain.errors import InvalidPhone

# Separators people paste from contact cards and spreadsheets; the country code is optional.
_SEPARATORS = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def validate_mobile(raw: str) -> str:
    """Return the bare 11-digit number or raise InvalidPhone."""
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    if not digits:
        raise InvalidPhone("is required")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not digits.isascii() or not digits.isdigit():
        raise InvalidPhone("may contain only digits, spaces, dashes and a +86 prefix")
    if len(digits) != 11:
        raise InvalidPhone(f"must be an 11-digit mobile number, got {len(digits)} digits")
    if not _MOBILE.fullmatch(digits):
        raise InvalidPhone("a mainland mobile number starts with 13-19")
    return digits


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "*" * len(phone)
