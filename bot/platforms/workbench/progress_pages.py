"""排摸 and 征询: each running campaign's coverage per committee with the places still to check
and its progress spreadsheet (as ``juwei inspections progress ID --format xlsx``); each
consultation's totals and result figures (as ``juwei polls result``) with the rooms still to
visit, and the household codes for the 征询函 (as ``juwei polls codes``).

Places still to check follow the register's rule (``may_see``): a personal row (an elderly
person's home) only for staff and that committee's director, masked for anyone else; rooms still
to visit (with owners) and the household codes only for staff and the poll's own director, as
``/poll`` status in chat. A director's spreadsheet holds their own committee's places only.
"""

from __future__ import annotations

from starlette.responses import Response

from bot.app import App
from bot.i18n import text
from bot.inspections.campaigns import Campaigns
from bot.inspections.places import may_see
from bot.inspections.progress import coverage, place_sheet, statuses
from bot.platforms.workbench.render import download, page
from bot.polls.cli import codes_sheet
from bot.polls.service import BUILDING, Polls
from bot.polls.views import result_json, status_text, totals_text
from bot.roles import Role
from bot.workbench.signin import WebSession


def _own(session: WebSession, committee_id: int | None) -> bool:
    user = session.user
    return user.role >= Role.STAFF or (
        user.role is Role.DIRECTOR
        and committee_id is not None
        and committee_id == user.committee_id
    )


async def inspections_page(app: App, session: WebSession) -> Response:
    lang = app.notifier.language_of(session.user)
    today = app.clock.now().astimezone(app.tz).date()
    shown = []
    for campaign in await Campaigns(app).running():
        rows = [
            c for c in await coverage(app, campaign, today=today) if _own(session, c.committee_id)
        ]
        places = [
            s.place if may_see(session.user, s.place) else s.place.masked()
            for s in await statuses(app, campaign)
            if not s.checked and _own(session, s.place.committee_id)
        ]
        shown.append((campaign, rows, places))
    return page("inspections.html", lang, session=session, campaigns=shown)


async def polls_page(app: App, session: WebSession) -> Response:
    lang = app.notifier.language_of(session.user)
    service = Polls.of(app)
    now = app.clock.now()
    shown = []
    for poll in await service.all():
        if session.user.role is Role.DIRECTOR and poll.committee_id not in (
            None,
            session.user.committee_id,
        ):
            continue
        tally = await service.tally(poll) if poll.kind == BUILDING else None
        counts = await service.option_counts(poll) if poll.kind != BUILDING else []
        if _own(session, poll.committee_id):
            rows = await service.households(poll.id) if poll.kind == BUILDING else []
            body = status_text(lang, poll, app.tz, tally, counts, rows)
        else:
            body = totals_text(lang, poll, app.tz, tally, counts)
        state = "workbench.polls.closed" if poll.closed(now) else "workbench.polls.open"
        figures = result_json(poll, app.tz, now, tally, counts) if tally is not None else None
        shown.append((poll, text(lang, state), body, figures, _own(session, poll.committee_id)))
    return page("polls.html", lang, session=session, polls=shown)


async def campaign_export(app: App, session: WebSession, campaign_id: int) -> Response:
    """The progress spreadsheet, one row per place: every committee's for staff, a director's
    own committee's (with its personal rows, which the register shows them) for a director."""
    campaign = await Campaigns(app).get(campaign_id)
    if campaign is None:
        return Response(status_code=404)
    rows = [s for s in await statuses(app, campaign) if _own(session, s.place.committee_id)]
    if not rows and session.user.role < Role.STAFF:
        return Response(status_code=403)
    sheet = place_sheet(app, campaign, rows, include_personal=True)
    return await download(sheet, "xlsx", f"inspections-{campaign.id}")


async def poll_codes(app: App, session: WebSession, poll_id: int, fmt: str) -> Response:
    """The household codes for the 征询函: each code lets its household answer, so only staff
    and the poll's own director get them."""
    service = Polls.of(app)
    poll = await service.get(poll_id)
    if poll is None or poll.kind != BUILDING or fmt not in ("csv", "xlsx"):
        return Response(status_code=404)
    if not _own(session, poll.committee_id):
        return Response(status_code=403)
    sheet = codes_sheet(app, poll, await service.households(poll.id))
    return await download(sheet, fmt, f"codes-{poll.id}")
