import pytest
from membership.domain.card import luhn_check_digit
from membership.domain.model import format_card_number, is_valid_card_number


def test_luhn_matches_the_textbook_example() -> None:
    assert luhn_check_digit("7992739871") == "3"


def test_formats_year_serial_and_check_digit() -> None:
    card = format_card_number(2026, 12345)
    assert card == "GH2026000123458"
    assert is_valid_card_number(card)
    assert is_valid_card_number(card.lower())


def test_detects_typos_and_transpositions() -> None:
    card = format_card_number(2026, 12345)
    assert not is_valid_card_number(card[:-1] + "0")
    assert not is_valid_card_number(card[:-3] + card[-2] + card[-3] + card[-1])
    assert not is_valid_card_number("GH20260001234")
    assert not is_valid_card_number("XX2026000123458")


def test_card_numbers_are_unique_per_serial() -> None:
    cards = {format_card_number(2026, s) for s in range(1, 5001)}
    assert len(cards) == 5000 and all(is_valid_card_number(c) for c in cards)


@pytest.mark.parametrize(("year", "serial"), [(26, 1), (2026, 0), (2026, 10**8)])
def test_rejects_out_of_range_parts(year: int, serial: int) -> None:
    with pytest.raises(ValueError):
        format_card_number(year, serial)
