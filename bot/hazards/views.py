"""How a hazard report reads: one list line, the full card with its history, a JSON record."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import local, to_db
from bot.hazards.model import Event, Photo, Report
from bot.users import User

Translate = Callable[..., str]  # t(key, **params), already bound to a language


def status_text(t: Translate, report: Report, overdue: str | None) -> str:
    shown = t(report.status.key)
    return t(f"hazard.overdue.{overdue}", status=shown) if overdue else shown


def list_line(t: Translate, n: int, report: Report, overdue: str | None) -> str:
    return t(
        "hazard.list.line",
        n=n,
        ref=report.ref,
        urgent=t("hazard.card.urgent_mark") if report.urgent else "",
        category_key=report.category.key,
        committee=report.committee_name,
        address=report.address,
        status=status_text(t, report, overdue),
    )


# Events only residents make: filing and answering 已整改到位? (the reporter), supplementing.
_BY_REPORTER = {"filed", "verified", "reopened"}
_BY_RESIDENT = {"supplement"}


def _who(t: Translate, event: Event, *, names: bool = True) -> str:
    """Who made the event; without ``names``, residents are shown by their part, not by name."""
    if event.actor == "cli":
        return t("hazard.actor.cli")
    if not names and event.kind in _BY_REPORTER:
        return t("hazard.actor.reporter")
    if not names and event.kind in _BY_RESIDENT:
        return t("hazard.actor.resident")
    who = event.actor_name or event.actor
    if event.channel == "workbench":
        return t("hazard.actor.via_workbench", who=who)
    return who


def history_line(t: Translate, event: Event, tz: ZoneInfo, *, names: bool = True) -> str:
    what = t(event.status.key) if event.status else ""
    kind = t(f"hazard.event.{event.kind}", status=what)
    note = t("hazard.card.note", note=event.note) if event.note else ""
    at = local(event.at, tz)
    who = _who(t, event, names=names)
    return t("hazard.card.history_line", at=at, what=kind, who=who, note=note)


def card_text(
    t: Translate,
    report: Report,
    history: Sequence[Event],
    tz: ZoneInfo,
    *,
    overdue: str | None,
    reporter: User | None,
    photos: Sequence[Photo] = (),
) -> str:
    """The card; ``reporter`` is given only to those who may see the reporter's name and phone,
    and without it the history names no resident either."""
    lines = [
        t(
            "hazard.card.head",
            ref=report.ref,
            category_key=report.category.key,
            urgency_key="hazard.urgency.urgent" if report.urgent else "hazard.urgency.normal",
        ),
        t("hazard.card.status", status=status_text(t, report, overdue)),
        t("hazard.card.committee", committee=report.committee_name),
        t("hazard.card.address", address=report.address),
    ]
    if report.latitude is not None and report.longitude is not None:
        lines.append(t("hazard.card.location", lat=report.latitude, lon=report.longitude))
    lines.append(t("hazard.card.description", description=report.description))
    if report.department:
        lines.append(t("hazard.card.department", department_key=report.department.key))
    if report.duplicate_of:
        lines.append(t("hazard.card.duplicate_of", ref=report.duplicate_of))
    lines.append(t("hazard.card.filed", at=local(report.created_at, tz)))
    if reporter is not None:
        lines.append(
            t(
                "hazard.card.reporter",
                name=reporter.display_name or reporter.ref,
                phone=reporter.phone or t("hazard.none_phone"),
            )
        )
    lines.append(t("hazard.card.photos", count=report.photo_count))
    if unsaved := sum(photo.unsaved for photo in photos):
        lines.append(t("hazard.card.photos_unsaved", count=unsaved))
    lines.append(t("hazard.card.history"))
    names = reporter is not None
    lines += [history_line(t, event, tz, names=names) for event in history]
    return "\n".join(lines)


def record(
    t: Translate,
    report: Report,
    tz: ZoneInfo,
    *,
    overdue: str | None,
    history: Sequence[Event] = (),
    reporter: User | None = None,
    photos: Sequence[Photo] = (),
) -> dict[str, Any]:
    """A report for ``--json``: labels people read, plus the stable codes scripts match on.
    ``photos`` lists our stored copies (sha256, size, type); one that could not be saved says
    so in ``note``."""
    data: dict[str, Any] = {
        "ref": report.ref,
        "category": t(report.category.key),
        "category_code": report.category.value,
        "committee": report.committee_name,
        "address": report.address,
        "latitude": report.latitude,
        "longitude": report.longitude,
        "description": report.description,
        "urgency": t("hazard.urgency.urgent" if report.urgent else "hazard.urgency.normal"),
        "urgent": report.urgent,
        "status": t(report.status.key),
        "status_code": report.status.value,
        "department": t(report.department.key) if report.department else None,
        "duplicate_of": report.duplicate_of,
        "overdue": overdue,
        "photo_count": report.photo_count,
        "photos": [
            {**photo.public(), "note": t("hazard.card.photo_unsaved") if photo.unsaved else None}
            for photo in photos
        ],
        "created_at": to_db(report.created_at),
        "created_local": local(report.created_at, tz),
    }
    if history:
        data["history"] = [
            {
                "at": to_db(e.at),
                "kind": e.kind,
                "status": t(e.status.key) if e.status else None,
                "note": e.note,
                "by": _who(t, e, names=reporter is not None),
            }
            for e in history
        ]
    if reporter is not None:
        data["reporter"] = {"name": reporter.display_name, "phone": reporter.phone}
    return data
