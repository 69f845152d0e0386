import pytest
from membership.domain.errors import InvalidName, InvalidPhone
from membership.domain.model import validate_name
from membership.domain.phone import mask_phone, validate_mobile


@pytest.mark.parametrize(
    "raw", ["13812345678", "+86 138 1234 5678", "86-138-1234-5678", "0086 13812345678", "(138)1234-5678"]
)
def test_accepts_common_spellings(raw: str) -> None:
    assert validate_mobile(raw) == "13812345678"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "is required"),
        ("1381234567", "11-digit"),
        ("12812345678", "starts with 13-19"),
        ("021-12345678", "starts with 13-19"),
        ("1381234567a", "only digits"),
    ],
)
def test_rejects_bad_numbers_naming_the_field(raw: str, expected: str) -> None:
    with pytest.raises(InvalidPhone) as exc:
        validate_mobile(raw)
    assert exc.value.field == "phone"
    assert expected in exc.value.reason


def test_masks_the_middle_four_digits() -> None:
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张伟", "张伟"),
        ("  欧阳 娜娜 ", "欧阳 娜娜"),
        ("阿卜杜·热合曼", "阿卜杜·热合曼"),
        ("阿卜杜・热合曼", "阿卜杜·热合曼"),  # katakana middle dot from a Japanese IME
        ("阿卜杜 · 热合曼", "阿卜杜·热合曼"),
        ("Li Wei", "Li Wei"),
        ("𠮷田", "𠮷田"),  # a rare character outside the basic CJK block
    ],
)
def test_accepts_names(raw: str, expected: str) -> None:
    assert validate_name(raw) == expected


@pytest.mark.parametrize("raw", ["张", "张" * 41, "张3", "·张伟", "张伟·", "=HYPERLINK()", "张伟!"])
def test_rejects_names(raw: str) -> None:
    with pytest.raises(InvalidName) as exc:
        validate_name(raw)
    assert exc.value.field == "name"
