"""通知 for staff: what is scheduled in the next 7 or 30 days with its groups, the upcoming
meetings with their reminders (cancelled from the page through ``MeetingService.cancel``, as
/cancelmeeting), and each notice's latest delivery report (sent, waiting, failed, 收到),
refreshed while it is sending."""

from __future__ import annotations

from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.app import App
from bot.clock import local
from bot.i18n import text
from bot.notices import campaign
from bot.notices.delivery import format_report, latest_occurrence, report
from bot.notices.meetings import MeetingService
from bot.notices.repo import Notice, NoticeRepo, Status, Targets
from bot.notices.schedule import next_after
from bot.platforms.workbench.render import page
from bot.roles import Role
from bot.workbench.signin import WebSession

WINDOWS = (7, 30)
REFRESH_SECONDS = 10


async def _targets(app: App, lang: str, targets: Targets) -> str:
    if targets.everyone:
        return text(lang, "notices.to_everyone")
    parts = [text(lang, f"tag.{tag.value}") for tag in targets.tags]
    for committee_id in targets.committees:
        committee = await app.committees.resident_by_id(committee_id)
        name = committee.name if committee else committee_id
        parts.append(text(lang, "committee.label", name=name))
    return "、".join(parts)


def _next(app: App, notice: Notice, now: datetime) -> datetime | None:
    if notice.status is not Status.ACTIVE:
        return None
    return next_after(
        notice.schedule, now, tz=app.tz, since=notice.since, meeting_at=notice.meeting_at
    )


async def notice_list(app: App, request: Request, session: WebSession) -> Response:
    lang = app.notifier.language_of(session.user)
    if session.user.role < Role.STAFF:
        return page("message.html", lang, 403, session=session, message_key="workbench.staff_only")
    days = 30 if request.query_params.get("days") == "30" else 7
    now = app.clock.now()
    summer = await _summer(app, lang, now)
    rows = []
    for notice in await NoticeRepo(app.db, app.clock).all(statuses=(Status.ACTIVE, Status.PAUSED)):
        upcoming = _next(app, notice, now)
        if upcoming is None or upcoming > now + timedelta(days=days):
            continue
        rows.append(
            {
                "notice": notice,
                "next": local(upcoming, app.tz),
                "kind": text(lang, f"notices.kind.{notice.kind.value}"),
                "title": notice.title or notice.body[:24],
                "targets": await _targets(app, lang, notice.targets),
            }
        )
    rows.sort(key=lambda row: str(row["next"]))  # local "YYYY-MM-DD HH:MM" sorts in time order
    return page(
        "notices.html",
        lang,
        session=session,
        rows=rows,
        days=days,
        windows=WINDOWS,
        meetings=await _meetings(app, lang, now),
        summer=summer,
        done=request.query_params.get("done", ""),
    )


async def _summer(app: App, lang: str, now: datetime) -> dict[str, object] | None:
    """The summer fire-prevention campaign: on or paused, its days, when it next goes out."""
    notice = await campaign.ensure(app)
    if notice is None:
        return None  # switched off in the settings
    days = getattr(notice.schedule, "weekdays", ())
    upcoming = next_after(notice.schedule, now, tz=app.tz, since=notice.since)
    return {
        "notice": notice,
        "paused": notice.status is Status.PAUSED,
        "days": "、".join(text(lang, f"notices.weekday.{d}") for d in days),
        "season": f"{getattr(notice.schedule, 'start', '')}–{getattr(notice.schedule, 'end', '')}",
        "next": local(upcoming, app.tz) if upcoming is not None else "—",
        "tips": len(await campaign.tips(app)),
    }


async def pause_summer(app: App, session: WebSession, pause: bool) -> Response:
    """Pause or resume the summer campaign, as ``/campaign pause|resume`` does in chat."""
    lang = app.notifier.language_of(session.user)
    if session.user.role < Role.STAFF:
        return page("message.html", lang, 403, session=session, message_key="workbench.staff_only")
    await campaign.set_paused(app, pause)
    return RedirectResponse(f"/notices?done={'paused' if pause else 'resumed'}", status_code=303)


async def _meetings(app: App, lang: str, now: datetime) -> list[dict[str, object]]:
    """Upcoming meetings, each with when its reminders go (those still to come)."""
    service = MeetingService(app)
    found = []
    for meeting in await service.upcoming():
        reminders = [_next(app, n, now) for n in await service.reminders(meeting.id)]
        found.append(
            {
                "meeting": meeting,
                "when": local(meeting.starts_at, app.tz),
                "targets": await _targets(app, lang, meeting.targets),
                "reminders": sorted(local(r, app.tz) for r in reminders if r is not None),
            }
        )
    return found


async def cancel_meeting(app: App, session: WebSession, meeting_id: int) -> Response:
    """Call the meeting off: its reminders stop and its groups are told, as /cancelmeeting."""
    lang = app.notifier.language_of(session.user)
    if session.user.role < Role.STAFF:
        return page("message.html", lang, 403, session=session, message_key="workbench.staff_only")
    cancelled = await MeetingService(app).cancel(meeting_id)
    if cancelled is None:
        return page(
            "message.html", lang, 404, session=session, message_key="notices.meeting.not_found"
        )
    return RedirectResponse(f"/notices?done=meeting-{meeting_id}", status_code=303)


async def notice_report(app: App, session: WebSession, notice_id: int) -> Response:
    lang = app.notifier.language_of(session.user)
    if session.user.role < Role.STAFF:
        return page("message.html", lang, 403, session=session, message_key="workbench.staff_only")
    occurrence = await latest_occurrence(app, notice_id)
    result = await report(app, occurrence) if occurrence else None
    if result is None:
        return page("message.html", lang, 404, session=session, message_key="workbench.not_found")
    return page(
        "notice.html",
        lang,
        session=session,
        notice_id=notice_id,
        body=format_report(lang, result, limit=200),
        refresh=REFRESH_SECONDS if result.waiting else None,
    )
