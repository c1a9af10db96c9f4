"""/broadcast (群发通知): compose → targets → preview exactly as sent → confirm → sent.

The preview is the very Reply the groups will get, shown once every answer is in (and again
after an edit); the flow's summary is the confirmation. Sending is one idempotent fan-out,
then the sender is told the progress and gets a delivery report (sent / failed / inactive).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pydantic import BaseModel

from bot.chats import Tag
from bot.clock import from_db, local
from bot.context import Context
from bot.messages import Attachment, FileRef, Option
from bot.notices.delivery import fan_out, render, send_time
from bot.notices.meetings import MeetingService
from bot.notices.repo import Draft, Kind, NoticeRepo, Targets
from bot.notices.schedule import Now
from bot.parsing import InputError, parse_id
from bot.roles import Role
from conversations.steps import Answers, Choice, Flow, Photos, Step, Text, When, fixed

YES, NO = "yes", "no"


async def target_options(ctx: Context, answers: Answers) -> Sequence[Option]:
    """Who can be reached, each with how many chats that is."""
    groups = [g for g in await ctx.app.chats.groups() if g.platform in ctx.app.platforms]

    def count(targets: Targets) -> int:
        if targets.everyone:
            return len(groups)
        return sum(
            1
            for g in groups
            if (not targets.tags or g.tags & set(targets.tags))
            and (not targets.committees or g.committee_id in targets.committees)
        )

    choices: list[tuple[str, str, dict[str, str]]] = [
        ("all", "notices.target.all", {}),
        (f"tag:{Tag.RESIDENTS.value}", "notices.target.residents", {}),
        (f"tag:{Tag.DIRECTORS.value}", "notices.target.directors", {}),
        (f"tag:{Tag.STAFF.value}", "notices.target.staff", {}),
    ]
    for committee in await ctx.app.committees.residents():
        choices.append(
            (f"committee:{committee.id}", "notices.target.committee", {"name": committee.name})
        )
    return [
        Option(ctx.t(key, count=count(Targets.parse(value)), **params), value)
        for value, key, params in choices
    ]


class BroadcastAnswers(BaseModel):
    text: str
    photo: list[dict[str, str]] = []
    targets: str
    ack: str = NO
    urgent: str = NO


def _image(photos: list[dict[str, str]]) -> Attachment | None:
    if not photos:
        return None
    photo = photos[0]
    mime = photo.get("mime") or "image/jpeg"
    ref = FileRef(photo["platform"], photo["file_id"], "photo.jpg", mime, photo.get("sha256", ""))
    return Attachment("photo.jpg", ref=ref, mime_type=mime)


def _draft(ctx: Context, answers: BroadcastAnswers, instance: str | None) -> Draft:
    return Draft(
        kind=Kind.BROADCAST,
        body=answers.text,
        image=_image(answers.photo),
        targets=Targets.parse(answers.targets),
        schedule=Now(),
        created_by=ctx.user.ref,
        urgent=answers.urgent == YES,
        ack=answers.ack == YES,
        ack_remind_minutes=ctx.app.settings.ack_remind_minutes if answers.ack == YES else None,
        instance=instance,
    )


def _preview_after(name: str) -> Callable[[Context, Answers, Any], Awaitable[None]]:
    """A step check that shows the preview once every answer is in."""

    async def check(ctx: Context, answers: Answers, value: Any) -> None:
        complete = {**answers, name: value}
        if any(key not in complete for key in ("text", "targets", "ack", "urgent")):
            return
        model = BroadcastAnswers.model_validate(
            {k: v for k, v in complete.items() if not k.startswith("__")}
        )
        draft = _draft(ctx, model, None)
        chats = [c for c in await draft.targets.chats(ctx.app.chats, ctx.app.platforms) if c.active]
        now = ctx.app.clock.now()
        held = sum(send_time(ctx.app, c, urgent=draft.urgent, now=now) > now for c in chats)
        ctx.say("notices.broadcast.preview", count=len(chats))
        ctx.reply(render(ctx.app, draft.as_notice(ctx.app.clock.now()), None))
        if held:
            ctx.say(
                "notices.broadcast.held",
                count=held,
                start=ctx.app.settings.quiet_start.strftime("%H:%M"),
                end=ctx.app.settings.quiet_end.strftime("%H:%M"),
            )

    return check


async def check_chats(ctx: Context, answers: Answers, value: Any) -> None:
    """The chosen targets reach at least one chat the bot is in."""
    if not [
        c for c in await Targets.parse(value).chats(ctx.app.chats, ctx.app.platforms) if c.active
    ]:
        raise InputError("notices.broadcast.no_chats")


async def check_targets(ctx: Context, answers: Answers, value: Any) -> None:
    await check_chats(ctx, answers, value)
    await _preview_after("targets")(ctx, answers, value)


async def finish(ctx: Context, answers: BroadcastAnswers, instance: str) -> None:
    """Sends it (once, even if confirmed twice) and says how sending goes."""
    repo = NoticeRepo(ctx.app.db, ctx.app.clock)
    notice = await repo.add(_draft(ctx, answers, instance))
    result = await fan_out(ctx.app, notice, notice.since)
    if result is None:
        ctx.say("notices.broadcast.already", id=notice.id)
        return
    more = [
        ctx.t(key, count=count)
        for key, count in (
            ("notices.broadcast.sending_held", result.held),
            ("notices.broadcast.sending_inactive", result.inactive),
        )
        if count
    ]
    ctx.say(
        "notices.broadcast.sending",
        id=notice.id,
        count=result.chats - result.inactive,
        more="".join(more),
    )


BROADCAST_FLOW = Flow(
    name="broadcast",
    title="notices.broadcast.title",
    steps=(
        Step(
            "text",
            Text(2, 1000),
            "notices.broadcast.ask_text",
            "notices.broadcast.text",
            check=_preview_after("text"),
        ),
        Step(
            "photo",
            Photos(max_count=1, hint="notices.broadcast.photo_hint"),
            "notices.broadcast.ask_photo",
            "notices.broadcast.photo",
            optional=True,
            check=_preview_after("photo"),
        ),
        Step(
            "targets",
            Choice(target_options),
            "notices.broadcast.ask_targets",
            "notices.broadcast.targets",
            check=check_targets,
        ),
        Step(
            "ack",
            Choice(fixed((NO, "notices.broadcast.ack_no"), (YES, "notices.broadcast.ack_yes"))),
            "notices.broadcast.ask_ack",
            "notices.broadcast.ack",
            check=_preview_after("ack"),
        ),
        Step(
            "urgent",
            Choice(
                fixed((NO, "notices.broadcast.urgent_no"), (YES, "notices.broadcast.urgent_yes"))
            ),
            "notices.broadcast.ask_urgent",
            "notices.broadcast.urgent",
            check=_preview_after("urgent"),
        ),
    ),
    model=BroadcastAnswers,
    finish=finish,
    role=Role.STAFF,
)


# -- /meeting (会议通知): title, time, place, which groups → announced now, reminded 1 day and


class MeetingAnswers(BaseModel):
    title: str
    when: str  # UTC ISO, as the When step stores it
    place: str
    targets: str


async def finish_meeting(ctx: Context, answers: MeetingAnswers, instance: str) -> None:
    """Saves the meeting, announces it and says when the reminders go out."""
    service = MeetingService(ctx.app)
    meeting, sent = await service.create(
        title=answers.title,
        starts_at=from_db(answers.when),
        place=answers.place,
        targets=Targets.parse(answers.targets),
        created_by=ctx.user.ref,
        instance=instance,
    )
    ctx.say(
        "notices.meeting.created",
        id=meeting.id,
        title=meeting.title,
        when=local(meeting.starts_at, ctx.app.tz),
        count=(sent.chats - sent.inactive) if sent else 0,
    )


MEETING_FLOW = Flow(
    name="meeting",
    title="notices.meeting.title",
    steps=(
        Step("title", Text(2, 60), "notices.meeting.ask_title", "notices.meeting.name"),
        Step(
            "when",
            When(future=True, afternoon=True),
            "notices.meeting.ask_when",
            "notices.meeting.when",
        ),
        Step("place", Text(2, 80), "notices.meeting.ask_place", "notices.meeting.place"),
        Step(
            "targets",
            Choice(target_options),
            "notices.meeting.ask_targets",
            "notices.meeting.targets",
            check=check_chats,
        ),
    ),
    model=MeetingAnswers,
    finish=finish_meeting,
    role=Role.STAFF,
)


class RescheduleAnswers(BaseModel):
    meeting: int
    when: str


async def begin_reschedule(ctx: Context, args: tuple[str, ...]) -> dict[str, Any] | None:
    """``/reschedule 3``: the meeting to move must exist and not be cancelled."""
    meeting_id = parse_id(args[0]) if args else None
    meeting = await MeetingService(ctx.app).get(meeting_id) if meeting_id else None
    if meeting is None or meeting.cancelled:
        ctx.say("notices.meeting.not_found")
        return None
    return {
        "meeting": meeting.id,
        "name": meeting.title,
        "old": local(meeting.starts_at, ctx.app.tz),
    }


async def finish_reschedule(ctx: Context, answers: RescheduleAnswers, instance: str) -> None:
    """Moves the meeting; the reminders follow and the groups are told."""
    meeting = await MeetingService(ctx.app).reschedule(answers.meeting, from_db(answers.when))
    if meeting is None:
        ctx.say("notices.meeting.not_found")
        return
    ctx.say(
        "notices.meeting.rescheduled",
        id=meeting.id,
        title=meeting.title,
        when=local(meeting.starts_at, ctx.app.tz),
    )


RESCHEDULE = Flow(
    name="reschedule",
    title="notices.meeting.reschedule_title",
    steps=(
        Step(
            "when",
            When(future=True, afternoon=True),
            "notices.meeting.ask_new_time",
            "notices.meeting.when",
        ),
    ),
    model=RescheduleAnswers,
    finish=finish_reschedule,
    role=Role.STAFF,
    begin=begin_reschedule,
)
