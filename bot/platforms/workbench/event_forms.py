"""活动: creating and editing an event on a page, staff only, with the /newevent flow's rules
(lengths and ranges of its steps, times in the future, ``NewEvent.problem``). A bad field is
shown on the form and nothing is saved; an edit that moves the start goes through
``Events.reschedule`` like ``juwei events reschedule``, so reminders follow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from starlette.responses import RedirectResponse, Response

from bot.app import App
from bot.clock import local
from bot.events.model import Event, EventStatus, NewEvent
from bot.events.service import Events
from bot.i18n import text
from bot.parsing import InputError, read_datetime
from bot.platforms.workbench.render import page
from bot.roles import Role
from bot.workbench.signin import WebSession

# The /newevent flow's limits (conversations/events.py NEW_EVENT_FLOW).
TITLE = (2, 60)
DESCRIPTION = (0, 500)
PLACE = (2, 100)
CAPACITY = (1, 10_000)
PARTY = (1, 10)


@dataclass
class EventForm:
    """What was typed, to show the form again as it was."""

    values: dict[str, str] = field(default_factory=dict)
    committees: tuple[int, ...] = ()


def _lang(app: App, session: WebSession) -> str:
    return app.notifier.language_of(session.user)


def _text(form: EventForm, name: str, limits: tuple[int, int]) -> str:
    value = form.values.get(name, "").strip()
    low, high = limits
    if low and not value:
        raise InputError("events.bad_details")
    if value and len(value) < low:
        raise InputError("input.text.too_short", min=low, length=len(value))
    if len(value) > high:
        raise InputError("input.text.too_long", max=high, length=len(value))
    return value


def _number(form: EventForm, name: str, limits: tuple[int, int]) -> int | None:
    value = form.values.get(name, "").strip()
    if not value:
        return None
    low, high = limits
    try:
        number = int(value)
    except ValueError:
        raise InputError("input.number.invalid") from None
    if not low <= number <= high:
        raise InputError("input.number.range", low=low, high=high)
    return number


def _moment(
    app: App, form: EventForm, name: str, *, on: date | None = None, before: datetime | None = None
) -> datetime | None:
    """A time as the chat reads it (``<input type=datetime-local>`` sends 2026-07-20T14:00)."""
    value = form.values.get(name, "").strip()
    if not value:
        return None
    now = app.clock.now()
    moment = read_datetime(
        value.replace("T", " "), now=now.astimezone(app.tz), tz=app.tz, on=on, afternoon=True
    ).moment
    if moment <= now and moment != before:  # an unchanged start of an edit may stay as it is
        raise InputError("input.datetime.past", value=local(moment, app.tz))
    return moment


async def read_event(app: App, form: EventForm, before: Event | None = None) -> NewEvent:
    """The event these fields describe; ``InputError`` names the first thing wrong."""
    title = _text(form, "title", TITLE)
    description = _text(form, "description", DESCRIPTION)
    place = _text(form, "place", PLACE)
    starts_at = _moment(app, form, "start", before=before.starts_at if before else None)
    if starts_at is None:
        raise InputError("events.bad_details")
    ends_at = _moment(app, form, "end", on=starts_at.astimezone(app.tz).date())
    deadline = _moment(app, form, "deadline", before=before.deadline if before else None)
    known = {c.id for c in await app.committees.residents()}
    if not set(form.committees) <= known:
        raise InputError("workbench.bad_choice")
    details = NewEvent(
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        capacity=_number(form, "capacity", CAPACITY),
        deadline=deadline,
        max_party=_number(form, "max_party", PARTY) or 1,
        phone_required=form.values.get("phone_required") == "yes",
        committee_ids=form.committees,
    )
    problem = details.problem()
    if problem is not None:
        raise InputError(problem)
    return details


def form_of(event: Event, app: App) -> EventForm:
    def when(moment: datetime | None) -> str:
        return local(moment, app.tz) if moment else ""

    return EventForm(
        values={
            "title": event.title,
            "description": event.description,
            "place": event.place,
            "start": when(event.starts_at),
            "end": when(event.ends_at),
            "deadline": when(event.deadline),
            "capacity": str(event.capacity or ""),
            "max_party": str(event.max_party),
            "phone_required": "yes" if event.phone_required else "",
        },
        committees=event.committee_ids,
    )


async def _form_page(
    app: App,
    session: WebSession,
    form: EventForm,
    *,
    event: Event | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    return page(
        "event_form.html",
        _lang(app, session),
        status,
        session=session,
        form=form,
        event=event,
        committees=await app.committees.residents(),
        error=error,
    )


def _refused(app: App, session: WebSession, status: int, key: str) -> Response:
    return page("message.html", _lang(app, session), status, session=session, message_key=key)


async def new_event_page(app: App, session: WebSession) -> Response:
    if session.user.role < Role.STAFF:
        return _refused(app, session, 403, "workbench.staff_only")
    return await _form_page(app, session, EventForm(values={"max_party": "1"}))


async def edit_event_page(app: App, session: WebSession, event_id: int) -> Response:
    if session.user.role < Role.STAFF:
        return _refused(app, session, 403, "workbench.staff_only")
    event = await Events.of(app).get(event_id)
    if event is None or event.status is EventStatus.CANCELLED:
        return _refused(app, session, 404, "workbench.not_found")
    return await _form_page(app, session, form_of(event, app), event=event)


def submitted(values: dict[str, str], committees: Sequence[str]) -> EventForm:
    chosen = tuple(int(c) if c.isdigit() else -1 for c in committees)
    return EventForm(values=values, committees=chosen)


async def create_event(app: App, session: WebSession, form: EventForm) -> Response:
    if session.user.role < Role.STAFF:
        return _refused(app, session, 403, "workbench.staff_only")
    lang = _lang(app, session)
    try:
        details = await read_event(app, form)
    except InputError as exc:
        error = text(lang, exc.key, **exc.params)
        return await _form_page(app, session, form, error=error, status=400)
    event = await Events.of(app).create(details, by=session.user.ref)
    return RedirectResponse(f"/events/{event.id}", status_code=303)


async def update_event(app: App, session: WebSession, event_id: int, form: EventForm) -> Response:
    if session.user.role < Role.STAFF:
        return _refused(app, session, 403, "workbench.staff_only")
    lang = _lang(app, session)
    service = Events.of(app)
    before = await service.get(event_id)
    if before is None or before.status is EventStatus.CANCELLED:
        return _refused(app, session, 404, "workbench.not_found")
    try:
        details = await read_event(app, form, before)
        await service.update(event_id, details)
    except InputError as exc:
        error = text(lang, exc.key, **exc.params)
        return await _form_page(app, session, form, event=before, error=error, status=400)
    return RedirectResponse(f"/events/{event_id}", status_code=303)
