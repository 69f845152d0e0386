"""PRC resident ID numbers (GB 11643-1999): validation and masking. A full ID never appears in
an error message, log line or event; `membership.adapters.vault` keeps stored ones sealed."""

from __future__ import annotations

import unicodedata
from datetime import date

from membership.domain.errors import InvalidNationalId

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_MAP = "10X98765432"
_DIGITS = frozenset("0123456789")


def normalise_national_id(raw: str) -> str:
    # NFKC folds full-width digits and 'Ｘ' typed on Chinese keyboards; split() drops any whitespace.
    return "".join(unicodedata.normalize("NFKC", raw).split()).upper()


def check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_MAP[total % 11]


def validate_national_id(raw: str, *, today: date | None = None) -> str:
    """Return the normalised ID or raise InvalidNationalId saying what is wrong with it."""
    nid = normalise_national_id(raw)
    if not nid:
        raise InvalidNationalId("is required")
    if len(nid) != 18:
        raise InvalidNationalId(f"must be 18 characters, got {len(nid)}")
    if not _DIGITS.issuperset(nid[:17]):
        raise InvalidNationalId("the first 17 characters must be digits")
    if nid[17] not in _DIGITS and nid[17] != "X":
        raise InvalidNationalId("the last character must be a digit or X")
    if nid[0] == "0":
        raise InvalidNationalId("region code (first 6 digits) cannot start with 0")
    _check_birth_date(nid[6:14], today or date.today())
    if check_char(nid[:17]) != nid[17]:
        raise InvalidNationalId("checksum does not match; please check for a mistyped digit")
    return nid


def _check_birth_date(yyyymmdd: str, today: date) -> None:
    shown = f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        raise InvalidNationalId(f"birth date {shown} is not a date") from None
    if born.year < 1900:
        raise InvalidNationalId(f"birth year {born.year} is before 1900")
    if born > today:
        raise InvalidNationalId(f"birth date {shown} is in the future")


def birth_year(nid: str) -> int:
    """Year of birth of a validated ID number (its characters 7 to 10)."""
    return int(normalise_national_id(nid)[6:10])


def mask_national_id(nid: str) -> str:
    nid = normalise_national_id(nid)
    if len(nid) < 12:  # too short to show 8 characters and still hide most of it
        return "*" * len(nid)
    return nid[:4] + "*" * (len(nid) - 8) + nid[-4:]


def birth_date(nid: str) -> date:
    nid = normalise_national_id(nid)
    return date(int(nid[6:10]), int(nid[10:12]), int(nid[12:14]))


def age_on(nid: str, day: date) -> int:
    born = birth_date(nid)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def make_test_national_id(region: str = "110105", birth: date = date(1990, 1, 1), seq: int = 123) -> str:
    """A checksum-valid ID for tests and demo data. seq is 0-999; odd means male, even female."""
    if len(region) != 6 or not region.isdigit() or not 0 <= seq <= 999:
        raise ValueError("region must be 6 digits and seq 0-999")
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)
