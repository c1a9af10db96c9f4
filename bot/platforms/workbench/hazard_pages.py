"""隐患 pages: the filtered list, one report with its actions, photos and the export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.app import App
from bot.clock import local
from bot.hazards.export import headers, rows
from bot.hazards.model import Category, Department, HazardError, Report, Status, may_view
from bot.hazards.repo import Filters
from bot.hazards.service import HazardService
from bot.hazards.views import history_line
from bot.i18n import text
from bot.parsing import strip_controls
from bot.platforms.workbench.render import download, page
from bot.roles import Role
from bot.sheets import Sheet
from bot.users import User
from bot.workbench.signin import WebSession

PAGE_SIZE = 20


@dataclass(frozen=True)
class Query:
    """The list's filters as typed in the form, kept for the pager and export links."""

    values: dict[str, str]

    @classmethod
    def of(cls, request: Request) -> Query:
        names = ("status", "category", "committee", "overdue", "from", "to", "q")
        return cls({n: request.query_params.get(n, "").strip() for n in names})

    def link(self, **more: object) -> str:
        merged = {**self.values, **{k: str(v) for k, v in more.items()}}
        return urlencode({k: v for k, v in merged.items() if v})


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


async def filters(app: App, service: HazardService, query: Query) -> Filters:
    """Unknown values are ignored rather than refused: the form only offers valid ones."""
    v = query.values
    committee = await app.committees.resident_by_name(v["committee"]) if v["committee"] else None
    first, last = _day(v["from"]), _day(v["to"])
    return Filters(
        status=Status(v["status"]) if v["status"] in set(Status) else None,
        category=Category(v["category"]) if v["category"] in set(Category) else None,
        committee_id=committee.id if committee else None,
        since=datetime.combine(first, time(), tzinfo=app.tz) if first else None,
        until=datetime.combine(last + timedelta(days=1), time(), tzinfo=app.tz) if last else None,
        overdue_cutoffs=service.overdue_cutoffs() if v["overdue"] else None,
        words=v["q"] or None,
    )


def lang_of(app: App, user: User) -> str:
    return app.notifier.language_of(user)


async def hazard_list(app: App, request: Request, session: WebSession) -> Response:
    service = HazardService.of(app)
    query = Query.of(request)
    try:
        number = int(request.query_params.get("page", "1"))
    except ValueError:
        number = 1
    found = await service.page(session.user, await filters(app, service, query), number, PAGE_SIZE)
    now = app.clock.now()
    rows = [
        {
            "report": r,
            "overdue": service.rules.overdue(r, now),
            "filed": local(r.created_at, app.tz),
        }
        for r in found.reports
    ]
    return page(
        "hazards.html",
        lang_of(app, session.user),
        session=session,
        rows=rows,
        found=found,
        query=query,
        statuses=list(Status),
        categories=list(Category),
        committees=await app.committees.residents(),
        director=session.user.role is Role.DIRECTOR,
    )


async def _visible(app: App, session: WebSession, ref: str) -> Report | None:
    report = await HazardService.of(app).by_ref(ref)
    if report is None or not may_view(session.user, report):
        return None
    return report


def _may_see_reporter(user: User, report: Report) -> bool:
    """The reporter's name and phone: staff, and the director of the report's committee."""
    return user.role >= Role.STAFF or (
        user.role is Role.DIRECTOR and user.committee_id == report.committee_id
    )


async def hazard_page(
    app: App, session: WebSession, ref: str, *, error: str = "", done: str = "", status: int = 200
) -> Response:
    lang = lang_of(app, session.user)
    report = await _visible(app, session, ref)
    if report is None:
        return page("message.html", lang, 404, session=session, message_key="workbench.not_found")
    service = HazardService.of(app)
    t = partial(text, lang)
    reporter = None
    if _may_see_reporter(session.user, report):
        reporter = await app.users.by_id(report.reporter_id)
    history = [
        strip_controls(history_line(t, e, app.tz, names=reporter is not None))
        for e in await service.history(report)
    ]
    photos = [i for i, p in enumerate(await service.photos(report)) if p.sha256 and not p.unsaved]
    return page(
        "hazard.html",
        lang,
        status,
        session=session,
        report=report,
        overdue=service.rules.overdue(report, app.clock.now()),
        filed=local(report.created_at, app.tz),
        reporter=reporter,
        history=history,
        photos=photos,
        targets=service.targets(session.user, report),
        departments=list(Department),
        error=error,
        done=done,
    )


async def hazard_move(app: App, session: WebSession, ref: str, form: dict[str, str]) -> Response:
    lang = lang_of(app, session.user)
    report = await _visible(app, session, ref)
    if report is None:
        return page("message.html", lang, 404, session=session, message_key="workbench.not_found")
    department = form.get("department", "")
    try:
        target = Status(form.get("status", ""))
        moved = await HazardService.of(app).move(
            session.user,
            report.id,
            target,
            form.get("note", ""),
            department=Department(department) if department else None,
            duplicate_of=form.get("duplicate_of") or None,
            channel="workbench",
        )
    except ValueError:
        return await hazard_page(
            app, session, ref, error=text(lang, "workbench.bad_choice"), status=400
        )
    except HazardError as exc:
        return await hazard_page(
            app, session, ref, error=text(lang, exc.key, **exc.params), status=400
        )
    return RedirectResponse(f"/hazards/{moved.ref}?done={moved.status.value}", status_code=303)


async def hazard_photo(app: App, session: WebSession, ref: str, n: int) -> Response:
    report = await _visible(app, session, ref)
    photos = await HazardService.of(app).photos(report) if report else []
    if not 0 <= n < len(photos) or not photos[n].sha256:
        return Response(status_code=404)
    data = await app.media.load(photos[n].sha256 or "")
    if data is None:
        return Response(status_code=404)
    return Response(data, media_type=photos[n].mime or "application/octet-stream")


async def hazard_export(app: App, request: Request, session: WebSession, fmt: str) -> Response:
    """The filtered list as a spreadsheet; names and phones only for staff, as on the pages."""
    service = HazardService.of(app)
    found = await service.page(
        session.user, await filters(app, service, Query.of(request)), 1, 1_000_000
    )
    with_reporter = session.user.role >= Role.STAFF
    titles, widths = headers(app, with_reporter=with_reporter)
    lines = await rows(app, list(reversed(found.reports)), with_reporter=with_reporter)
    sheet = Sheet(text(app.settings.default_language, "hazard.export.sheet"), titles, widths, lines)
    day = app.clock.now().astimezone(app.tz).strftime("%Y%m%d")
    return await download(sheet, fmt, f"hazards-{day}")
