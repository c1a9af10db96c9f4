"""排摸 and 征询 progress, read only: each running campaign's coverage per committee with the
places still to check, and each consultation's totals with the rooms still to visit.

Places still to check follow the register's rule (``may_see``): a personal row (an elderly
person's home) only for staff and that committee's director, masked for anyone else; rooms still
to visit (with owners) only for staff and the poll's own director, as ``/poll`` status in chat.
"""

from __future__ import annotations

from starlette.responses import Response

from bot.app import App
from bot.i18n import text
from bot.inspections.campaigns import Campaigns
from bot.inspections.places import may_see
from bot.inspections.progress import coverage, statuses
from bot.platforms.workbench.render import page
from bot.polls.service import BUILDING, Polls
from bot.polls.views import status_text, totals_text
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
        shown.append((poll, text(lang, state), body))
    return page("polls.html", lang, session=session, polls=shown)
