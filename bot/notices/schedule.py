"""When a notice is due: schedules as small serialisable values and their occurrences.

Pure computation with no clock of its own: the caller says which interval it wants, so the
scheduler, the missed-while-down check and ``juwei notices upcoming`` agree on every time.
Recurring times are local times in the configured zone; occurrences come back in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_WEEKDAY_WORDS: dict[str, Weekday] = {
    **{name: name for name in WEEKDAYS},
    **{full: name for full, name in zip(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        WEEKDAYS, strict=True,
    )},
    **{f"{prefix}{zh}": name for prefix in ("周", "星期", "礼拜")
       for zh, name in zip("一二三四五六日", WEEKDAYS, strict=True)},
    "周天": "sun", "星期天": "sun", "礼拜天": "sun",
}  # fmt: skip

_DAY_IN_YEAR = re.compile(r"^(?:(\d{4})-)?(\d{2})-(\d{2})$")
LOOKAHEAD_DAYS = 400  # a yearly window is always found within this


def parse_weekdays(text: str) -> tuple[Weekday, ...]:
    """``mon,thu`` or ``周一 周四`` → ("mon", "thu"); raises ValueError on anything else."""
    found: list[Weekday] = []
    for word in re.split(r"[\s,，、]+", text.strip().lower()):
        if not word:
            continue
        name = _WEEKDAY_WORDS.get(word)
        if name is None:
            raise ValueError(f"not a day of the week: {word!r}")
        if name not in found:
            found.append(name)
    return tuple(sorted(found, key=WEEKDAYS.index))


class _Base(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Now(_Base):
    """Once, as soon as the notice is active (its ``since``)."""

    kind: Literal["now"] = "now"


class Once(_Base):
    kind: Literal["once"] = "once"
    at: datetime

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("a time with its zone")
        return value.astimezone(UTC)


class Recurring(_Base):
    """Days of the week and/or of the month, at local times, inside a date window.

    The window is ``MM-DD`` (every year, e.g. 06-01 to 09-30) or ``YYYY-MM-DD`` (once).
    """

    kind: Literal["recurring"] = "recurring"
    weekdays: tuple[Weekday, ...] = ()
    monthdays: tuple[int, ...] = ()
    times: tuple[time, ...]
    start: str
    end: str

    @field_validator("monthdays")
    @classmethod
    def _monthdays(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= day <= 31 for day in value):
            raise ValueError("days of the month are 1-31")
        return tuple(sorted(set(value)))

    @field_validator("times")
    @classmethod
    def _times(cls, value: tuple[time, ...]) -> tuple[time, ...]:
        if not value:
            raise ValueError("at least one time of day")
        return tuple(sorted({t.replace(second=0, microsecond=0, tzinfo=None) for t in value}))

    @field_validator("start", "end")
    @classmethod
    def _day(cls, value: str) -> str:
        match = _DAY_IN_YEAR.match(value.strip())
        if match is None:
            raise ValueError("a date as MM-DD or YYYY-MM-DD")
        year, month, day = match.groups()
        date(int(year or 2000), int(month), int(day))  # 2000: a leap year allows 02-29
        return value.strip()

    @model_validator(mode="after")
    def _same_form(self) -> Recurring:
        if (len(self.start) == 5) != (len(self.end) == 5):
            raise ValueError("start and end both MM-DD or both YYYY-MM-DD")
        if len(self.start) == 10 and self.start > self.end:
            raise ValueError("the window ends before it starts")
        return self

    def in_window(self, day: date) -> bool:
        if len(self.start) == 10:
            return self.start <= day.isoformat() <= self.end
        here = day.strftime("%m-%d")
        if self.start <= self.end:
            return self.start <= here <= self.end
        return here >= self.start or here <= self.end  # e.g. 11-01 to 02-28

    def on_day(self, day: date) -> bool:
        if not self.weekdays and not self.monthdays:
            return True
        return WEEKDAYS[day.weekday()] in self.weekdays or day.day in self.monthdays


class Relative(_Base):
    """Minutes before (negative) or after a meeting's start."""

    kind: Literal["meeting"] = "meeting"
    meeting_id: int
    offset_minutes: int


Schedule = Annotated[Now | Once | Recurring | Relative, Field(discriminator="kind")]
_ADAPTER: TypeAdapter[Now | Once | Recurring | Relative] = TypeAdapter(Schedule)


def schedule_to_json(schedule: Now | Once | Recurring | Relative) -> str:
    return schedule.model_dump_json()


def schedule_from_json(text: str) -> Now | Once | Recurring | Relative:
    return _ADAPTER.validate_json(text)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def occurrences(
    schedule: Now | Once | Recurring | Relative,
    start: datetime,
    end: datetime,
    *,
    tz: ZoneInfo,
    since: datetime,
    meeting_at: datetime | None = None,
) -> list[datetime]:
    """Occurrences ``t`` with ``start <= t <= end`` (UTC, ascending).

    ``since``: when the notice became active (a ``Now`` notice's one occurrence);
    ``meeting_at``: the start of the meeting a ``Relative`` notice follows.
    """
    if isinstance(schedule, Now):
        moments = [since]
    elif isinstance(schedule, Once):
        moments = [schedule.at]
    elif isinstance(schedule, Relative):
        if meeting_at is None:
            return []
        moments = [meeting_at + timedelta(minutes=schedule.offset_minutes)]
    else:
        moments = []
        for day in _days(start.astimezone(tz).date(), end.astimezone(tz).date()):
            if schedule.in_window(day) and schedule.on_day(day):
                for at in schedule.times:
                    moments.append(datetime.combine(day, at, tzinfo=tz).astimezone(UTC))
    return [m.astimezone(UTC) for m in moments if start <= m <= end]


def next_after(
    schedule: Now | Once | Recurring | Relative,
    after: datetime,
    *,
    tz: ZoneInfo,
    since: datetime,
    meeting_at: datetime | None = None,
) -> datetime | None:
    """The first occurrence strictly after ``after``, or None when there is none to come."""
    tick = timedelta(microseconds=1)  # "strictly after", even for a clock reading 08:59:59.5
    if isinstance(schedule, Recurring):
        first = after + tick
        step = timedelta(days=31)
        horizon = first + timedelta(days=LOOKAHEAD_DAYS)
        while first < horizon:
            found = occurrences(schedule, first, first + step, tz=tz, since=since)
            if found:
                return found[0]
            first += step + tick
        return None
    far = after + timedelta(days=LOOKAHEAD_DAYS * 100)
    found = occurrences(schedule, after + tick, far, tz=tz, since=since, meeting_at=meeting_at)
    return found[0] if found else None


def in_quiet_hours(moment: datetime, tz: ZoneInfo, quiet_start: time, quiet_end: time) -> bool:
    local = moment.astimezone(tz).time()
    if quiet_start <= quiet_end:
        return quiet_start <= local < quiet_end
    return local >= quiet_start or local < quiet_end  # e.g. 21:00 to 08:00


def after_quiet_hours(
    moment: datetime, tz: ZoneInfo, quiet_start: time, quiet_end: time
) -> datetime:
    """``moment`` itself outside quiet hours, else the end of the quiet hours it falls in."""
    if not in_quiet_hours(moment, tz, quiet_start, quiet_end):
        return moment
    local = moment.astimezone(tz)
    morning = datetime.combine(local.date(), quiet_end, tzinfo=tz)
    if morning <= local:
        morning = datetime.combine(local.date() + timedelta(days=1), quiet_end, tzinfo=tz)
    return morning.astimezone(UTC)
