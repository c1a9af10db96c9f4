"""/meeting (会议通知): title, time, place, which groups → announced now, reminded 1 day and
2 hours before. /reschedule moves a meeting (its reminders follow, the groups are told).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bot.context import Context
from bot.meetings import MeetingService
from bot.notices import Targets
from bot.roles import Role
from bot.timeutil import from_db, local
from conversations.broadcast import check_chats, target_options
from conversations.steps import Choice, Flow, Step, Text, When


class MeetingAnswers(BaseModel):
    title: str
    when: str  # UTC ISO, as the When step stores it
    place: str
    targets: str


async def finish(ctx: Context, answers: MeetingAnswers, instance: str) -> None:
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


FLOW = Flow(
    name="meeting",
    title="notices.meeting.title",
    steps=(
        Step("title", Text(2, 60), "notices.meeting.ask_title", "notices.meeting.name"),
        Step("when", When(future=True), "notices.meeting.ask_when", "notices.meeting.when"),
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
    finish=finish,
    role=Role.STAFF,
)


class RescheduleAnswers(BaseModel):
    meeting: int
    when: str


async def begin_reschedule(ctx: Context, args: tuple[str, ...]) -> dict[str, Any] | None:
    """``/reschedule 3``: the meeting to move must exist and not be cancelled."""
    meeting_id = int(args[0]) if args and args[0].isdigit() else None
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
        Step("when", When(future=True), "notices.meeting.ask_new_time", "notices.meeting.when"),
    ),
    model=RescheduleAnswers,
    finish=finish_reschedule,
    role=Role.STAFF,
    begin=begin_reschedule,
)
