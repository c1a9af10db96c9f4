"""Reading a building's households: csv with or without a BOM, xlsx, and clear refusals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.i18n import text
from bot.polls.households import PollError, read_households


def test_a_csv_from_wps_with_a_bom_decimal_areas_and_optional_owners(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("室号,专有部分面积（m²）,业主姓名\n101室,60.25,张三\n102,58,\n", "utf-8-sig")
    found = read_households(path)
    assert [(h.room, h.area, h.owner) for h in found] == [
        ("101", Decimal("60.25"), "张三"),
        ("102", Decimal(58), None),
    ]


def test_an_xlsx_with_numbers_as_cells(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["室号", "专有部分面积"])
    sheet.append([101, 60.5])
    sheet.append([201, 75])
    book.save(tmp_path / "h.xlsx")
    found = read_households(tmp_path / "h.xlsx")
    assert [(h.room, h.area) for h in found] == [("101", Decimal("60.5")), ("201", Decimal(75))]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("室号,面积\n101,60\n", "第一行需要表头：室号、专有部分面积"),
        ("室号,专有部分面积\n101,60\n101,70\n", "第 3 行的室号 101 重复了"),
        ("室号,专有部分面积\n101,0\n", "第 2 行的专有部分面积「0」不是正数"),
        ("室号,专有部分面积\n,60\n", "第 2 行缺少室号"),
        ("室号,专有部分面积\n", "没有住户"),
    ],
)
def test_a_bad_file_is_refused_naming_the_row(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "h.csv"
    path.write_text(content, "utf-8")
    with pytest.raises(PollError) as refused:
        read_households(path)
    assert message in text("zh", refused.value.key, **refused.value.params)
