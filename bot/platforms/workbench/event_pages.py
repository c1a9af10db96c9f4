"""活动 pages: the events, and for staff each event's roster with the waiting list, check-in by
code, the roster's spreadsheet and the .ics (same services and role rule as /roster, /checkin)."""

from __future__ import annotations

from functools import partial

from starlette.responses import Response

from bot.app import App
from bot.clock import local
from bot.events.cli import roster_sheet
from bot.events.ics import calendar_file
from bot.events.model import Outcome, Result
from bot.events.service import Events
from bot.i18n import text
from bot.platforms.workbench.render import download, page
from bot.roles import Role
from bot.workbench.signin import WebSession


def _lang(app: App, session: WebSession) -> str:
    return app.notifier.language_of(session.user)


def _staff(session: WebSession) -> bool:
    return session.user.role >= Role.STAFF


async def event_list(app: App, session: WebSession, *, past: bool) -> Response:
    events = await Events.of(app).listing(include_past=past)
    return page(
        "events.html",
        _lang(app, session),
        session=session,
        events=[(e, local(e.starts_at, app.tz)) for e in events],
        past=past,
    )


def checkin_text(lang: str, result: Result, app: App) -> str:
    """What the door hears, as in the private chat's /checkin."""
    t = partial(text, lang)
    signup, event = result.signup, result.event
    if result.outcome is Outcome.CONFIRMED and signup is not None and event is not None:
        return t("events.checkin.done", name=signup.name, party=signup.party, title=event.title)
    if result.outcome is Outcome.ALREADY and signup is not None and signup.checked_in_at:
        at = local(signup.checked_in_at, app.tz)[11:]
        return t("events.checkin.already", name=signup.name, at=at)
    return t(f"events.checkin.{result.outcome.value}")


async def event_page(
    app: App, session: WebSession, event_id: int, *, said: str = "", status: int = 200
) -> Response:
    """One event; its roster (names, phones) only for staff, as /roster in chat."""
    lang = _lang(app, session)
    service = Events.of(app)
    event = await service.get(event_id)
    if event is None:
        return page("message.html", lang, 404, session=session, message_key="workbench.not_found")
    roster = await service.roster(event_id) if _staff(session) else None
    return page(
        "event.html",
        lang,
        status,
        session=session,
        event=event,
        starts=local(event.starts_at, app.tz),
        roster=roster,
        said=said,
        said_ok=status == 200,
    )


async def event_checkin(
    app: App, session: WebSession, event_id: int, form: dict[str, str]
) -> Response:
    lang = _lang(app, session)
    if not _staff(session):
        return page("message.html", lang, 403, session=session, message_key="workbench.staff_only")
    code = form.get("code", "").strip()
    if not code:
        return await event_page(
            app, session, event_id, said=text(lang, "events.checkin.usage"), status=400
        )
    result = await Events.of(app).check_in(code)
    ok = result.outcome in (Outcome.CONFIRMED, Outcome.ALREADY)
    return await event_page(
        app, session, event_id, said=checkin_text(lang, result, app), status=200 if ok else 400
    )


async def event_roster(app: App, session: WebSession, event_id: int, fmt: str) -> Response:
    if not _staff(session):
        return Response(status_code=403)
    roster = await Events.of(app).roster(event_id)
    if roster is None or fmt not in ("csv", "xlsx"):
        return Response(status_code=404)
    sheet = roster_sheet(roster, app.tz, app.settings.default_language)
    return await download(sheet, fmt, f"roster-{event_id}")


async def event_ics(app: App, session: WebSession, event_id: int) -> Response:
    event = await Events.of(app).get(event_id)
    if event is None:
        return Response(status_code=404)
    return Response(
        calendar_file(event, app.tz, app.clock.now()),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="event-{event_id}.ics"'},
    )
