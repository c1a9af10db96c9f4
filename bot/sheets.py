"""Cells of the spreadsheets staff open: typed text stays text, and never breaks the file.

WPS and Excel start a formula at = + - @; openpyxl refuses control characters (an older
database may hold some: they are stripped on the way in only since then).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bot.parsing import strip_controls

if TYPE_CHECKING:  # openpyxl is imported only when a spreadsheet is written
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A csv value; typed text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str):
        value = strip_controls(value)
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """Append one row of an xlsx sheet: text without control characters, never a formula."""
    sheet.append([strip_controls(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"  # typed text starting with "=": never a live formula
