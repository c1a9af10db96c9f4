"""Hazard deadlines in working days (工作日): 2026's National Day holiday (国庆, 1-7 October)
stops the clock and the make-up workdays (调休上班: Sunday 20 September, Saturday 10 October)
run it, as the offices count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.hazards.digest import overdue_digest
from bot.hazards.model import Status
from bot.hazards.service import HazardService
from bot.settings import SettingsError, load_settings
from tests.hazards.test_service import new_report


def shanghai(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A 2026 Shanghai wall-clock time, as the UTC instant the clock holds."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


async def test_national_day_holiday_does_not_count_towards_acceptance(app, clock) -> None:
    clock.set(shanghai(9, 30))  # Wednesday before the holiday
    report = await new_report(app)
    service = HazardService.of(app)
    clock.set(shanghai(10, 7, 23, 59))  # a week later, the last day of the holiday
    assert service.rules.overdue(report, clock.now()) is None
    assert await service.overdue() == []
    # 14 hours on 30 September, then 10 on Thursday 8 October make the 24 working hours.
    clock.set(shanghai(10, 8, 9, 59))
    assert service.rules.overdue(report, clock.now()) is None
    clock.set(shanghai(10, 8, 10, 0))
    assert service.rules.overdue(report, clock.now()) == "accept"
    assert [r.ref for r in await service.overdue()] == [report.ref]


async def test_the_make_up_saturday_counts_towards_the_seven_days(app, clock) -> None:
    clock.set(shanghai(9, 30))
    report = await new_report(app)
    service = HazardService.of(app)
    clock.set(shanghai(10, 8, 9))
    accepted = await service.move(None, report.id, Status.ACCEPTED, "")
    # Working days: 30 Sep (14 h), 8, 9, 10 (the make-up Saturday), 12, 13, 14 Oct, then
    # 10 hours of Thursday 15 October; without the make-up day it would be Friday the 16th.
    clock.set(shanghai(10, 15, 9, 59))
    assert service.rules.overdue(accepted, clock.now()) is None
    assert await service.overdue() == []
    clock.set(shanghai(10, 15, 10, 0))
    assert service.rules.overdue(accepted, clock.now()) == "resolve"
    assert [r.ref for r in await service.overdue()] == [report.ref]


async def test_a_make_up_sunday_is_a_working_day(app, clock) -> None:
    clock.set(shanghai(9, 19))  # Saturday: off; Sunday 20 September: make-up workday
    report = await new_report(app)
    service = HazardService.of(app)
    clock.set(shanghai(9, 20, 23, 59))
    assert service.rules.overdue(report, clock.now()) is None
    clock.set(shanghai(9, 21, 0, 0))
    assert service.rules.overdue(report, clock.now()) == "accept"


async def test_an_ordinary_weekend_is_skipped(app, clock) -> None:
    clock.set(shanghai(9, 11, 16))  # Friday 16:00: 8 hours that day, 16 on Monday
    report = await new_report(app)
    service = HazardService.of(app)
    clock.set(shanghai(9, 14, 15, 59))
    assert service.rules.overdue(report, clock.now()) is None
    clock.set(shanghai(9, 14, 16, 0))
    assert service.rules.overdue(report, clock.now()) == "accept"


async def test_calendar_setting_counts_every_day(app, clock) -> None:
    app.settings.hazard_deadline_days = "calendar"
    clock.set(shanghai(9, 30))
    report = await new_report(app)
    clock.set(shanghai(10, 1, 10, 0))  # the first day of the holiday
    assert HazardService.of(app).rules.overdue(report, clock.now()) == "accept"


async def test_the_daily_digest_stays_quiet_through_the_holiday(app, clock) -> None:
    clock.set(shanghai(9, 30))
    report = await new_report(app)
    clock.set(shanghai(10, 5, 8, 30))
    assert await overdue_digest(app) is None
    clock.set(shanghai(10, 9, 8, 30))
    digest = await overdue_digest(app)
    assert digest is not None and report.ref in digest.text


def test_an_unknown_deadline_mode_stops_start_up_with_the_setting_named() -> None:
    with pytest.raises(SettingsError, match="JUWEI_HAZARD_DEADLINE_DAYS"):
        load_settings(_env_file=None, hazard_deadline_days="weekdays")
