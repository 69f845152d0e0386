from datetime import date

import pytest
from membership.domain.errors import DomainError, InvalidNationalId
from membership.domain.national_id import (
    age_on,
    birth_date,
    make_test_national_id,
    mask_national_id,
    validate_national_id,
)

TODAY = date(2026, 6, 1)
# Published sample from GB 11643-1999 (not a real person): check char X.
SAMPLE_X = "11010519491231002X"


def reason(raw: str) -> str:
    with pytest.raises(InvalidNationalId) as exc:
        validate_national_id(raw, today=TODAY)
    assert exc.value.field == "national_id"
    assert isinstance(exc.value, DomainError)
    return exc.value.reason


def test_accepts_a_valid_id() -> None:
    nid = make_test_national_id("310104", date(1988, 7, 15), 231)
    assert validate_national_id(nid, today=TODAY) == nid


def test_accepts_x_check_char_in_lower_case_with_spaces() -> None:
    assert validate_national_id(" 110105 19491231 002x ", today=TODAY) == SAMPLE_X


def test_accepts_full_width_digits() -> None:
    full_width = SAMPLE_X.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert validate_national_id(full_width, today=TODAY) == SAMPLE_X


def test_rejects_wrong_checksum_without_echoing_the_id() -> None:
    nid = make_test_national_id("310104", date(1988, 7, 15), 231)
    bad = nid[:-1] + ("0" if nid[-1] != "0" else "1")
    message = reason(bad)
    assert "checksum does not match" in message
    assert bad not in message and nid[:17] not in message


def test_rejects_transposed_digits() -> None:
    nid = make_test_national_id("310104", date(1988, 7, 15), 231)
    swapped = nid[:14] + nid[15] + nid[14] + nid[16:]
    assert "checksum" in reason(swapped)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "is required"),
        ("1101051949123100", "must be 18 characters, got 16"),
        ("11010519491231002X1", "must be 18 characters, got 19"),
        ("1101051949123A002X", "first 17 characters must be digits"),
        ("11010519491231002Y", "last character must be a digit or X"),
        ("01010519491231002X", "region code"),
    ],
)
def test_rejects_malformed_ids(raw: str, expected: str) -> None:
    assert expected in reason(raw)


def test_rejects_impossible_birth_date() -> None:
    first17 = "11010520230230123"
    assert reason(first17 + "0") == "birth date 2023-02-30 is not a date"


def test_rejects_future_and_pre_1900_birth_dates() -> None:
    assert "in the future" in reason(make_test_national_id(birth=date(2026, 6, 2)))
    assert "before 1900" in reason(make_test_national_id(birth=date(1899, 12, 31)))


def test_masks_all_but_first_and_last_four() -> None:
    assert mask_national_id(SAMPLE_X) == "1101**********002X"
    assert mask_national_id("11010519491231002x") == "1101**********002X"


def test_birth_date_and_age() -> None:
    nid = make_test_national_id(birth=date(1990, 6, 15))
    assert birth_date(nid) == date(1990, 6, 15)
    assert age_on(nid, date(2026, 6, 14)) == 35
    assert age_on(nid, date(2026, 6, 15)) == 36


def test_generator_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        make_test_national_id("31010", seq=1)
    with pytest.raises(ValueError):
        make_test_national_id(seq=1000)
