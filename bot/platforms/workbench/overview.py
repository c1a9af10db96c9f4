"""总览: open and overdue reports per committee (with a bar chart), this week's events, topics
waiting for review, running inspection campaigns with their progress, open consultations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from starlette.responses import Response

from bot.app import App
from bot.clock import local
from bot.events.service import Events
from bot.hazards.model import OPEN
from bot.hazards.repo import Filters
from bot.hazards.service import HazardService
from bot.inspections.campaigns import Campaigns
from bot.inspections.progress import coverage
from bot.platforms.workbench.render import page
from bot.polls.service import Polls
from bot.roles import Role
from bot.topics.service import Status as TopicStatus
from bot.topics.service import TopicService
from bot.workbench.signin import WebSession

BAR_HEIGHT = 22
CHART_WIDTH = 320
LABEL_WIDTH = 70


@dataclass(frozen=True)
class CommitteeLine:
    committee: str
    open: int
    overdue: int


@dataclass(frozen=True)
class Bar:
    """One row of the SVG chart: the committee's name, open and overdue bars, in pixels."""

    y: int
    label: str
    open_width: int
    overdue_width: int
    open: int
    overdue: int


def bars(lines: list[CommitteeLine]) -> list[Bar]:
    most = max((line.open for line in lines), default=0) or 1
    scale = (CHART_WIDTH - LABEL_WIDTH - 40) / most
    return [
        Bar(
            y=n * (BAR_HEIGHT + 6),
            label=line.committee,
            open_width=round(line.open * scale),
            overdue_width=round(line.overdue * scale),
            open=line.open,
            overdue=line.overdue,
        )
        for n, line in enumerate(lines)
    ]


async def overview(app: App, session: WebSession) -> Response:
    user = session.user
    service = HazardService.of(app)
    now = app.clock.now()
    committees = await app.committees.residents()
    if user.role is Role.DIRECTOR:
        committees = [c for c in committees if c.id == user.committee_id]
    lines = []
    for committee in committees:
        reports = [
            r for r in await service.search(Filters(committee_id=committee.id)) if r.status in OPEN
        ]
        overdue = sum(1 for r in reports if service.rules.overdue(r, now))
        lines.append(CommitteeLine(committee.name, len(reports), overdue))
    week_end = now + timedelta(days=7)
    events = [e for e in await Events.of(app).listing() if e.starts_at < week_end]
    waiting = await TopicService.of(app).find(statuses=(TopicStatus.SUBMITTED,))
    today = now.astimezone(app.tz).date()
    campaigns = []
    for campaign in await Campaigns(app).running():
        rows = await coverage(app, campaign, today=today)
        if user.role is Role.DIRECTOR:
            rows = [row for row in rows if row.committee_id == user.committee_id]
        campaigns.append((campaign, rows))
    polls = [p for p in await Polls.of(app).all() if not p.closed(now)]
    if user.role is Role.DIRECTOR:
        polls = [p for p in polls if p.committee_id in (None, user.committee_id)]
    return page(
        "overview.html",
        app.notifier.language_of(user),
        session=session,
        lines=lines,
        bars=bars(lines),
        chart_width=CHART_WIDTH,
        chart_height=max(1, len(lines)) * (BAR_HEIGHT + 6),
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
        events=[(e, local(e.starts_at, app.tz)) for e in events],
        waiting=len(waiting),
        campaigns=campaigns,
        polls=[(p, local(p.deadline, app.tz)) for p in polls],
    )
