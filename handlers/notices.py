"""Staff tools for notices in chat: /notices, /campaign, /meetings; and 收到 for everyone."""

from __future__ import annotations

from bot.clock import local
from bot.context import Context
from bot.messages import Option
from bot.notices import acks, campaign
from bot.notices.acks import AckResult
from bot.notices.delivery import format_report, latest_occurrence, report
from bot.notices.meetings import MeetingService
from bot.notices.repo import Notice, NoticeRepo, Status, Targets
from bot.notices.schedule import Recurring, Weekday, next_after, parse_weekdays
from bot.parsing import parse_id
from conversations.notices import RESCHEDULE


async def describe_targets(ctx: Context, targets: Targets) -> str:
    if targets.everyone:
        return ctx.t("notices.to_everyone")
    parts = [ctx.t(f"tag.{tag.value}") for tag in targets.tags]
    for committee_id in targets.committees:
        committee = await ctx.app.committees.resident_by_id(committee_id)
        parts.append(ctx.t("committee.label", name=committee.name if committee else committee_id))
    return "、".join(parts)


async def _line(ctx: Context, notice: Notice) -> str:
    upcoming = (
        next_after(
            notice.schedule,
            ctx.app.clock.now(),
            tz=ctx.app.tz,
            since=notice.since,
            meeting_at=notice.meeting_at,
        )
        if notice.status is Status.ACTIVE
        else None
    )
    return ctx.t(
        "notices.line",
        id=notice.id,
        kind=ctx.t(f"notices.kind.{notice.kind.value}"),
        title=notice.title or notice.body[:24],
        status=ctx.t(f"notices.status.{notice.status.value}"),
        next=local(upcoming, ctx.app.tz) if upcoming else "—",
        targets=await describe_targets(ctx, notice.targets),
    )


async def notices(ctx: Context) -> None:
    """``/notices``: what is scheduled; ``/notices 12``: how notice 12 was delivered."""
    repo = NoticeRepo(ctx.app.db, ctx.app.clock)
    args = ctx.incoming.args
    if args:
        notice_id = parse_id(args[0])
        notice = await repo.get(notice_id) if notice_id is not None else None
        occurrence = await latest_occurrence(ctx.app, notice.id) if notice else None
        result = await report(ctx.app, occurrence) if occurrence else None
        if result is None:
            ctx.say("notices.no_report", id=args[0])
            return
        ctx.say("notices.report_body", body=format_report(ctx.lang, result))
        return
    await campaign.ensure(ctx.app)
    shown = await repo.all(statuses=(Status.ACTIVE, Status.PAUSED))
    if not shown:
        ctx.say("notices.none")
        return
    lines = [await _line(ctx, notice) for notice in shown]
    ctx.say("notices.list", body="\n".join(lines))


async def campaign_cmd(ctx: Context) -> None:
    """``/campaign [pause | resume | days 周一 周四 | tip N 新内容]``."""
    args = ctx.incoming.args
    action = args[0].lower() if args else ""
    if action in ("pause", "暂停", "resume", "恢复"):
        changed = await campaign.set_paused(ctx.app, action in ("pause", "暂停"))
        ctx.say(
            "notices.campaign.paused" if action in ("pause", "暂停") else "notices.campaign.resumed"
        )
        if not changed:
            ctx.say("notices.campaign.unchanged")
        return
    if action in ("days", "日子", "星期"):
        try:
            days: tuple[Weekday, ...] = parse_weekdays(" ".join(args[1:]))
        except ValueError:
            days = ()
        notice = await campaign.set_days(ctx.app, days) if days else None
        if notice is None:
            ctx.say("notices.campaign.days_usage")
            return
        ctx.say(
            "notices.campaign.days_set", days="、".join(ctx.t(f"notices.weekday.{d}") for d in days)
        )
        return
    tip = parse_id(args[1]) if len(args) >= 3 else None
    if action in ("tip", "提示") and tip is not None:
        if await campaign.edit_tip(ctx.app, tip, " ".join(args[2:])):
            ctx.say("notices.campaign.tip_set", n=args[1])
        else:
            ctx.say("notices.campaign.no_tip", n=args[1])
        return
    notice = await campaign.ensure(ctx.app)
    if notice is None:
        ctx.say("notices.campaign.off")
        return
    tips = await campaign.tips(ctx.app)
    schedule = notice.schedule
    weekdays = schedule.weekdays if isinstance(schedule, Recurring) else ()
    day_names = "、".join(ctx.t(f"notices.weekday.{d}") for d in weekdays)
    body = "\n".join(
        f"{t.position}. {t.title}（{ctx.t('notices.campaign.used', n=t.used)}）" for t in tips
    )
    ctx.say(
        "notices.campaign.status",
        status=ctx.t(f"notices.status.{notice.status.value}"),
        days=day_names,
        start=getattr(schedule, "start", ""),
        end=getattr(schedule, "end", ""),
        tips=body,
    )


async def _acknowledge(ctx: Context, occurrence_id: int | None, quiet: bool) -> None:
    if occurrence_id is None:
        if not quiet:
            ctx.say("notices.ack_none")
        return
    result = await acks.acknowledge(ctx.app, occurrence_id, ctx.user, ctx.chat.address)
    name = ctx.user.display_name or ctx.incoming.user.name
    if result is AckResult.RECORDED:
        ctx.say("notices.acked", name=name)
    elif result is AckResult.ALREADY:
        if not quiet:
            ctx.say("notices.ack_already")
    elif not quiet:
        ctx.say("notices.ack_none")


async def ack_text(ctx: Context) -> None:
    """收到 written in a chat: acknowledges the latest notice here that asked for it.

    People say 收到 to each other all the time, so with nothing to acknowledge it stays silent.
    """
    occurrence = await acks.latest_asking(ctx.app, ctx.chat.address)
    await _acknowledge(ctx, occurrence, quiet=ctx.incoming.command is None)


async def ack_button(ctx: Context) -> None:
    """The 收到 button under a notice (``ack:<occurrence>``)."""
    value = (ctx.incoming.choice or "").partition(":")[2]
    if value == "preview":
        ctx.say("notices.ack_preview")
        return
    await _acknowledge(ctx, parse_id(value), quiet=False)


async def meetings(ctx: Context) -> None:
    """``/meetings``: upcoming meetings, each with how to move or cancel it."""
    upcoming = await MeetingService(ctx.app).upcoming()
    if not upcoming:
        ctx.say("notices.meeting.none")
        return
    for meeting in upcoming:
        ctx.say(
            "notices.meeting.line",
            id=meeting.id,
            title=meeting.title,
            when=local(meeting.starts_at, ctx.app.tz),
            place=meeting.place,
            options=[
                Option(ctx.t("notices.meeting.move"), f"meeting:move:{meeting.id}"),
                Option(ctx.t("notices.meeting.cancel"), f"meeting:cancel:{meeting.id}"),
            ],
        )


async def cancel_meeting(ctx: Context) -> None:
    """``/cancelmeeting 3``: call the meeting off and tell its groups."""
    args = ctx.incoming.args
    await _cancel(ctx, (parse_id(args[0]) if args else None) or 0)


async def _cancel(ctx: Context, meeting_id: int) -> None:
    meeting = await MeetingService(ctx.app).cancel(meeting_id)
    if meeting is None:
        ctx.say("notices.meeting.not_found")
        return
    ctx.say("notices.meeting.cancelled_done", id=meeting.id, title=meeting.title)


async def meeting_action(ctx: Context) -> None:
    """Buttons under /meetings: move (starts /reschedule), cancel (asks first), cancel for sure."""
    parts = (ctx.incoming.choice or "").split(":")
    action = parts[1] if len(parts) > 1 else ""
    meeting_id = (parse_id(parts[2]) if len(parts) > 2 else None) or 0
    if action == "move":
        await ctx.router.start_flow(ctx, RESCHEDULE.name, (str(meeting_id),))
    elif action == "cancel":
        ctx.say(
            "notices.meeting.cancel_sure",
            id=meeting_id,
            options=[
                Option(ctx.t("notices.meeting.cancel_yes"), f"meeting:cancelyes:{meeting_id}")
            ],
        )
    elif action == "cancelyes":
        await _cancel(ctx, meeting_id)
    else:
        ctx.say("router.stale_button")
