"""The spreadsheets every export writes: what Excel, WPS and openpyxl read back from an xlsx."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

from openpyxl import load_workbook

from bot.sheets import Sheet

HEADERS = ["编号", "上报时间", "数量", "说明", "日期", "紧急"]
WIDTHS = [14, 18, 6, 40, 12, 6]


def read(data: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(data)).active


def test_xlsx_has_bold_frozen_headers_widths_a_filter_and_real_date_cells() -> None:
    sheet = Sheet(
        "隐患报告",
        HEADERS,
        WIDTHS,
        [
            [
                "YH-001",
                datetime(2026, 12, 2, 8, 30),
                3,
                "楼道堆物",
                date(2026, 1, 2),
                True,
            ],
            ["YH-002", datetime(2026, 12, 2, 17, 5), 2.5, None, None, False],
        ],
    )
    ws = read(sheet.xlsx())
    assert ws.title == "隐患报告"
    assert [c.value for c in ws[1]] == HEADERS
    assert all(c.font.b and c.alignment.horizontal == "center" for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F3"
    assert [ws.column_dimensions[c].width for c in "ABCDEF"] == WIDTHS
    assert [c.value for c in ws[2]] == [
        "YH-001", datetime(2026, 12, 2, 8, 30), 3, "楼道堆物",
        datetime(2026, 1, 2), True,
    ]  # fmt: skip
    assert ws["B2"].is_date and ws["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["E2"].is_date and ws["E2"].number_format == "yyyy-mm-dd"
    assert [c.value for c in ws[3]] == [
        "YH-002",
        datetime(2026, 12, 2, 17, 5),
        2.5,
        None,
        None,
        False,
    ]


def test_xlsx_keeps_long_text_xml_special_characters_and_line_breaks_as_written() -> None:
    long = "电" * 50_000
    special = "<b>楼道</b> & \"堆物\" 'x' ]]> \n第二行\t制表"
    ws = read(Sheet("t", ["a", "b"], [10, 10], [[long, special], ["  两端空格  ", "="]]).xlsx())
    assert ws["A2"].value == long
    assert ws["B2"].value == special
    assert ws["A3"].value == "  两端空格  " and ws["B3"].value == "="


def test_xlsx_strips_control_characters_and_never_writes_a_formula() -> None:
    rows = [['=HYPERLINK("http://x")', "+1", "a\x00b\x07c\x1b[31m红\x1b[0m\ud800\uffff", "-2"]]
    data = Sheet("公式?[表]", ["a", "b", "c", "d"], [8] * 4, rows).xlsx()
    ws = read(data)
    assert ws.title == "公式  表 "
    assert [c.value for c in ws[2]] == ['=HYPERLINK("http://x")', "+1", "abc红", "-2"]
    assert all(c.data_type == "s" for c in ws[2])
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet_xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_xlsx_streamed_in_chunks_is_the_same_sheet_as_written_whole(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [[f"YH-{n}", datetime(2026, 1, 1 + n % 28), n] for n in range(2500)]
    sheet = Sheet("s", ["编号", "时间", "n"], [10, 18, 6])
    path = tmp_path / "out.xlsx"
    with path.open("wb") as file, sheet.writer("xlsx", file) as out:
        for start in range(0, len(rows), 1000):
            out.extend(rows[start : start + 1000])
    ws = read(path.read_bytes())
    assert [[c for c in r] for r in ws.iter_rows(min_row=2, values_only=True)] == [
        [r[0], r[1], r[2]] for r in rows
    ]
    assert ws.auto_filter.ref == "A1:C2501"
