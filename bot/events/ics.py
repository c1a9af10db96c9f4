"""Calendar files (RFC 5545) for an event, with the VTIMEZONE phone calendars need."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from bot.events.model import Event, EventStatus, Signup

PRODID = "-//juwei//events//ZH"
MIME_TYPE = "text/calendar"
FILE_NAME = "event.ics"


def event_uid(event: Event, domain: str = "juwei") -> str:
    return f"event-{event.id}@{domain}"


def calendar_file(
    event: Event, tz: ZoneInfo, now: datetime, *, signup: Signup | None = None, note: str = ""
) -> bytes:
    """One VEVENT in the event's local time zone; ``note`` goes into the description."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    item = CalendarEvent()
    item.add("uid", event_uid(event))
    item.add("dtstamp", now)
    item.add("dtstart", event.starts_at.astimezone(tz))
    if event.ends_at is not None:
        item.add("dtend", event.ends_at.astimezone(tz))
    item.add("summary", event.title)
    item.add("location", event.place)
    description = "\n".join(part for part in (event.description, note) if part)
    if description:
        item.add("description", description)
    cancelled = event.status is EventStatus.CANCELLED
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if signup is not None:
        item.add("x-juwei-checkin-code", signup.code)
    cal.add_component(item)
    year = event.starts_at.astimezone(tz).year
    # A VTIMEZONE covering only the event's years keeps the file small.
    cal.add_missing_timezones(first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))
    data: bytes = cal.to_ical()
    return data
