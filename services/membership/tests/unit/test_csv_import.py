import csv
import io
from datetime import date

import pytest
from membership.domain.csv_import import CsvFormatError, failed_rows_csv, parse_import, parse_import_chunks
from membership.domain.enums import EmploymentType
from membership.domain.national_id import make_test_national_id

TODAY = date(2026, 6, 1)
NID1 = make_test_national_id("310104", date(1985, 4, 2), 11)
NID2 = make_test_national_id("341221", date(1992, 11, 30), 24)
NID3 = make_test_national_id("310115", date(2001, 1, 9), 37)


def to_csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


HEADER = ["name", "national_id", "phone", "employer", "employment_type", "joined_on"]
ZH_HEADER = ["姓名", "身份证号", "手机号", "工作单位", "用工类型", "入会日期"]


def test_parses_good_rows_into_normalised_values() -> None:
    data = to_csv(
        [
            HEADER,
            ["张伟", NID1.lower(), "+86 138-1234-5678", " 上海恒通物流有限公司 ", "migrant", "2024-03-01"],
            ["李娜", NID2, "13900001111", "上海恒通物流有限公司", "regular", ""],
        ]
    )
    parsed = parse_import(data, today=TODAY)
    assert parsed.errors == []
    first, second = parsed.rows
    assert (first.row_number, first.name, first.national_id, first.phone) == (1, "张伟", NID1, "13812345678")
    assert (first.employer, first.employment_type, first.joined_on) == (
        "上海恒通物流有限公司",
        EmploymentType.MIGRANT,
        date(2024, 3, 1),
    )
    assert second.joined_on is None
    assert NID1 not in repr(first) and "13812345678" not in repr(first)


def test_accepts_chinese_headers_and_labels_with_bom() -> None:
    rows = [
        ZH_HEADER,
        ["王芳", NID1, "13800000000", "某某外卖站", "新就业形态", "2024/3/1"],
        ["赵强", NID2, "13800000001", "上海恒通", "劳务派遣", ""],
    ]
    parsed = parse_import(b"\xef\xbb\xbf" + to_csv(rows), today=TODAY)
    assert parsed.errors == []
    assert [r.employment_type for r in parsed.rows] == [EmploymentType.FLEXIBLE, EmploymentType.DISPATCHED]
    assert parsed.rows[0].joined_on == date(2024, 3, 1)


def test_falls_back_to_gb18030() -> None:
    rows = [ZH_HEADER, ["欧阳娜娜", NID1, "13800000000", "上海申达精密机械有限公司", "农民工", ""]]
    parsed = parse_import(to_csv(rows, "gb18030"), today=TODAY)
    assert parsed.errors == []
    assert parsed.rows[0].name == "欧阳娜娜" and parsed.rows[0].employer == "上海申达精密机械有限公司"


def test_reports_every_bad_field_of_a_row_and_keeps_good_rows() -> None:
    bad_nid = NID2[:-1] + ("0" if NID2[-1] != "0" else "1")
    rows = [
        HEADER,
        ["张伟", NID1, "13800000000", "甲公司", "regular", ""],
        ["李", bad_nid, "12345", "", "boss", "2030-01-01"],
        ["赵强", "1.10105E+17", "13800000002", "乙公司", "其他", "2024-02-30"],
    ]
    parsed = parse_import(to_csv(rows), today=TODAY)
    assert [r.row_number for r in parsed.rows] == [1]
    found = {(e.row_number, e.field) for e in parsed.errors}
    assert found == {
        (2, "name"),
        (2, "national_id"),
        (2, "phone"),
        (2, "employer"),
        (2, "employment_type"),
        (2, "joined_on"),
        (3, "national_id"),
        (3, "joined_on"),
    }
    reasons = {(e.row_number, e.field): e.reason for e in parsed.errors}
    assert reasons[2, "national_id"].startswith("checksum does not match")
    assert "Excel" in reasons[3, "national_id"]
    assert "future" in reasons[2, "joined_on"]
    assert all(bad_nid not in e.reason and bad_nid not in repr(e) for e in parsed.errors)


def test_second_occurrence_of_an_id_is_a_duplicate() -> None:
    rows = [
        HEADER,
        ["张伟", NID1, "13800000000", "甲公司", "regular", ""],
        [],
        ["张伟", f" {NID1} ", "13800000001", "甲公司", "regular", ""],
    ]
    parsed = parse_import(to_csv(rows), today=TODAY)
    assert [r.row_number for r in parsed.rows] == [1]
    [err] = parsed.errors
    assert (err.row_number, err.field, err.reason) == (3, "national_id", "duplicate of row 1")


def test_missing_required_columns_fail_the_whole_file() -> None:
    with pytest.raises(CsvFormatError, match=r"national_id \(身份证号\), employment_type \(用工类型\)"):
        parse_import(to_csv([["name", "phone", "employer"]]), today=TODAY)
    with pytest.raises(CsvFormatError, match="empty"):
        parse_import(b"", today=TODAY)


def test_failed_rows_round_trip_after_fixing() -> None:
    rows = [
        [*ZH_HEADER, "备注"],
        ["张伟", NID1, "13800000000", "甲公司", "正式职工", "", "ok"],
        ["李娜", NID2, "1390000", "=cmd()", "农民工", "", "phone typo"],
        ["赵强", NID3, "13700000000", "乙公司", "外包", "2024-01-01", "bad type"],
    ]
    parsed = parse_import(to_csv(rows), today=TODAY)
    report = failed_rows_csv(parsed.errors)
    assert report.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(report.decode("utf-8-sig"))))
    assert table[0] == [*ZH_HEADER, "备注", "field", "reason"]
    assert [r[-2] for r in table[1:]] == ["phone", "employment_type"]
    assert table[1][1] == "\t" + NID2 and table[1][3] == "\t=cmd()"  # Excel-proofed cells

    table[1][2], table[2][4] = "13900000000", "劳务派遣"  # the officer fixes the two rows
    fixed = parse_import(to_csv(table), today=TODAY)
    assert fixed.errors == []
    assert [(r.name, r.national_id, r.employer) for r in fixed.rows] == [
        ("李娜", NID2, "=cmd()"),
        ("赵强", NID3, "乙公司"),
    ]


def test_a_report_of_a_report_does_not_repeat_reason_columns() -> None:
    rows = [[*HEADER, "field", "reason"], ["张伟", NID1, "1", "甲公司", "regular", "", "x", "y"]]
    report = failed_rows_csv(parse_import(to_csv(rows), today=TODAY).errors)
    assert report.decode("utf-8-sig").splitlines()[0] == ",".join([*HEADER, "field", "reason"])


def distinct_id(i: int) -> str:
    return make_test_national_id("310104", date(1970 + i % 30, 1 + i % 12, 1 + i % 28), i % 1000)


def test_pieces_cover_every_line_and_find_duplicates_across_pieces() -> None:
    people = [
        [f"职工{chr(0x4E00 + i % 500)}", distinct_id(i), f"138{i:08d}", "上海恒通物流有限公司", "migrant", ""]
        for i in range(2_500)
    ]
    people[2_100][1] = people[3][1]  # line 2,101 (third piece) repeats line 4 (first piece)
    people[1_500] = ["", "", "", "", "", ""]  # a blank line still counts
    data = to_csv([HEADER, *people])

    pieces = list(parse_import_chunks(data, lines_per_chunk=1_000, today=TODAY))

    assert [len(p.rows) for p in pieces] == [1_000, 999, 499]
    assert [(e.row_number, e.field) for p in pieces for e in p.errors] == [(2_101, "national_id")]
    assert "duplicate of row 4" in pieces[2].errors[0].reason
    whole = parse_import(data, today=TODAY)
    assert [r for p in pieces for r in p.rows] == whole.rows
    assert [e for p in pieces for e in p.errors] == whole.errors


def test_pieces_check_the_header_before_the_first_piece() -> None:
    pieces = parse_import_chunks(to_csv([["name", "phone"], ["张伟", "13800000000"]]), today=TODAY)
    with pytest.raises(CsvFormatError, match="missing column"):
        next(pieces)
    assert [p.rows for p in parse_import_chunks(to_csv([HEADER]), today=TODAY)] == [[]]


def test_raw_rows_returns_original_cells_numbered_like_the_parser() -> None:
    from membership.domain.csv_import import raw_rows

    data = to_csv(
        [HEADER, ["张伟", NID1, "138", "x", "regular", ""], [], ["李娜", NID2, "139", "y", "migrant", ""]]
    )
    parsed = parse_import(data, today=TODAY)
    numbers = {e.row_number for e in parsed.errors}
    assert numbers == {1, 3}
    rows = raw_rows(data, numbers)
    assert rows[3]["name"] == "李娜" and rows[1]["national_id"] == NID1
