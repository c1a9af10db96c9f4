"""Reminders to the residents' groups 3 days and 1 day before a poll's deadline, and its result
at the deadline: each exactly once per group (an outbox dedup key), never in quiet hours.

The scheduler calls ``sweep(app)`` every 10 minutes; each message is written when its moment
has come, so the participation it gives is the current one. No individual answers, no rooms.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import local
from bot.i18n import text
from bot.messages import Link, Reply
from bot.notices.delivery import send_time
from bot.polls.service import BUILDING, Poll, Polls
from bot.polls.tally import Tally
from bot.polls.views import totals_text

if TYPE_CHECKING:
    from bot.app import App

REMINDERS = (("1d", timedelta(days=1)), ("3d", timedelta(days=3)))  # the nearest first


def _join_hint(app: App, poll: Poll, platform: str) -> tuple[str, tuple[Link, ...]]:
    lang = app.settings.default_language
    url = app.deep_link(platform, f"poll_{poll.id}")
    key = "polls.how_building" if poll.kind == BUILDING else "polls.how_simple"
    hint = text(lang, key, id=poll.id)
    return hint, ((Link(text(lang, "polls.open_link"), url),) if url else ())


async def announce(app: App, poll: Poll) -> int:
    """The poll posted to its groups (quiet hours respected); how many groups."""
    lang = app.settings.default_language
    groups = await Polls.of(app).groups(poll, app.chats)
    for group in groups:
        hint, links = _join_hint(app, poll, group.platform)
        body = text(
            lang,
            "polls.announce",
            title=poll.title,
            where=poll.building or poll.committee or "",
            deadline=local(poll.deadline, app.tz),
            how=hint,
        )
        await app.outbox.put(
            group.address,
            Reply(body, links=links),
            dedup_key=f"poll:{poll.id}:announce:{group.address}",
            not_before=send_time(app, group, urgent=False),
        )
    return len(groups)


async def _post(app: App, poll: Poll, what: str, body: str) -> int:
    queued = 0
    for group in await Polls.of(app).groups(poll, app.chats):
        hint, links = _join_hint(app, poll, group.platform) if what != "result" else ("", ())
        queued += await app.outbox.put(
            group.address,
            Reply("\n".join(filter(None, (body, hint))), links=links),
            dedup_key=f"poll:{poll.id}:{what}:{group.address}",
            not_before=send_time(app, group, urgent=False),
        )
    return queued


async def sweep(app: App) -> int:
    """Queue every reminder and result whose moment has come; how many messages."""
    now = app.clock.now()
    lang = app.settings.default_language
    service = Polls.of(app)
    queued = 0
    for poll in await service.all():
        if now < poll.deadline - REMINDERS[-1][1]:
            continue
        tally = await service.tally(poll) if poll.kind == BUILDING else None
        counts = await service.option_counts(poll) if poll.kind != BUILDING else []
        if poll.closed(now):
            if now - poll.deadline > timedelta(days=7):
                continue  # long settled: its result went out then, or was never wanted
            body = (
                text(lang, "polls.result_post")
                + "\n"
                + totals_text(lang, poll, app.tz, tally, counts)
            )
            queued += await _post(app, poll, "result", body)
            continue
        # Only the nearest reminder due: a bot that was down does not send both at once.
        name = next(n for n, ahead in REMINDERS if now >= poll.deadline - ahead)
        body = text(
            lang,
            "polls.reminder",
            title=poll.title,
            where=poll.building or poll.committee or "",
            deadline=local(poll.deadline, app.tz),
            progress=_progress(lang, poll, tally, counts),
        )
        queued += await _post(app, poll, f"remind:{name}", body)
    return queued


def _progress(lang: str, poll: Poll, tally: Tally | None, counts: list[tuple[str, int]]) -> str:
    if tally is not None:
        return text(
            lang,
            "polls.reminder_progress",
            count=tally.participated.count,
            households=tally.households,
        )
    return text(lang, "polls.reminder_progress_simple", count=sum(n for _, n in counts))
