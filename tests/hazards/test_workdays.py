"""Working days from the public-holiday tables, and Monday to Friday where they stop."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.hazards import workdays
from bot.hazards.workdays import is_workday, working_time_before

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_holidays_and_make_up_days_of_2026() -> None:
    assert not is_workday(date(2026, 10, 1))  # 国庆
    assert not is_workday(date(2026, 10, 7))
    assert is_workday(date(2026, 10, 8))
    assert is_workday(date(2026, 10, 10))  # Saturday, 调休上班
    assert is_workday(date(2026, 9, 20))  # Sunday, 调休上班
    assert not is_workday(date(2026, 2, 17))  # 春节
    assert not is_workday(date(2026, 9, 12))  # an ordinary Saturday


def test_a_year_without_a_table_counts_monday_to_friday_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    workdays.is_workday.cache_clear()
    workdays._warn_unknown_year.cache_clear()
    with caplog.at_level(logging.WARNING, logger="bot.workdays"):
        assert is_workday(date(2099, 10, 1))  # a Thursday: no table, so a working day
        assert not is_workday(date(2099, 10, 3))  # Saturday
        assert is_workday(date(2099, 10, 2))
    warnings = [r for r in caplog.records if "2099" in r.getMessage()]
    assert len(warnings) == 1, "one warning per year, not per question"
    assert "Monday-Friday" in warnings[0].getMessage()


def test_working_time_before_skips_the_days_off() -> None:
    end = datetime(2026, 10, 8, 2, 0, tzinfo=UTC)  # Thursday 10:00 in Shanghai
    start = working_time_before(end, timedelta(hours=24), SHANGHAI)
    assert start.astimezone(SHANGHAI) == datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    assert start.tzinfo is UTC
    same_day = working_time_before(end, timedelta(hours=3), SHANGHAI)
    assert end - same_day == timedelta(hours=3)
