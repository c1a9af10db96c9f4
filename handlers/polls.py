"""/poll (意见征询): answering starts the flow in ``conversations/polls.py``; ``/poll status ID``
gives staff and the poll's director the totals, thresholds and the rooms still to visit;
``/poll result ID`` gives anyone the totals once they may see them.
"""

from __future__ import annotations

from bot.context import Context
from bot.messages import Link, Reply
from bot.polls.service import ALWAYS, BUILDING, Poll, Polls, sees_answers, sees_totals
from bot.polls.views import status_text, totals_text
from bot.roles import Role, allows

STATUS_WORDS = frozenset({"status", "状态", "进度"})
RESULT_WORDS = frozenset({"result", "结果", "总数"})


async def poll(ctx: Context) -> None:
    args = ctx.incoming.args
    word = args[0].lower() if args else ""
    if word in STATUS_WORDS:
        await status(ctx, args[1:])
        return
    if word in RESULT_WORDS:
        await result(ctx, args[1:])
        return
    if ctx.chat.is_group:  # a code typed in a group is not read, nor repeated
        url = ctx.app.deep_link(ctx.chat.platform, "poll")
        ctx.say("polls.private_only", links=[Link(ctx.t("polls.open_link"), url)] if url else [])
        return
    await ctx.router.run_command(ctx, "poll_answer", args)


async def _named(ctx: Context, args: tuple[str, ...], usage: str) -> Poll | None:
    if not args or not args[0].isdigit():
        ctx.say(usage)
        return None
    found = await Polls.of(ctx.app).get(int(args[0]))
    if found is None:
        ctx.say("polls.not_found", id=args[0])
    return found


async def status(ctx: Context, args: tuple[str, ...]) -> None:
    """Who still has to answer is for staff and the poll's director, in a private chat."""
    if not allows(ctx.user.role, Role.DIRECTOR):
        ctx.say("router.not_allowed", role=ctx.t("role.director"))
        return
    if ctx.chat.is_group:
        ctx.say("polls.status_private")
        return
    found = await _named(ctx, args, "polls.status_usage")
    if found is None:
        return
    if not sees_answers(found, ctx.user):
        ctx.say("polls.not_your_committee")
        return
    service = Polls.of(ctx.app)
    tally = await service.tally(found) if found.kind == BUILDING else None
    counts = await service.option_counts(found) if found.kind != BUILDING else []
    rows = await service.households(found.id)
    ctx.reply(Reply(status_text(ctx.lang, found, ctx.app.tz, tally, counts, rows)))


async def result(ctx: Context, args: tuple[str, ...]) -> None:
    """The totals, never who answered what: before the deadline only where the poll allows."""
    found = await _named(ctx, args, "polls.result_usage")
    if found is None:
        return
    now = ctx.app.clock.now()
    # A group is residents: running totals reach it only where the poll makes them public.
    public = found.totals_public == ALWAYS or found.closed(now)
    if not (public if ctx.chat.is_group else sees_totals(found, ctx.user, now)):
        ctx.say("polls.totals_later")
        return
    service = Polls.of(ctx.app)
    tally = await service.tally(found) if found.kind == BUILDING else None
    counts = await service.option_counts(found) if found.kind != BUILDING else []
    ctx.reply(Reply(totals_text(ctx.lang, found, ctx.app.tz, tally, counts)))
