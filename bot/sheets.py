"""Spreadsheets for WPS and Excel: xlsx with real date cells, or csv with a BOM.

Every export the CLI writes goes through ``Sheet``: headers in bold and frozen, set column
widths, times as date cells in local time, and typed text that would start a formula (WPS
and Excel start one at = + - @) kept as text. Control characters (an older database
may hold some; they are stripped on the way in only since then) are stripped from every cell, so
openpyxl never refuses one.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.parsing import strip_controls

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd hh:mm"
CSV_DATE_FORMAT = "%Y-%m-%d %H:%M"
# xlsx sheet names: at most 31 characters, none of []:*?/\
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def csv_cell(value: object) -> object:
    """A csv value; typed text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str):
        value = strip_controls(value)
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


def _csv_value(value: object) -> object:
    return value.strftime(CSV_DATE_FORMAT) if isinstance(value, datetime) else csv_cell(value)


def naive_local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    """A time in the configured zone without its zone: spreadsheets have none."""
    return None if moment is None else moment.astimezone(tz).replace(tzinfo=None)


@dataclass
class Sheet:
    title: str
    headers: list[str]
    widths: list[int]  # in characters, one per column
    rows: list[list[Any]]

    def csv(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(self.headers)
        for row in self.rows:
            writer.writerow([_csv_value(v) for v in row])
        # UTF-8 with a BOM: how Excel and WPS recognise a UTF-8 csv.
        return buffer.getvalue().encode("utf-8-sig")

    def xlsx(self) -> bytes:
        from openpyxl import Workbook  # only when a workbook is written
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter

        book = Workbook()
        ws = book.active
        assert ws is not None
        ws.title = _SHEET_NAME_BAD.sub(" ", self.title)[:31] or "Sheet1"
        ws.append([_cell(v) for v in self.headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        for row in self.rows:
            ws.append([_cell(v) for v in row])
        for column in ws.iter_cols(min_row=2):
            for cell in column:
                if isinstance(cell.value, datetime):
                    cell.number_format = DATE_FORMAT
                elif cell.data_type == "f":
                    cell.data_type = "s"  # typed text starting with "=": never a live formula
        for index, width in enumerate(self.widths, 1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


def _cell(value: object) -> object:
    return strip_controls(value) if isinstance(value, str) else value
