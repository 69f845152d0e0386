"""The payment file finance imports: exact amounts, BOM, checksum line, and a verifier that
refuses any change to the file."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from assistance.domain.payment_file import BOM, HEADER, PaymentFileError, PaymentLine, render, verify

BATCH = uuid.UUID("018f0000-0000-7000-8000-000000000001")


def line(cents: int, name: str | None = "张三", card: str | None = "T-000001") -> PaymentLine:
    return PaymentLine(BATCH, uuid.uuid4(), card, name, cents, "xuhui", "xuhui-b001")


def test_renders_header_rows_amounts_with_two_decimals_and_a_checksum_line() -> None:
    lines = [line(150000), line(5), line(1234567)]
    content = render(lines)
    assert content.startswith(BOM)
    text = content[len(BOM) :].decode("utf-8")
    rows = text.split("\r\n")
    assert rows[0] == ",".join(HEADER)
    assert rows[1] == f"{BATCH},{lines[0].case_id},T-000001,张三,1500.00,xuhui,xuhui-b001"
    assert rows[2].split(",")[4] == "0.05"
    assert rows[3].split(",")[4] == "12345.67"
    body, trailer = content.rsplit(b"\r\n#", 1)
    digest = hashlib.sha256(body + b"\r\n").hexdigest()
    assert trailer == f"checksum,sha256={digest},rows=3,total=13845.72\r\n".encode()


def test_verify_gives_back_what_was_rendered() -> None:
    lines = [line(100), line(99_999_999_999), line(1, name=None, card=None)]
    verified = verify(render(lines))
    assert verified.lines == lines
    assert verified.total_cents == 100 + 99_999_999_999 + 1


def test_names_with_commas_and_quotes_survive() -> None:
    lines = [line(100, name='王"小", 二')]
    assert verify(render(lines)).lines == lines


def test_a_cell_excel_would_run_as_a_formula_is_neutralised() -> None:
    content = render([line(100, name="=HYPERLINK(1)", card="-12")])
    (read,) = verify(content).lines
    assert read.name == "'=HYPERLINK(1)" and read.card_number == "'-12"


def test_an_empty_batch_has_header_and_checksum_only() -> None:
    verified = verify(render([]))
    assert verified.lines == [] and verified.total_cents == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.replace(b"1500.00", b"1600.00"), "checksum does not match"),
        (lambda c: c[len(BOM) :], "byte-order mark"),
        (lambda c: c[: c.rindex(b"#checksum")], "no checksum line"),
        (lambda c: c + b"x\r\n", "malformed or is not the last line"),
        (lambda c: c.replace(b"rows=2", b"rows=3"), "says 3 rows"),
        (lambda c: c.replace(b"total=1500.05", b"total=1500.06"), "total of 1500.06"),
    ],
)
def test_verify_refuses_a_changed_file(change, message: str) -> None:  # type: ignore[no-untyped-def]
    content = render([line(150000), line(5)])
    with pytest.raises(PaymentFileError, match=message):
        verify(change(content))


def test_verify_refuses_an_amount_without_two_decimals_even_with_a_matching_checksum() -> None:
    content = render([line(150000)])
    body = content[: content.rindex(b"#checksum")].replace(b"1500.00", b"1500.0")
    forged = body + f"#checksum,sha256={hashlib.sha256(body).hexdigest()},rows=1,total=1500.00\r\n".encode()
    with pytest.raises(PaymentFileError, match="exactly 2 decimals"):
        verify(forged)
