"""Bulk-import CSV: what a branch officer exports from Excel or a payroll system. Every row
is validated on its own so one typo never blocks the other 9,999; the failed rows come back
as a CSV the officer can fix and upload again."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from unionfed_chassis.inputs import CONTROL_CHARACTERS, CONTROL_CHARACTERS_MESSAGE

from membership.domain.email import validate_email
from membership.domain.enums import EMPLOYMENT_TYPE_LABELS, EmploymentType
from membership.domain.errors import CsvFormatError, DomainError
from membership.domain.names import validate_employer, validate_name
from membership.domain.national_id import validate_national_id
from membership.domain.phone import validate_mobile

T = TypeVar("T")

__all__ = [
    "CsvFormatError",
    "ImportRow",
    "ParsedImport",
    "RowError",
    "failed_rows_csv",
    "parse_import",
    "parse_import_chunks",
    "raw_rows",
]

REQUIRED = ("name", "national_id", "phone", "employer", "employment_type")
OPTIONAL = ("joined_on", "email")
_ZH_HEADERS = {
    "姓名": "name",
    "身份证号": "national_id",
    "手机号": "phone",
    "工作单位": "employer",
    "用工类型": "employment_type",
    "入会日期": "joined_on",
    "电子邮箱": "email",
}
_HEADER_ZH = {v: k for k, v in _ZH_HEADERS.items()}
_EMPLOYMENT = {t.value: t for t in EmploymentType} | {v: k for k, v in EMPLOYMENT_TYPE_LABELS.items()}
_EMPLOYMENT |= {"新就业形态": EmploymentType.FLEXIBLE, "新就业形态劳动者": EmploymentType.FLEXIBLE}
# Excel re-saves dates as 2024/3/1, so both separators and unpadded parts are accepted.
_DATE = re.compile(r"([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})")
# Excel shows long digit strings as 1.10105E+17, silently losing the last digits.
_SCIENTIFIC = re.compile(r"[0-9.]+E\+?[0-9]+", re.IGNORECASE)


@dataclass(frozen=True)
class ImportRow:
    row_number: int
    name: str
    national_id: str = dataclasses.field(repr=False)  # kept out of reprs so it cannot leak into logs
    phone: str = dataclasses.field(repr=False)
    employer: str
    employment_type: EmploymentType
    joined_on: date | None
    email: str | None = dataclasses.field(default=None, repr=False)


@dataclass(frozen=True)
class RowError:
    row_number: int
    field: str
    reason: str
    raw: dict[str, str] = dataclasses.field(repr=False)  # original header -> cell, for the failed-rows file


@dataclass
class ParsedImport:
    rows: list[ImportRow]
    errors: list[RowError]


def parse_import(data: bytes, *, today: date | None = None) -> ParsedImport:
    """Validate every data row; raise CsvFormatError only when the file as a whole is unusable."""
    parsed = ParsedImport([], [])
    for chunk in parse_import_chunks(data, today=today):
        parsed.rows += chunk.rows
        parsed.errors += chunk.errors
    return parsed


def parse_import_chunks(
    data: bytes, *, lines_per_chunk: int = 1000, today: date | None = None
) -> Iterator[ParsedImport]:
    """`parse_import` in pieces of `lines_per_chunk` data lines (the last one possibly empty),
    so a caller can write one piece while the next is validated. The first `next()` checks the
    header (CsvFormatError); duplicates are found across pieces."""
    today = today or date.today()
    reader = csv.reader(io.StringIO(_decode(data)))
    header = next(reader, None)
    if header is None:
        raise CsvFormatError("the file is empty")
    columns = _map_header(header)
    first_seen: dict[str, int] = {}
    chunk = ParsedImport([], [])
    for number, cells in enumerate(reader, start=1):
        if cells and any(c.strip() for c in cells):  # blank lines and Excel's ",,,," rows; numbered
            cells += [""] * (len(header) - len(cells))
            values = {key: cells[i].strip() for key, i in columns.items()}
            check = _RowCheck(number, values, header, cells)
            row = _validate_row(check, first_seen, today)
            if row is not None:
                chunk.rows.append(row)
            chunk.errors.extend(check.errors)
        if number % lines_per_chunk == 0:
            yield chunk
            chunk = ParsedImport([], [])
    yield chunk


def raw_rows(data: bytes, numbers: set[int]) -> dict[int, dict[str, str]]:
    """Original cells (header -> cell) of the given data rows, numbered as `parse_import` does;
    for rows refused after parsing (e.g. already members), so they can go in the failed-rows file."""
    reader = csv.reader(io.StringIO(_decode(data)))
    header = next(reader, None) or []
    found: dict[int, dict[str, str]] = {}
    for number, cells in enumerate(reader, start=1):
        if number in numbers:
            found[number] = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=False))
    return found


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:  # Chinese-locale Excel saves "CSV" in GB18030/GBK
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise CsvFormatError("the file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8") from None


def _map_header(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, title in enumerate(header):
        key = title.strip().strip("*").strip()
        key = _ZH_HEADERS.get(key, key.lower())
        if key in REQUIRED + OPTIONAL and key not in columns:
            columns[key] = i  # unknown columns (e.g. reason/field from a failed-rows file) are ignored
    missing = [f"{k} ({_HEADER_ZH[k]})" for k in REQUIRED if k not in columns]
    if missing:
        raise CsvFormatError(f"missing column(s): {', '.join(missing)}")
    return columns


class _RowCheck:
    """Runs each validator on one row and collects every failure, so the officer can fix
    all of a row's mistakes in one pass."""

    def __init__(self, number: int, values: dict[str, str], header: list[str], cells: list[str]) -> None:
        self.number, self.values, self.header, self.cells = number, values, header, cells
        self.errors: list[RowError] = []

    def __call__(self, key: str, validate: Callable[[str], T], fallback: T) -> T:
        value = self.values.get(key, "")
        if CONTROL_CHARACTERS.search(value):  # before any reason could quote it
            self.fail(key, CONTROL_CHARACTERS_MESSAGE)
            return fallback
        try:
            return validate(value)
        except DomainError as exc:
            self.fail(key, exc.reason)
            return fallback

    def fail(self, key: str, reason: str) -> None:
        # The original cells only for failed rows (the failed-rows file), not for every row.
        raw = self.errors[0].raw if self.errors else dict(zip(self.header, self.cells, strict=False))
        self.errors.append(RowError(self.number, key, reason, raw))


def _validate_row(check: _RowCheck, first_seen: dict[str, int], today: date) -> ImportRow | None:
    name = check("name", validate_name, "")
    nid = check("national_id", lambda v: _national_id(v, today), "")
    if nid in first_seen:
        check.fail("national_id", f"duplicate of row {first_seen[nid]}")
    elif nid:
        first_seen[nid] = check.number
    phone = check("phone", validate_mobile, "")
    employer = check("employer", validate_employer, "")
    employment = check("employment_type", _employment_type, EmploymentType.OTHER)
    joined = check("joined_on", lambda v: _joined_on(v, today), None)
    email = check("email", _optional_email, None)
    if check.errors:
        return None
    return ImportRow(check.number, name, nid, phone, employer, employment, joined, email)


def _optional_email(value: str) -> str | None:
    return validate_email(value) if value.strip() else None


def _national_id(value: str, today: date) -> str:
    if _SCIENTIFIC.fullmatch(value):
        raise DomainError("Excel turned the ID into a number; format the column as text and retype it")
    return validate_national_id(value, today=today)


def _employment_type(value: str) -> EmploymentType:
    found = _EMPLOYMENT.get(value) or _EMPLOYMENT.get(value.lower())
    if found is None:
        if not value:
            raise DomainError("is required")
        choices = "、".join(EMPLOYMENT_TYPE_LABELS.values())
        raise DomainError(f"unknown employment type {value!r}; use one of {choices}")
    return found


def _joined_on(value: str, today: date) -> date | None:
    if not value:
        return None
    m = _DATE.fullmatch(value)
    try:
        joined = date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        joined = None
    if joined is None:
        raise DomainError(f"{value!r} is not a date in the form YYYY-MM-DD")
    if joined > today:
        raise DomainError(f"joining date {joined} is in the future")
    return joined


def failed_rows_csv(errors: Iterable[RowError]) -> bytes:
    """The failed rows with their original cells plus `field` and `reason`, one line per row."""
    by_row: dict[int, list[RowError]] = {}
    for err in errors:
        by_row.setdefault(err.row_number, []).append(err)
    header: list[str] = []
    for errs in by_row.values():
        header += [h for h in errs[0].raw if h not in header and h not in ("field", "reason")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*header, "field", "reason"])
    for errs in by_row.values():
        cells = [_excel_safe(errs[0].raw.get(h, "")) for h in header]
        writer.writerow([*cells, ", ".join(e.field for e in errs), "; ".join(e.reason for e in errs)])
    # The BOM is what makes Excel read the file as UTF-8 instead of the local code page.
    return out.getvalue().encode("utf-8-sig")


def _excel_safe(value: str) -> str:
    # A leading tab keeps Excel from running formulas (=, +, -, @) and from rounding an 18-digit
    # ID to 1.10105E+17; the parser strips it again on re-upload.
    long_number = len(value) > 11 and value[:-1].isdigit()
    return "\t" + value if value[:1] in ("=", "+", "-", "@") or long_number else value
