"""Hazard reports as a spreadsheet for WPS/Excel: xlsx with real date cells, or csv with a BOM.

Times are written in the configured zone without a zone (spreadsheets have none). The
reporter's name and phone are left out unless asked for, since exports get forwarded.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot.hazards.model import Report
from bot.hazards.repo import Filters
from bot.hazards.service import HazardService
from bot.i18n import text
from bot.sheets import append_row, csv_cell

if TYPE_CHECKING:
    from bot.app import App

Format = Literal["csv", "xlsx"]
DATE_FORMAT = "yyyy-mm-dd hh:mm"

# (catalogue key of the header, column width in characters)
COLUMNS: tuple[tuple[str, int], ...] = (
    ("ref", 18),
    ("created", 17),
    ("category", 28),
    ("committee", 10),
    ("address", 32),
    ("latitude", 11),
    ("longitude", 11),
    ("description", 48),
    ("urgency", 16),
    ("status", 10),
    ("department", 14),
    ("duplicate_of", 18),
    ("accepted", 17),
    ("resolved", 17),
    ("closed", 17),
    ("overdue", 9),
    ("photos", 8),
)
REPORTER_COLUMNS: tuple[tuple[str, int], ...] = (("reporter", 14), ("phone", 14))


def _naive(moment: datetime | None, app: App) -> datetime | None:
    return None if moment is None else moment.astimezone(app.tz).replace(tzinfo=None)


async def table(
    app: App, reports: Sequence[Report], *, with_reporter: bool = False
) -> tuple[list[str], list[int], list[list[Any]]]:
    """Headers, widths and rows (datetimes as naive local times) in the default language."""
    lang = app.settings.default_language
    columns = COLUMNS + (REPORTER_COLUMNS if with_reporter else ())
    headers = [text(lang, f"hazard.export.{key}") for key, _ in columns]
    widths = [width for _, width in columns]
    rules = HazardService.of(app).rules
    now = app.clock.now()
    rows: list[list[Any]] = []
    for r in reports:
        row: list[Any] = [
            r.ref,
            _naive(r.created_at, app),
            text(lang, r.category.key),
            r.committee_name,
            r.address,
            r.latitude,
            r.longitude,
            r.description,
            text(lang, "hazard.urgency.urgent" if r.urgent else "hazard.urgency.normal"),
            text(lang, r.status.key),
            text(lang, r.department.key) if r.department else None,
            r.duplicate_of,
            _naive(r.accepted_at, app),
            _naive(r.resolved_at, app),
            _naive(r.closed_at, app),
            text(lang, "hazard.export.yes" if rules.overdue(r, now) else "hazard.export.no"),
            r.photo_count,
        ]
        if with_reporter:
            reporter = await app.users.by_id(r.reporter_id)
            row += [
                reporter.display_name if reporter else None,
                reporter.phone if reporter else None,
            ]
        rows.append(row)
    return headers, widths, rows


def write_xlsx(
    path: Path, sheet: str, headers: list[str], widths: list[int], rows: list[list[Any]]
) -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    append_row(ws, headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        append_row(ws, row)
    for column in ws.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, datetime):
                cell.number_format = DATE_FORMAT
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    book.save(path)


def write_csv(path: Path, headers: list[str], rows: list[list[Any]]) -> None:
    # UTF-8 with a BOM: how Excel and WPS recognise a UTF-8 csv.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(
                [
                    v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else csv_cell(v)
                    for v in row
                ]
            )


async def export(
    app: App,
    fmt: Format,
    path: Path,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    with_reporter: bool = False,
) -> int:
    """Writes the reports filed in [since, until) to ``path``, oldest first; returns how many."""
    reports = list(reversed(await HazardService.of(app).search(Filters(since=since, until=until))))
    headers, widths, rows = await table(app, reports, with_reporter=with_reporter)
    if fmt == "xlsx":
        sheet = text(app.settings.default_language, "hazard.export.sheet")
        await asyncio.to_thread(write_xlsx, path, sheet, headers, widths, rows)
    else:
        await asyncio.to_thread(write_csv, path, headers, rows)
    return len(reports)
