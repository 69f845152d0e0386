"""Money as integer cents inside the service; `Decimal` yuan at the edges (API, events)."""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")


def to_cents(yuan: Decimal) -> int:
    """Exact: a yuan amount with more than 2 decimals is refused, never rounded."""
    cents = yuan * 100
    if cents != cents.to_integral_value():
        raise ValueError("an amount has at most 2 decimals")
    return int(cents)


def to_yuan(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def format_yuan(cents: int) -> str:
    return f"{to_yuan(cents):.2f}"
