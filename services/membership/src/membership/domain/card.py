"""Member card numbers: "GH" + year of issue + 8-digit serial + Luhn check digit, e.g.
GH2026000123457. The Luhn digit catches the single-digit and transposition slips people
make when reading a card number over the phone."""

from __future__ import annotations

import re

_CARD = re.compile(r"GH([0-9]{12})([0-9])")


def luhn_check_digit(digits: str) -> str:
    total = 0
    # Doubling starts from the rightmost payload digit because the check digit will follow it.
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def format_card_number(year: int, serial: int) -> str:
    if not 1000 <= year <= 9999 or not 0 < serial < 10**8:
        raise ValueError("year must have 4 digits and serial be 1..99999999")
    payload = f"{year:04d}{serial:08d}"
    return f"GH{payload}{luhn_check_digit(payload)}"


def is_valid_card_number(card: str) -> bool:
    m = _CARD.fullmatch(card.strip().upper())
    return m is not None and luhn_check_digit(m.group(1)) == m.group(2)
