"""The payment file finance imports: one CSV per batch, rendered and verified here, no I/O.

Layout: UTF-8 with a byte-order mark (Excel then opens the Chinese names correctly), CRLF line
ends (RFC 4180), a header row, one row per payment, and a last line
`#checksum,sha256=<hex>,rows=<n>,total=<yuan>` where the hash covers every byte before that line
(BOM included). A truncated, edited or re-encoded file fails `verify`. Amounts are yuan with
exactly 2 decimals, from integer cents: never a float.

A name or card number starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`: Excel would
otherwise run it as a formula (CSV injection). Such a cell reads back with its apostrophe.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from assistance.domain.money import format_yuan

BOM = "\ufeff".encode()
HEADER = ("batch_id", "case_id", "card_number", "name", "amount_yuan", "district", "branch_id")
CHECKSUM_PREFIX = b"#checksum,"
_NEWLINE = "\r\n"
_TRAILER = re.compile(r"#checksum,sha256=([0-9a-f]{64}),rows=([0-9]+),total=([0-9]+\.[0-9]{2})\r\n")
_AMOUNT = re.compile(r"[0-9]+\.[0-9]{2}")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class PaymentFileError(ValueError):
    """The file is not a payment file as rendered here: what is wrong, for finance's tooling."""


@dataclass(frozen=True)
class PaymentLine:
    batch_id: UUID
    case_id: UUID
    card_number: str | None
    name: str | None
    amount_cents: int
    district: str
    branch_id: str


@dataclass(frozen=True)
class VerifiedFile:
    lines: list[PaymentLine]
    total_cents: int


def _text_cell(value: str | None) -> str:
    if not value:
        return ""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def render(lines: Iterable[PaymentLine]) -> bytes:
    """The file for these payments, in the given order, with its checksum line."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=_NEWLINE)
    writer.writerow(HEADER)
    count = total = 0
    for line in lines:
        writer.writerow(
            (
                str(line.batch_id),
                str(line.case_id),
                _text_cell(line.card_number),
                _text_cell(line.name),
                format_yuan(line.amount_cents),
                line.district,
                line.branch_id,
            )
        )
        count += 1
        total += line.amount_cents
    body = BOM + out.getvalue().encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()
    trailer = f"#checksum,sha256={digest},rows={count},total={format_yuan(total)}{_NEWLINE}"
    return body + trailer.encode("ascii")


def verify(content: bytes) -> VerifiedFile:
    """The payments of a file after checking its checksum, row count and total; else
    PaymentFileError saying what does not match."""
    if not content.startswith(BOM):
        raise PaymentFileError("the file does not start with the UTF-8 byte-order mark")
    head, found, tail = content.rpartition(b"\r\n" + CHECKSUM_PREFIX)
    if not found:
        raise PaymentFileError("the file has no checksum line")
    body = head + b"\r\n"
    match = _TRAILER.fullmatch((CHECKSUM_PREFIX + tail).decode("ascii", errors="replace"))
    if match is None:
        raise PaymentFileError("the checksum line is malformed or is not the last line")
    digest, rows, total = match.groups()
    if hashlib.sha256(body).hexdigest() != digest:
        raise PaymentFileError("the checksum does not match the file's content")
    lines = _parse(body)
    if len(lines) != int(rows):
        raise PaymentFileError(f"the checksum line says {rows} rows, the file has {len(lines)}")
    total_cents = sum(line.amount_cents for line in lines)
    if format_yuan(total_cents) != total:
        raise PaymentFileError(
            f"the checksum line says a total of {total}, the rows sum to {format_yuan(total_cents)}"
        )
    return VerifiedFile(lines, total_cents)


def _parse(body: bytes) -> list[PaymentLine]:
    try:
        text = body[len(BOM) :].decode("utf-8")
    except UnicodeDecodeError:
        raise PaymentFileError("the file is not valid UTF-8") from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or tuple(rows[0]) != HEADER:
        raise PaymentFileError(f"the header row is not {','.join(HEADER)}")
    return [_line(number, row) for number, row in enumerate(rows[1:], start=2)]


def _line(number: int, row: list[str]) -> PaymentLine:
    if len(row) != len(HEADER):
        raise PaymentFileError(f"line {number} has {len(row)} cells, not {len(HEADER)}")
    batch_id, case_id, card_number, name, amount, district, branch_id = row
    if not _AMOUNT.fullmatch(amount):
        raise PaymentFileError(f"line {number}: the amount is not yuan with exactly 2 decimals")
    try:
        ids = UUID(batch_id), UUID(case_id)
    except ValueError:
        raise PaymentFileError(f"line {number}: batch_id or case_id is not a UUID") from None
    whole, cents = amount.split(".")
    return PaymentLine(
        ids[0], ids[1], card_number or None, name or None, int(whole) * 100 + int(cents), district, branch_id
    )
