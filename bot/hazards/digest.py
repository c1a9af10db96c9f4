"""The daily digest of overdue hazard reports and the weekly summary, for the staff groups.

The scheduler calls ``send_digests(app, "daily")`` every morning and ``send_digests(app,
"weekly")`` on Mondays at 09:00; ``juwei reports digest`` sends one now. Dedup keys per day
and per week mean a retry or a second process never posts twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from bot.chats import Tag
from bot.hazards.chart import bar_chart
from bot.hazards.model import FINAL, OPEN, Category, Status
from bot.hazards.repo import Filters
from bot.hazards.service import HazardService
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


async def weekly_summary(app: App) -> Reply:
    """Counts by status (all reports), by category and committee (this week), with a chart."""
    service = HazardService.of(app)
    say = app.notifier.group_text
    now = app.clock.now()
    start = now - timedelta(days=7)
    everything = await service.search(Filters())
    week = [r for r in everything if r.created_at >= start]
    closed = [r for r in everything if r.closed_at and r.closed_at >= start and r.status in FINAL]
    open_now = [r for r in everything if r.status in OPEN]
    overdue = [r for r in open_now if service.rules.overdue(r, now)]

    lines = [
        say(
            "hazard.digest.weekly_head",
            start=start.astimezone(app.tz).strftime("%Y-%m-%d"),
            end=now.astimezone(app.tz).strftime("%Y-%m-%d"),
        ),
        say(
            "hazard.digest.weekly_totals",
            new=len(week),
            urgent=sum(r.urgent for r in week),
            closed=len(closed),
            open=len(open_now),
            overdue=len(overdue),
        ),
    ]
    by_status = Counter(r.status for r in everything)
    by_category = Counter(r.category for r in week)
    by_committee = Counter(r.committee_name for r in week)
    sections: list[tuple[str, list[tuple[str, int]]]] = [
        ("hazard.digest.by_status", [(say(s.key), by_status[s]) for s in Status if by_status[s]]),
        (
            "hazard.digest.by_category",
            [(say(c.key), by_category[c]) for c in Category if by_category[c]],
        ),
        ("hazard.digest.by_committee", sorted(by_committee.items(), key=lambda kv: -kv[1])),
    ]
    for head, rows in sections:
        lines.append(say(head))
        lines += [say("hazard.digest.count_line", label=k, count=n) for k, n in rows]
        if not rows:
            lines.append(say("hazard.digest.none"))
    labels = ", ".join(f"{n} {say(c.key)}" for n, c in enumerate(Category, 1))
    lines.append(say("hazard.digest.chart", labels=labels))
    chart = bar_chart([by_category[c] for c in Category])
    photo = Attachment(say("hazard.digest.chart_name"), data=chart, mime_type="image/png")
    return Reply("\n".join(lines), photo=photo)


async def send_digests(app: App, kind: Kind) -> int:
    """Posts the digest of this kind to every staff group; returns how many were queued."""
    local_now = app.clock.now().astimezone(app.tz)
    if kind == "daily":
        period = local_now.strftime("%Y-%m-%d")
    else:
        year, week, _ = local_now.isocalendar()
        period = f"{year}-W{week:02d}"
    weekly = await weekly_summary(app) if kind == "weekly" else None
    queued = 0
    for group in await app.chats.groups(tags=[Tag.STAFF]):
        if weekly is not None:
            reply: Reply | None = weekly
        else:
            reply = await overdue_digest(app, include_sensitive=Tag.RESIDENTS not in group.tags)
        if reply is None:
            continue
        key = f"hz:digest:{kind}:{period}:{group.address}"
        if await app.notifier.group(group.address, reply, dedup_key=key):
            queued += 1
    return queued
