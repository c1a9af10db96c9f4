"""Hazard reports as a spreadsheet for WPS/Excel: xlsx with real date cells, or csv with a BOM.

Times are written in the configured zone without a zone (spreadsheets have none). The
reporter's name and phone are left out unless asked for, since exports get forwarded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from bot.hazards import repo
from bot.hazards.model import Category, Department, Report, Status
from bot.hazards.repo import Filters
from bot.hazards.service import HazardService
from bot.i18n import text
from bot.sheets import Sheet, naive_local

if TYPE_CHECKING:
    from bot.app import App

Format = Literal["csv", "xlsx"]

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
    return naive_local(moment, app.tz)


def headers(app: App, *, with_reporter: bool = False) -> tuple[list[str], list[int]]:
    """Headers and column widths (in characters) in the default language."""
    lang = app.settings.default_language
    columns = COLUMNS + (REPORTER_COLUMNS if with_reporter else ())
    return [text(lang, f"hazard.export.{key}") for key, _ in columns], [w for _, w in columns]


async def rows(
    app: App, reports: Sequence[Report], *, with_reporter: bool = False
) -> list[list[Any]]:
    """The rows of some reports (datetimes as naive local times) in the default language."""
    lang = app.settings.default_language
    service = HazardService.of(app)
    rules = service.rules
    now = app.clock.now()
    # Labels looked up once, not once a row: a year of reports is tens of thousands of rows.
    label = {k: text(lang, k) for k in _label_keys()}
    people = await repo.reporters(app.db, (r.reporter_id for r in reports)) if with_reporter else {}
    found: list[list[Any]] = []
    for r in reports:
        row: list[Any] = [
            r.ref,
            _naive(r.created_at, app),
            label[r.category.key],
            r.committee_name,
            r.address,
            r.latitude,
            r.longitude,
            r.description,
            label["hazard.urgency.urgent" if r.urgent else "hazard.urgency.normal"],
            label[r.status.key],
            label[r.department.key] if r.department else None,
            r.duplicate_of,
            _naive(r.accepted_at, app),
            _naive(r.resolved_at, app),
            _naive(r.closed_at, app),
            label["hazard.export.yes" if rules.overdue(r, now) else "hazard.export.no"],
            r.photo_count,
        ]
        if with_reporter:
            name, phone = people.get(r.reporter_id, (None, None))
            row += [name, phone]
        found.append(row)
    return found


def _label_keys() -> list[str]:
    return [
        *(c.key for c in Category),
        *(s.key for s in Status),
        *(d.key for d in Department),
        "hazard.urgency.urgent",
        "hazard.urgency.normal",
        "hazard.export.yes",
        "hazard.export.no",
    ]


async def export(
    app: App,
    fmt: Format,
    path: Path,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    with_reporter: bool = False,
) -> int:
    """Writes the reports filed in [since, until) to ``path``, oldest first; returns how many.

    Rows are read and written a chunk at a time (the file is written in a thread), so memory
    stays flat over years of reports; a failed export leaves no half-written file behind."""
    titles, widths = headers(app, with_reporter=with_reporter)
    sheet = Sheet(text(app.settings.default_language, "hazard.export.sheet"), titles, widths)
    service = HazardService.of(app)
    count = 0
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as file, sheet.writer(fmt, file) as out:
            async for reports in service.stream(
                Filters(since=since, until=until), oldest_first=True
            ):
                chunk = await rows(app, reports, with_reporter=with_reporter)
                await asyncio.to_thread(out.extend, chunk)
                count += len(chunk)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return count
