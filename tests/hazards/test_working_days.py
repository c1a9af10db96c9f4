"""Hazard deadlines in working days (工作日): 2026's National Day holiday (国庆, 1-7 October)
stops the clock and the make-up workdays (调休上班: Sunday 20 September, Saturday 10 October)
run it, as the offices count."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from bot.hazards.digest import overdue_digest
from bot.hazards.model import Status
from bot.hazards.service import HazardService
from bot.settings import SettingsError, load_settings
from tests.conftest import PY, juwei, juwei_env
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


HOLIDAYS_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知 (as an office would copy it)
2027-01-01 休          # 元旦, a Friday
2027-02-06..2027-02-12 休
2027-02-14 班          # Sunday, 调休上班
"""


def shanghai_2027(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2027, month, day, hour, tzinfo=UTC) - timedelta(hours=8)


async def test_a_holidays_file_fills_a_year_the_package_does_not_know(
    app, clock, settings, tmp_path
) -> None:
    holidays = tmp_path / "holidays.txt"
    holidays.write_text(HOLIDAYS_2027, encoding="utf-8")
    app.settings = settings.model_copy(update={"hazard_holidays_file": holidays})
    clock.set(shanghai_2027(2, 5))  # Friday before 春节
    report = await new_report(app)
    service = HazardService.of(app)
    # Without the file 8-12 February (Monday-Friday) would count: overdue on Monday the 8th.
    clock.set(shanghai_2027(2, 13, 9))  # Saturday: 14 hours on the 5th, nothing since
    assert service.rules.overdue(report, clock.now()) is None
    clock.set(shanghai_2027(2, 14, 9))  # the make-up Sunday: 9 more hours, 23 in all
    assert service.rules.overdue(report, clock.now()) is None
    clock.set(shanghai_2027(2, 14, 10))
    assert service.rules.overdue(report, clock.now()) == "accept"


async def test_without_the_file_that_year_counts_monday_to_friday(app, clock) -> None:
    clock.set(shanghai_2027(2, 5))
    report = await new_report(app)
    clock.set(shanghai_2027(2, 8, 10))  # Monday, a 春节 holiday the package does not know yet
    assert HazardService.of(app).rules.overdue(report, clock.now()) == "accept"


def test_a_mistake_in_the_holidays_file_is_refused_at_start_naming_the_line(tmp_path) -> None:
    holidays = tmp_path / "holidays.txt"
    holidays.write_text("2027-01-01 休\n2027-02-30 休\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(hazard_holidays_file=holidays)
    assert "JUWEI_HAZARD_HOLIDAYS_FILE" in str(caught.value)
    assert "line 2" in str(caught.value) and "2027-02-30" in str(caught.value)
    holidays.write_text("2027-02-12..2027-02-06 休\n", encoding="utf-8")  # backwards
    with pytest.raises(SettingsError, match="line 1"):
        load_settings(hazard_holidays_file=holidays)
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings(hazard_holidays_file=tmp_path / "missing.txt")


def test_staff_can_see_a_years_days_off_and_where_they_come_from(tmp_path) -> None:
    db = tmp_path / "juwei.db"
    known = juwei(db, "hazards", "workdays", "2026")
    assert known.returncode == 0, known.stderr
    assert "chinese-calendar" in known.stdout
    assert "10-01（周四）" in known.stdout and "10-10（周六）" in known.stdout
    unknown = juwei(db, "hazards", "workdays", "2027")
    assert "按周一至周五计算" in unknown.stdout and "JUWEI_HAZARD_HOLIDAYS_FILE" in unknown.stdout
    holidays = tmp_path / "holidays.txt"
    holidays.write_text(HOLIDAYS_2027, encoding="utf-8")
    env = juwei_env(db) | {"JUWEI_HAZARD_HOLIDAYS_FILE": str(holidays)}
    declared = subprocess.run(
        [PY, "-m", "bot", "hazards", "workdays", "2027"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert declared.returncode == 0, declared.stderr
    assert "节假日文件" in declared.stdout
    assert "02-08（周一）" in declared.stdout and "02-14（周日）" in declared.stdout
