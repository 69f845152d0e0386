"""Officers' addresses: normalised as typed, refused without echoing, masked for answers."""

from __future__ import annotations

import pytest
from notifications.domain.contact_addresses import mask_email, mask_phone, normalise_email, normalise_mobile


@pytest.mark.parametrize(
    "typed", ["13812345678", "+86 138-1234-5678", "0086 13812345678", "１３８１２３４５６７８"]
)
def test_mobile_numbers_as_people_type_them(typed: str) -> None:
    assert normalise_mobile(typed) == "13812345678"


@pytest.mark.parametrize("typed", ["", "12812345678", "1381234567", "138123456789", "138-abcd-5678"])
def test_bad_mobile_numbers_are_refused_without_echo(typed: str) -> None:
    with pytest.raises(ValueError) as refused:
        normalise_mobile(typed)
    assert typed == "" or typed not in str(refused.value)


def test_email_addresses_and_masks() -> None:
    assert normalise_email(" Zhang.Wei@Example.ORG ") == "Zhang.Wei@example.org"
    for bad in ("zhang", "a@b", "a@@b.org", "a b@c.org", "x" * 250 + "@example.org"):
        with pytest.raises(ValueError):
            normalise_email(bad)
    assert mask_email("zhang.wei@example.org") == "z***@example.org"
    assert mask_phone("13812345678") == "138****5678"
