"""Occurrences of schedules: windows, days, times, quiet hours; pure, no clock needed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.notices.schedule import (
    WEEKDAYS,
    Now,
    Once,
    Recurring,
    Relative,
    after_quiet_hours,
    in_quiet_hours,
    next_after,
    occurrences,
    parse_weekdays,
    schedule_from_json,
    schedule_to_json,
)

SH = ZoneInfo("Asia/Shanghai")
SINCE = datetime(2020, 1, 1, tzinfo=UTC)
SUMMER = Recurring(weekdays=("mon", "thu"), times=(time(9, 0),), start="06-01", end="09-30")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH).astimezone(UTC)


def local(moments: list[datetime]) -> list[str]:
    return [m.astimezone(SH).strftime("%Y-%m-%d %a %H:%M") for m in moments]


def test_recurring_fires_only_on_its_days_inside_its_window() -> None:
    found = occurrences(SUMMER, at("2027-05-20 00:00"), at("2027-06-15 00:00"), tz=SH, since=SINCE)
    assert local(found) == [
        "2027-06-03 Thu 09:00",
        "2027-06-07 Mon 09:00",
        "2027-06-10 Thu 09:00",
        "2027-06-14 Mon 09:00",
    ]
    late = occurrences(SUMMER, at("2027-09-25 00:00"), at("2027-10-10 00:00"), tz=SH, since=SINCE)
    assert local(late) == ["2027-09-27 Mon 09:00", "2027-09-30 Thu 09:00"]
    assert (
        occurrences(SUMMER, at("2027-10-01 00:00"), at("2028-05-31 23:59"), tz=SH, since=SINCE)
        == []
    )


def test_a_whole_summer_is_twice_a_week() -> None:
    found = occurrences(SUMMER, at("2027-01-01 00:00"), at("2027-12-31 23:59"), tz=SH, since=SINCE)
    days = [m.astimezone(SH).date() for m in found]
    expected = [
        date(2027, 6, 1) + timedelta(days=n)
        for n in range(122)
        if (date(2027, 6, 1) + timedelta(days=n)).weekday() in (0, 3)
    ]
    assert days == expected and len(days) == 35
    assert all(m.astimezone(SH).time() == time(9, 0) for m in found)


def test_times_are_local_and_stored_in_utc() -> None:
    (first,) = occurrences(
        SUMMER, at("2027-06-03 00:00"), at("2027-06-03 23:00"), tz=SH, since=SINCE
    )
    assert first == datetime(2027, 6, 3, 1, 0, tzinfo=UTC)


def test_days_of_the_month_several_times_and_a_dated_window() -> None:
    schedule = Recurring(
        monthdays=(1, 15), times=(time(15, 30), time(9, 0)), start="2027-01-01", end="2027-02-15"
    )
    found = occurrences(
        schedule, at("2026-12-01 00:00"), at("2027-12-31 00:00"), tz=SH, since=SINCE
    )
    assert local(found) == [
        "2027-01-01 Fri 09:00",
        "2027-01-01 Fri 15:30",
        "2027-01-15 Fri 09:00",
        "2027-01-15 Fri 15:30",
        "2027-02-01 Mon 09:00",
        "2027-02-01 Mon 15:30",
        "2027-02-15 Mon 09:00",
        "2027-02-15 Mon 15:30",
    ]


def test_a_window_across_new_year() -> None:
    winter = Recurring(weekdays=("sat",), times=(time(10, 0),), start="12-25", end="01-05")
    found = occurrences(winter, at("2026-12-01 00:00"), at("2027-01-31 00:00"), tz=SH, since=SINCE)
    assert local(found) == ["2026-12-26 Sat 10:00", "2027-01-02 Sat 10:00"]


def test_next_after_skips_to_next_summer() -> None:
    nxt = next_after(SUMMER, at("2027-10-01 00:00"), tz=SH, since=SINCE)
    assert nxt is not None and local([nxt]) == ["2028-06-01 Thu 09:00"]
    assert next_after(SUMMER, at("2027-06-03 09:00"), tz=SH, since=SINCE) == at("2027-06-07 09:00")
    ended = Recurring(weekdays=("mon",), times=(time(9, 0),), start="2027-01-01", end="2027-01-31")
    assert next_after(ended, at("2027-02-01 00:00"), tz=SH, since=SINCE) is None


def test_once_now_and_relative_to_a_meeting() -> None:
    once = Once(at=at("2027-06-01 10:00"))
    assert occurrences(
        once, at("2027-06-01 00:00"), at("2027-06-02 00:00"), tz=SH, since=SINCE
    ) == [at("2027-06-01 10:00")]
    since = at("2027-06-01 08:00")
    assert occurrences(Now(), since, since, tz=SH, since=since) == [since]
    remind = Relative(meeting_id=1, offset_minutes=-120)
    meeting = at("2027-06-05 14:00")
    assert next_after(remind, at("2027-06-01 00:00"), tz=SH, since=SINCE, meeting_at=meeting) == at(
        "2027-06-05 12:00"
    )
    assert (
        next_after(remind, at("2027-06-05 12:00"), tz=SH, since=SINCE, meeting_at=meeting) is None
    )


def test_schedules_are_small_serialisable_values() -> None:
    for schedule in (
        SUMMER,
        Now(),
        Once(at=at("2027-06-01 10:00")),
        Relative(meeting_id=3, offset_minutes=-1440),
    ):
        assert schedule_from_json(schedule_to_json(schedule)) == schedule
    assert '"weekdays":["mon","thu"]' in schedule_to_json(SUMMER)


def test_bad_schedules_are_refused() -> None:
    with pytest.raises(ValidationError):
        Recurring(weekdays=("mon",), times=(), start="06-01", end="09-30")
    with pytest.raises(ValidationError):
        Recurring(weekdays=("mon",), times=(time(9),), start="06-31", end="09-30")
    with pytest.raises(ValidationError):
        Recurring(weekdays=("mon",), times=(time(9),), start="06-01", end="2027-09-30")
    with pytest.raises(ValidationError):
        Recurring(monthdays=(32,), times=(time(9),), start="06-01", end="09-30")


def test_weekdays_by_name_in_english_and_chinese_never_numbers() -> None:
    assert parse_weekdays("mon,thu") == ("mon", "thu")
    assert parse_weekdays("周四 星期一") == ("mon", "thu")
    assert parse_weekdays("Sunday、周日") == ("sun",)
    with pytest.raises(ValueError):
        parse_weekdays("0,3")


def test_quiet_hours_hold_until_morning() -> None:
    start, end = time(21, 0), time(8, 0)
    assert not in_quiet_hours(at("2027-06-03 20:59"), SH, start, end)
    assert in_quiet_hours(at("2027-06-03 21:00"), SH, start, end)
    assert in_quiet_hours(at("2027-06-04 07:59"), SH, start, end)
    assert after_quiet_hours(at("2027-06-03 22:30"), SH, start, end) == at("2027-06-04 08:00")
    assert after_quiet_hours(at("2027-06-04 06:00"), SH, start, end) == at("2027-06-04 08:00")
    assert after_quiet_hours(at("2027-06-04 12:00"), SH, start, end) == at("2027-06-04 12:00")


@settings(max_examples=60, deadline=None)
@given(
    days=st.sets(st.sampled_from(WEEKDAYS), min_size=1),
    hour=st.integers(0, 23),
    first=st.dates(date(2026, 1, 1), date(2028, 12, 31)),
    span=st.integers(1, 60),
)
def test_every_occurrence_is_on_a_chosen_day_inside_the_window(days, hour, first, span) -> None:
    schedule = Recurring(weekdays=tuple(days), times=(time(hour, 0),), start="06-01", end="09-30")
    start = datetime.combine(first, time(0), tzinfo=SH)
    end = start + timedelta(days=span)
    for moment in occurrences(schedule, start, end, tz=SH, since=SINCE):
        shown = moment.astimezone(SH)
        assert WEEKDAYS[shown.weekday()] in days
        assert "06-01" <= shown.strftime("%m-%d") <= "09-30"
        assert shown.hour == hour and start <= moment <= end


def test_next_after_a_moment_just_under_a_second_before_one() -> None:
    """The scheduler asks with the clock's reading, fractions of a second included."""
    moment = at("2027-06-03 08:59:59.500000")
    assert next_after(SUMMER, moment, tz=SH, since=SINCE) == at("2027-06-03 09:00")
