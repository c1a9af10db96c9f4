"""Working days (工作日) as Chinese offices count them: public holidays off, make-up days on.

The holiday tables come from the ``chinese-calendar`` package, which follows the State
Council's yearly notice. For a year the package does not know yet (the notice comes out each
November) we count Monday to Friday and log a warning once per year, so deadlines keep working
and the log says what to update.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

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


@lru_cache(maxsize=64)
def _warn_unknown_year(year: int) -> None:
    log.warning(
        "no public-holiday table for %d (chinese-calendar %s): counting Monday-Friday as"
        " working days; update the chinese-calendar package",
        year,
        getattr(chinese_calendar, "__version__", "?"),
    )


def working_time_before(end: datetime, span: timedelta, tz: ZoneInfo) -> datetime:
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
        if is_workday(day):
            available = upper - day_start
            if available >= remaining:
                return (upper - remaining).astimezone(end.tzinfo)
            remaining -= available
        upper = day_start
        day -= timedelta(days=1)
    return upper.astimezone(end.tzinfo)
