"""Times are stored as UTC ISO-8601 text and shown in the configured zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def to_db(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local(moment: datetime, tz: ZoneInfo) -> str:
    """A time as people write it: 2026-07-18 14:00."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
