"""Spreadsheets for WPS and Excel: xlsx with real date cells, or csv with a BOM.

Every export the CLI writes goes through ``Sheet``: headers in bold and frozen, set column
widths, times as date cells in local time, and typed text that would start a formula (WPS
and Excel start one at = + - @) kept as text. Rows are streamed into the file (openpyxl's
write-only mode, csv row by row), so ten years of reports export in flat memory. Control
characters (an older database may hold some; they are stripped on the way in only since then)
are stripped from every cell, so openpyxl never refuses one.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Protocol, TextIO
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


class SheetWriter(Protocol):
    """Rows going into a spreadsheet as they come: ``Sheet.writer`` hands one out."""

    def extend(self, rows: Iterable[Sequence[Any]]) -> None: ...


@dataclass
class Sheet:
    """A spreadsheet: ``rows`` for one written whole (``csv()``, ``xlsx()``), or none and
    ``writer()`` to stream rows into a file a chunk at a time — the same layout either way."""

    title: str
    headers: list[str]
    widths: list[int]  # in characters, one per column
    rows: list[list[Any]] = field(default_factory=list)

    def csv(self) -> bytes:
        buffer = io.BytesIO()
        with self.writer("csv", buffer) as out:
            out.extend(self.rows)
        return buffer.getvalue()

    def xlsx(self) -> bytes:
        buffer = io.BytesIO()
        with self.writer("xlsx", buffer) as out:
            out.extend(self.rows)
        return buffer.getvalue()

    @contextmanager
    def writer(self, fmt: str, target: BinaryIO) -> Iterator[SheetWriter]:
        """Streams rows into ``target``: csv row by row, xlsx through openpyxl's write-only
        mode; either way memory stays flat however many rows there are."""
        if fmt == "csv":
            with _csv_writer(self, target) as csv_out:
                yield csv_out
        else:
            with _xlsx_writer(self, target) as xlsx_out:
                yield xlsx_out


class _CsvRows:
    def __init__(self, text: TextIO) -> None:
        self._writer = csv.writer(text)

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        self._writer.writerows([_csv_value(v) for v in row] for row in rows)


@contextmanager
def _csv_writer(sheet: Sheet, target: BinaryIO) -> Iterator[_CsvRows]:
    # UTF-8 with a BOM: how Excel and WPS recognise a UTF-8 csv.
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=False)
    try:
        rows = _CsvRows(text)
        rows.extend([sheet.headers])
        yield rows
        text.flush()
    finally:
        text.detach()  # the caller's file stays open


class _XlsxRows:
    def __init__(self, ws: Any) -> None:
        from openpyxl.cell import WriteOnlyCell

        self._ws = ws
        self._cell = WriteOnlyCell
        # One styled date cell per column, reused row after row: openpyxl writes each row
        # before the next is appended, and styling a new cell for every date costs more.
        self._dates: dict[int, Any] = {}
        self.count = 0

    def _date(self, column: int, value: datetime) -> Any:
        cell = self._dates.get(column)
        if cell is None:
            cell = self._dates[column] = self._cell(self._ws)
            cell.number_format = DATE_FORMAT
        cell.value = value
        return cell

    def _text(self, value: str) -> Any:
        cell = self._cell(self._ws, value)
        cell.data_type = "s"  # typed text starting with "=": never a live formula
        return cell

    def _value(self, column: int, value: Any) -> Any:
        if isinstance(value, datetime):
            return self._date(column, value)
        if isinstance(value, str):
            value = strip_controls(value)
            if value.startswith("=") and len(value) > 1:
                return self._text(value)
        return value

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        append = self._ws.append
        for row in rows:
            append([self._value(n, v) for n, v in enumerate(row)])
            self.count += 1


@contextmanager
def _xlsx_writer(sheet: Sheet, target: BinaryIO) -> Iterator[_XlsxRows]:
    from openpyxl import Workbook  # only when a workbook is written
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    ws = book.create_sheet(_SHEET_NAME_BAD.sub(" ", sheet.title)[:31] or "Sheet1")
    # Write-only: widths and the frozen header are set before the first row is written.
    for index, width in enumerate(sheet.widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    header = []
    for title in sheet.headers:
        cell = WriteOnlyCell(ws, title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        header.append(cell)
    ws.append(header)
    rows = _XlsxRows(ws)
    yield rows
    last = get_column_letter(max(1, len(sheet.headers)))
    ws.auto_filter.ref = f"A1:{last}{rows.count + 1}"
    book.save(target)
