"""Spreadsheets for WPS and Excel: xlsx with real date cells, or csv with a BOM.

Every export the CLI writes goes through ``Sheet``: headers in bold and frozen, set column
widths, times as date cells in local time, and typed text that would start a formula (WPS
and Excel start one at = + - @) kept as text. Rows are streamed into the file (the xlsx's
sheet XML written here a chunk at a time, csv row by row), so ten years of reports export in
flat memory and an xlsx takes about as long as a csv. Control characters (an older database
may hold some; they are stripped on the way in only since then) are stripped from every cell:
XML cannot carry them.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import IO, Any, BinaryIO, Protocol, TextIO
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
        """Streams rows into ``target``: csv row by row, xlsx a chunk at a time into the
        sheet's XML inside the zip; either way memory stays flat however many rows there are."""
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


# --- xlsx: the SpreadsheetML parts written by hand ---------------------------------------------
# openpyxl's write-only mode builds an element per cell and costs ~13 µs a cell; a row here is
# one joined string. The parts are the few Excel and WPS need: one sheet of inline strings,
# three styles (bold centred header, date and time, date), widths, the frozen header, a filter.

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_OOXML = "application/vnd.openxmlformats-"
_SHEETML = f"{_OOXML}officedocument.spreadsheetml"
_CONTENT_TYPES = (
    _XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    f'<Default Extension="rels" ContentType="{_OOXML}package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SHEETML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_SHEETML}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_SHEETML}.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _XML_HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_DOC}" Target="xl/workbook.xml"/></Relationships>'
)
_BOOK_RELS = (
    _XML_HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
)
# Cell styles: 0 plain, 1 the header (bold, centred), 2 date and time, 3 date.
_HEADER, _DATETIME, _DATE = 1, 2, 3
_STYLES = (
    _XML_HEAD + f'<styleSheet xmlns="{_MAIN}">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"'
    ' applyAlignment="1"><alignment horizontal="center"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_EXCEL_EPOCH = datetime(1899, 12, 30)
_DAY = timedelta(days=1)
# Not allowed in XML at all (strip_controls takes the control characters).
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _column(index: int) -> str:
    """A, B, … Z, AA …: the column's letters (``index`` from 0)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xml_text(value: str) -> str:
    if not value.isprintable():  # a line break, a tab, or something to strip
        value = _NOT_XML.sub("", strip_controls(value))
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _XlsxRows:
    """Rows written into the sheet's XML as they come; ``count`` of them so far."""

    def __init__(self, out: IO[bytes], columns: int) -> None:
        self._out = out
        self._refs: list[str] = [_column(n) for n in range(columns)]
        self.count = 0

    def _ref(self, column: int) -> str:
        while column >= len(self._refs):
            self._refs.append(_column(len(self._refs)))
        return self._refs[column]

    def extend(self, rows: Iterable[Sequence[Any]], style: int = 0) -> None:
        parts: list[str] = []
        add = parts.append
        plain = f' s="{style}"' if style else ""
        for row in rows:
            self.count += 1
            number = str(self.count)
            add(f'<row r="{number}">')
            for column, value in enumerate(row):
                if value is None:
                    continue
                ref = self._ref(column) + number
                kind = type(value)
                if kind is str:
                    if value:
                        add(f'<c r="{ref}"{plain} t="inlineStr"><is><t xml:space="preserve">')
                        add(_xml_text(value))
                        add("</t></is></c>")
                elif kind is bool:
                    add(f'<c r="{ref}"{plain} t="b"><v>{int(value)}</v></c>')
                elif kind is int or kind is float:
                    add(f'<c r="{ref}"{plain}><v>{value!r}</v></c>')
                elif isinstance(value, datetime):
                    serial = (value.replace(tzinfo=None) - _EXCEL_EPOCH) / _DAY
                    add(f'<c r="{ref}" s="{_DATETIME}"><v>{serial!r}</v></c>')
                elif isinstance(value, date):
                    serial = (datetime.combine(value, time()) - _EXCEL_EPOCH) / _DAY
                    add(f'<c r="{ref}" s="{_DATE}"><v>{serial!r}</v></c>')
                elif isinstance(value, int | float):  # an IntEnum, a numpy number …
                    add(f'<c r="{ref}"{plain}><v>{float(value)!r}</v></c>')
                else:
                    text = _xml_text(str(value))
                    add(f'<c r="{ref}"{plain} t="inlineStr"><is><t xml:space="preserve">')
                    add(text)
                    add("</t></is></c>")
            add("</row>")
        self._out.write("".join(parts).encode("utf-8"))


def _sheet_head(sheet: Sheet) -> str:
    cols = "".join(
        f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
        for n, width in enumerate(sheet.widths, 1)
    )
    return (
        _XML_HEAD + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        "</sheetView></sheetViews>"
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>"
    )


def _workbook(title: str, filtered: str) -> str:
    name = _xml_text(title).replace('"', "&quot;")
    quoted = "'" + _xml_text(title).replace("'", "''") + "'"
    return (
        _XML_HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f'<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        f"{quoted}!{filtered}</definedName></definedNames>"
        "</workbook>"
    )


@contextmanager
def _xlsx_writer(sheet: Sheet, target: BinaryIO) -> Iterator[_XlsxRows]:
    title = _SHEET_NAME_BAD.sub(" ", strip_controls(sheet.title))[:31].strip("'") or "Sheet1"
    columns = max(1, len(sheet.headers))
    # Level 1: the sheet's XML is repetitive, and compressing harder costs more than writing.
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
        book.writestr("xl/styles.xml", _STYLES)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(_sheet_head(sheet).encode("utf-8"))
            rows = _XlsxRows(part, columns)
            rows.extend([sheet.headers], style=_HEADER)
            yield rows
            last = _column(columns - 1)
            filtered = f"A1:{last}{rows.count}"
            part.write(f'</sheetData><autoFilter ref="{filtered}"/></worksheet>'.encode())
        absolute = f"$A$1:${last}${rows.count}"
        book.writestr("xl/workbook.xml", _workbook(title, absolute))
