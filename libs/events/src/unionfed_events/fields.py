"""Constrained field types shared by the event catalog (their constraints go into the JSON Schemas)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, WithJsonSchema

from .topics import DISTRICT_CODE

DistrictCode = Annotated[str, Field(pattern=DISTRICT_CODE.pattern, examples=["xuhui"])]
"""A district union's code: a lowercase slug, the same one topic names use."""

BranchId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", examples=["xuhui-b012"])]
"""A grassroots branch's id: a lowercase slug."""

NATIONAL_ID_MASKED = r"^[0-9]{4}\*{10}[0-9]{3}[0-9X]$"
PHONE_MASKED = r"^1[0-9]{2}\*{4}[0-9]{4}$"

NationalIdMasked = Annotated[str, Field(pattern=NATIONAL_ID_MASKED, examples=["1101**********1234"])]
"""A resident ID number with only the first 4 and last 4 characters kept."""

PhoneMasked = Annotated[str, Field(pattern=PHONE_MASKED, examples=["138****5678"])]
"""A mainland mobile number with the middle 4 digits hidden."""

Yuan = Annotated[
    Decimal,
    Field(ge=0, max_digits=14, decimal_places=2),
    WithJsonSchema({"type": "string", "format": "decimal", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$"}),
]
"""An amount of money in yuan (CNY), at most 2 decimals; a JSON string such as "1500.00"."""


def mask_national_id(national_id: str) -> str:
    """`110101199003071234` -> `1101**********1234` (the only form events may carry)."""
    value = national_id.strip().upper()
    if len(value) != 18:
        raise ValueError("a resident ID number has 18 characters")
    return f"{value[:4]}{'*' * 10}{value[-4:]}"


def mask_phone(phone: str) -> str:
    """`13812345678` -> `138****5678` (the only form events may carry)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) != 11:
        raise ValueError("a mobile number has 11 digits")
    return f"{digits[:3]}****{digits[-4:]}"
