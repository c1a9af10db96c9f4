"""Telling groups about a campaign: the announcement with each committee's places, the reminder
two days before a time node to the directors' groups of committees behind it, and the staff
groups' note the day after a node naming the committees that missed it.

Each message goes through the outbox once (a dedup key per campaign, node, group); quiet hours
are kept. Personal places (独居孤寡老人) are only counted in groups, never named.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.chats import ChatRecord, Tag
from bot.inspections.campaigns import Campaign, Campaigns, Node
from bot.inspections.places import Register
from bot.inspections.progress import Coverage, coverage
from bot.messages import Reply
from bot.notices.delivery import send_time

if TYPE_CHECKING:
    from bot.app import App

REMIND_BEFORE = timedelta(days=2)


def _day(day: date) -> str:
    return f"{day.month}月{day.day}日"


def nodes_line(app: App, campaign: Campaign) -> str:
    say = app.notifier.group_text
    if not campaign.nodes:
        return say("inspections.nodes.none")
    return "；".join(
        say("inspections.node", day=_day(n.due_on), percent=n.percent) for n in campaign.nodes
    )


async def directors_groups(app: App, committee_id: int | None) -> list[ChatRecord]:
    """A committee's own directors' groups, else the subdistrict-wide ones (no committee)."""
    groups = await app.chats.groups(tags=[Tag.DIRECTORS])
    groups = [g for g in groups if Tag.RESIDENTS not in g.tags]  # never where residents read
    own = [g for g in groups if committee_id is not None and g.committee_id == committee_id]
    return own or [g for g in groups if g.committee_id is None]


async def _post(app: App, group: ChatRecord, body: str, dedup_key: str) -> None:
    await app.outbox.put(
        group.address,
        Reply(body),
        dedup_key=dedup_key,
        not_before=send_time(app, group, urgent=False),
    )


async def announce(app: App, campaign: Campaign) -> int:
    """The campaign to the directors' groups, with the places of each committee; the number
    of groups told."""
    say = app.notifier.group_text
    places = await Register(app).search(campaign.committee_ids, campaign.kinds)
    head = say(
        "inspections.announce",
        title=campaign.title,
        start=campaign.starts_on.isoformat(),
        end=campaign.ends_on.isoformat(),
        kinds="、".join(campaign.kinds),
        nodes=nodes_line(app, campaign),
    )
    groups: dict[str, ChatRecord] = {}
    for committee_id in campaign.committee_ids:
        for group in await directors_groups(app, committee_id):
            groups[str(group.address)] = group
    for group in groups.values():
        shown = [
            (cid, name)
            for cid, name in zip(campaign.committee_ids, campaign.committees, strict=True)
            if group.committee_id in (None, cid)
        ]
        lines = [head]
        for cid, name in shown:
            own = [p for p in places if p.committee_id == cid]
            lines.append(say("inspections.announce.committee", committee=name, count=len(own)))
            personal = [p for p in own if p.personal]
            lines += [
                say("inspections.announce.place", kind=p.kind, name=p.name, address=p.address)
                for p in own
                if not p.personal
            ]
            if personal:
                lines.append(say("inspections.announce.personal", count=len(personal)))
        lines.append(say("inspections.announce.how"))
        await _post(app, group, "\n".join(lines), f"insp:{campaign.id}:announce:{group.address}")
    return len(groups)


def _end_of(day: date, app: App) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=app.tz)


async def remind_nodes(app: App) -> int:
    """Run daily: reminders two days before a node, the missed list the day after; the number
    of messages queued (each only once, however often this runs)."""
    today = app.clock.now().astimezone(app.tz).date()
    queued = 0
    for campaign in await Campaigns(app).all():
        for node in campaign.nodes:
            if today == node.due_on - REMIND_BEFORE:
                queued += await _remind(app, campaign, node)
            elif today == node.due_on + timedelta(days=1):
                queued += await _missed(app, campaign, node)
    return queued


def _behind(rows: Sequence[Coverage], node: Node) -> list[Coverage]:
    return [c for c in rows if c.places and c.percent < node.percent]


async def _remind(app: App, campaign: Campaign, node: Node) -> int:
    say = app.notifier.group_text
    queued = 0
    for row in _behind(await coverage(app, campaign), node):
        body = say(
            "inspections.remind",
            title=campaign.title,
            committee=row.committee,
            day=_day(node.due_on),
            percent=node.percent,
            checked=row.checked,
            places=row.places,
            now=row.percent,
            needed=max(0, -(-node.percent * row.places // 100) - row.checked),
        )
        for group in await directors_groups(app, row.committee_id):
            key = f"insp:{campaign.id}:node:{node.due_on}:remind:{row.committee_id}:{group.address}"
            await _post(app, group, body, key)
            queued += 1
    return queued


async def _missed(app: App, campaign: Campaign, node: Node) -> int:
    say = app.notifier.group_text
    rows = await coverage(app, campaign, today=node.due_on, until=_end_of(node.due_on, app))
    missed = _behind(rows, node)
    if not missed:
        return 0
    lines = [
        say("inspections.missed", title=campaign.title, day=_day(node.due_on), percent=node.percent)
    ]
    lines += [
        say(
            "inspections.missed.line",
            committee=c.committee,
            checked=c.checked,
            places=c.places,
            now=c.percent,
        )
        for c in missed
    ]
    queued = 0
    for group in await app.chats.groups(tags=[Tag.STAFF]):
        if Tag.RESIDENTS in group.tags:
            continue
        await _post(
            app,
            group,
            "\n".join(lines),
            f"insp:{campaign.id}:node:{node.due_on}:missed:{group.address}",
        )
        queued += 1
    return queued
