"""Working days (工作日) as Chinese offices count them: public holidays off, make-up days on.

The holiday tables come from the ``chinese-calendar`` package, which follows the State
Council's yearly notice. For a year the package does not know yet (the notice comes out each
November) we count Monday to Friday and log a warning once per year, so deadlines keep working
and the log says what to update. A holidays file (``JUWEI_HAZARD_HOLIDAYS_FILE``) fills such a
year from the notice, or corrects a day, before the package catches up.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import chinese_calendar

from bot.settings import read_days_file

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

_MAX_DAYS_BACK = 3660  # a span of working time never reaches this far; a guard, not a rule


@lru_cache(maxsize=4096)
def is_workday(day: date) -> bool:
    """Whether offices work on ``day`` (a make-up Saturday is a working day)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        _warn_unknown_year(day.year)
        return day.weekday() < 5


def knows_year(year: int) -> bool:
    """Whether the holiday package has the State Council's table for ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=64)
def _warn_unknown_year(year: int) -> None:
    log.warning(
        "no public-holiday table for %d (chinese-calendar %s): counting Monday-Friday as"
        " working days; update the chinese-calendar package or list the year's days in"
        " JUWEI_HAZARD_HOLIDAYS_FILE",
        year,
        getattr(chinese_calendar, "__version__", "?"),
    )


class WorkCalendar:
    """The package's working days, with the holidays file's days laid over them.

    Hashable, so the deadline rules that hold one can be cached by value.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._key = frozenset(self._overrides.items())

    def is_workday(self, day: date) -> bool:
        known = self._overrides.get(day)
        return is_workday(day) if known is None else known

    def years_declared(self) -> set[int]:
        return {day.year for day in self._overrides}

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WorkCalendar) and self._key == other._key


PACKAGE_CALENDAR = WorkCalendar()


def work_calendar(settings: Settings) -> WorkCalendar:
    """The calendar the settings ask for: the package's, with the holidays file over it."""
    path = settings.hazard_holidays_file
    if path is None:
        return PACKAGE_CALENDAR
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        log.warning("holidays file unreadable, using the package's table only: %s", exc)
        return PACKAGE_CALENDAR
    return _calendar_from(path, stamp)


@lru_cache(maxsize=4)
def _calendar_from(path: Path, stamp: int) -> WorkCalendar:
    # Keyed by the file's modification time: an edited file is read again, an unchanged one
    # once per process.
    try:
        return WorkCalendar(read_days_file(path))
    except ValueError as exc:
        log.warning("holidays file not used: %s", exc)
        return PACKAGE_CALENDAR


def working_time_before(
    end: datetime, span: timedelta, tz: ZoneInfo, calendar: WorkCalendar = PACKAGE_CALENDAR
) -> datetime:
    """The latest moment from which ``span`` of working time has passed by ``end``.

    Working time runs only on working days (whole local days, midnight to midnight), so
    24 hours is one working day and 7 days are seven. Something started at or before the
    returned moment is late at ``end``.
    """
    remaining = span
    upper = end.astimezone(UTC)
    day = end.astimezone(tz).date()
    for _ in range(_MAX_DAYS_BACK):
        day_start = datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)
        if calendar.is_workday(day):
            available = upper - day_start
            if available >= remaining:
                return (upper - remaining).astimezone(end.tzinfo)
            remaining -= available
        upper = day_start
        day -= timedelta(days=1)
    return upper.astimezone(end.tzinfo)
