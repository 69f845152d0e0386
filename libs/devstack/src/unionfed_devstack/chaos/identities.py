"""Made-up people for the load: unique, checksum-valid resident IDs and phone numbers.

Every input of a scenario carries a marker in its employer field, so its effect (a member row)
can be found again without decrypting anything."""

from __future__ import annotations

from datetime import date, timedelta

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_REGION = "110105"  # a region the demo seed never uses


def national_id(n: int) -> str:
    """A checksum-valid 18-character resident ID, unique per n (0 ≤ n < 10,000,000)."""
    born = date(1960, 1, 1) + timedelta(days=n // 1000)
    first17 = f"{_REGION}{born:%Y%m%d}{n % 1000:03d}"
    return first17 + _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def phone(n: int) -> str:
    return f"139{n % 100_000_000:08d}"


def marker(scenario: str, kind: str, n: int) -> str:
    """What an input writes into `employer`: `chaos <scenario> <kind><n>`."""
    return f"chaos {scenario} {kind}{n}"
