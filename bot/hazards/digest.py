"""The daily digest of overdue hazard reports and the weekly summary, for the staff groups.

The scheduler calls ``send_digests(app, "daily")`` every morning and ``send_digests(app,
"weekly")`` on Mondays at 09:00; ``juwei reports digest`` sends one now. Dedup keys per day
and per week mean a retry or a second process never posts twice.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from bot.chats import Tag
from bot.hazards import repo
from bot.hazards.chart import Bar, committee_mark, weekly_chart
from bot.hazards.model import OPEN, Category, Status
from bot.hazards.repo import Filters
from bot.hazards.service import HazardService
from bot.inspections.campaigns import Campaigns
from bot.inspections.progress import coverage
from bot.messages import Attachment, Reply

if TYPE_CHECKING:
    from bot.app import App

Kind = Literal["daily", "weekly"]


async def overdue_digest(app: App, *, include_sensitive: bool = True) -> Reply | None:
    """The overdue reports, oldest first; None when nothing is overdue."""
    service = HazardService.of(app)
    now = app.clock.now()
    reports = [
        r
        for r in reversed(await service.overdue())
        if include_sensitive or not r.category.sensitive
    ]
    if not reports:
        return None
    say = app.notifier.group_text
    lines = [
        say(
            "hazard.digest.daily_head",
            date=now.astimezone(app.tz).strftime("%Y-%m-%d"),
            count=len(reports),
        )
    ]
    for report in reports:
        overdue = service.rules.overdue(report, now)
        lines.append(
            say(
                "hazard.digest.daily_line",
                ref=report.ref,
                category_key=report.category.key,
                committee=report.committee_name,
                address=report.address,
                status=say(f"hazard.overdue.{overdue}", status=say(report.status.key)),
                days=(now - report.created_at).days,
            )
        )
    return Reply("\n".join(lines), urgent=any(r.urgent for r in reports))


def _trend(say: Callable[..., str], now: int, before: int) -> str:
    change = now - before
    if change == 0:
        return say("hazard.digest.trend_same")
    key = "hazard.digest.trend_up" if change > 0 else "hazard.digest.trend_down"
    return say(key, change=abs(change))


@dataclass(frozen=True)
class WeekFigures:
    """What the weekly summary says, counted in SQL: only the two weeks' reports are read
    (the index on filing time), plus counts by status over all of them."""

    start: datetime
    end: datetime
    week: repo.Filed
    last_week: repo.Filed
    by_status: Counter[Status]
    closed: int  # reached a final status this week
    overdue: int


async def week_figures(app: App) -> WeekFigures:
    service = HazardService.of(app)
    now = app.clock.now()
    start, last_start = now - timedelta(days=7), now - timedelta(days=14)
    return WeekFigures(
        start=start,
        end=now,
        week=await repo.filed_between(app.db, start),
        last_week=await repo.filed_between(app.db, last_start, start),
        by_status=await repo.by_status(app.db),
        closed=await repo.closed_since(app.db, start),
        overdue=await service.count(Filters(overdue_cutoffs=service.overdue_cutoffs())),
    )


async def weekly_summary(app: App, *, numbered: bool = False, chart: bool = True) -> Reply:
    """Counts by status (all reports), by category (with last week's) and committee (this
    week), with a chart; ``numbered`` draws the chart's numbered stand-in bars. ``chart``
    False: the text alone (importing matplotlib and drawing cost about a second)."""
    say = app.notifier.group_text
    figures = await week_figures(app)
    week, by_status = figures.week, figures.by_status
    period = (
        figures.start.astimezone(app.tz).strftime("%Y-%m-%d"),
        figures.end.astimezone(app.tz).strftime("%Y-%m-%d"),
    )
    totals = {
        "new": week.total,
        "urgent": week.urgent,
        "closed": figures.closed,
        "open": sum(by_status[s] for s in OPEN),
        "overdue": figures.overdue,
    }
    lines = [
        say("hazard.digest.weekly_head", start=period[0], end=period[1]),
        say("hazard.digest.weekly_totals", **totals),
    ]
    by_category = week.by_category
    before = figures.last_week.by_category
    by_committee = week.by_committee
    lines.append(say("hazard.digest.by_status"))
    rows = [(say(s.key), by_status[s]) for s in Status if by_status[s]]
    lines += [say("hazard.digest.count_line", label=k, count=n) for k, n in rows]
    if not rows:
        lines.append(say("hazard.digest.none"))
    lines.append(say("hazard.digest.by_category"))
    shown = [c for c in Category if by_category[c] or before[c]]
    lines += [
        say(
            "hazard.digest.category_line",
            label=say(c.key),
            count=by_category[c],
            before=before[c],
            trend=_trend(say, by_category[c], before[c]),
        )
        for c in shown
    ]
    if not shown:
        lines.append(say("hazard.digest.none"))
    lines.append(say("hazard.digest.by_committee"))
    names = [c.name for c in await app.committees.residents()]
    names += sorted(set(by_committee) - set(names))
    ranked = sorted(names, key=lambda name: -by_committee[name])
    lines += [
        say("hazard.digest.count_line", label=name, count=by_committee[name])
        for name in ranked
        if by_committee[name]
    ]
    if not week.total:
        lines.append(say("hazard.digest.none"))
    coverage = await _campaign_lines(app, lines)
    if not chart:
        return Reply("\n".join(lines))

    picture = await asyncio.to_thread(
        weekly_chart,
        [Bar(say(f"hazard.chart.category.{c.value}"), by_category[c], before[c]) for c in Category],
        [Bar(name, by_committee[name]) for name in names],
        lang=app.settings.default_language,
        period=period,
        totals=totals,
        numbered=numbered,
        coverage=coverage,
    )
    if picture.font is None:  # numbered bars: the text says which is which
        categories = "、".join(f"{n} {say(c.key)}" for n, c in enumerate(Category, 1))
        committees = "、".join(f"{committee_mark(n)} {name}" for n, name in enumerate(names))
        lines.append(say("hazard.digest.chart", labels=categories, committees=committees))
    photo = Attachment(say("hazard.digest.chart_name"), data=picture.png, mime_type="image/png")
    return Reply("\n".join(lines), photo=photo)


async def _campaign_lines(app: App, lines: list[str]) -> dict[str, int]:
    """A line per running inspection campaign (专项行动); the share of places checked per
    committee over all of them, for the chart."""
    say = app.notifier.group_text
    running = await Campaigns(app).running()
    if running:
        lines.append(say("inspections.weekly.head"))
    places: Counter[str] = Counter()
    checked: Counter[str] = Counter()
    for campaign in running:
        rows = await coverage(app, campaign)
        for row in rows:
            places[row.committee] += row.places
            checked[row.committee] += row.checked
        total = sum(r.places for r in rows)
        done = sum(r.checked for r in rows)
        lines.append(
            say(
                "inspections.weekly.line",
                title=campaign.title,
                checked=done,
                places=total,
                percent=round(100 * done / total) if total else 100,
                hazards=sum(r.hazards for r in rows),
                closed=sum(r.hazards_closed for r in rows),
            )
        )
    return {name: round(100 * checked[name] / n) for name, n in places.items() if n}


async def send_digests(app: App, kind: Kind, *, weekly: Reply | None = None) -> int:
    """Posts the digest of this kind to every staff group; returns how many were queued.

    ``weekly`` is a weekly summary made already (the CLI's, whose picture it also saved)."""
    local_now = app.clock.now().astimezone(app.tz)
    if kind == "daily":
        period = local_now.strftime("%Y-%m-%d")
    else:
        year, week, _ = local_now.isocalendar()
        period = f"{year}-W{week:02d}"
    groups = await app.chats.groups(tags=[Tag.STAFF])
    keys = {group.address: f"hz:digest:{kind}:{period}:{group.address}" for group in groups}
    if kind == "weekly" and weekly is None:
        # The chart is drawn only for a group still to be sent this week's summary.
        sent = await app.outbox.queued(list(keys.values()))
        weekly = await weekly_summary(app, chart=any(key not in sent for key in keys.values()))
    queued = 0
    for group in groups:
        if weekly is not None:
            reply: Reply | None = weekly
        else:
            reply = await overdue_digest(app, include_sensitive=Tag.RESIDENTS not in group.tags)
        if reply is None:
            continue
        if await app.notifier.group(group.address, reply, dedup_key=keys[group.address]):
            queued += 1
    return queued
