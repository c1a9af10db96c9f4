"""/topic (提交议题): anyone raises a topic with one of the property-governance committees.

Committee → title → details → an optional photo → public or anonymous → confirm. It runs in
a private chat, so choosing to stay anonymous is not done in front of a group.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from bot.context import Context
from bot.messages import FileRef, Incoming, Option, Reply
from bot.parsing import InputError
from bot.roles import Role
from bot.topics.committees import TopicCommittees
from bot.topics.reviews import TopicReviews
from bot.topics.service import (
    OPEN,
    REF_PATTERN,
    TRANSITIONS,
    Status,
    Topic,
    TopicError,
    TopicService,
    normalise_ref,
    parse_meeting_day,
)
from conversations.steps import Answer, Answers, Choice, Flow, InputKind, Photos, Step, Text, fixed


class TopicAnswers(BaseModel):
    committee: int
    title: str
    details: str
    photo: list[dict[str, str]] = []
    visibility: Literal["public", "anonymous"]


async def committee_options(ctx: Context, answers: Answers) -> Sequence[Option]:
    """Each committee with what it handles, so people can pick the right one."""
    committees = await TopicCommittees(ctx.app.db, ctx.app.clock).all()
    return [
        Option(ctx.t("topics.committee_option", name=c.name, description=c.description), str(c.id))
        for c in committees
    ]


async def begin(ctx: Context, args: tuple[str, ...]) -> dict[str, Any] | None:
    """Refuses when there is no committee; ``/start topic_<id>`` picks the committee."""
    committees = await TopicCommittees(ctx.app.db, ctx.app.clock).all()
    if not committees:
        ctx.say("topics.no_committees")
        return None
    if args and args[0] in {str(c.id) for c in committees}:
        return {"committee": int(args[0])}
    return {}


async def finish(ctx: Context, answers: TopicAnswers, instance: str) -> None:
    """Saves the topic, tells staff, and gives the person its reference."""
    service = TopicService.of(ctx.app)
    photo = answers.photo[0] if answers.photo else None
    try:
        topic = await service.submit(
            ctx.user,
            answers.committee,
            answers.title,
            answers.details,
            anonymous=answers.visibility == "anonymous",
            photo=FileRef(photo["platform"], photo["file_id"], sha256=photo.get("sha256", ""))
            if photo
            else None,
            request_id=instance,
        )
    except TopicError as exc:
        ctx.reply(Reply(ctx.t(exc.key, **exc.params)))
        return
    await service.tell_staff(topic)
    ctx.say(
        "topics.submitted",
        ref=topic.ref,
        committee=topic.committee,
        visibility_key=f"topics.visibility.{answers.visibility}",
    )


TOPIC_FLOW = Flow(
    name="topic",
    title="topics.title",
    steps=(
        Step("committee", Choice(committee_options), "topics.ask_committee", "topics.committee"),
        Step("title", Text(4, 40), "topics.ask_title", "topics.topic_title"),
        Step("details", Text(10, 1000), "topics.ask_details", "topics.details"),
        Step(
            "photo",
            Photos(max_count=1, hint="topics.photo_hint"),
            "topics.ask_photo",
            "topics.photo",
            optional=True,
        ),
        Step(
            "visibility",
            Choice(
                fixed(
                    ("public", "topics.visibility.public"),
                    ("anonymous", "topics.visibility.anonymous"),
                )
            ),
            "topics.ask_visibility",
            "topics.visibility",
        ),
    ),
    model=TopicAnswers,
    finish=finish,
    private=True,
    begin=begin,
)


# -- /review (审议议题): staff move a topic on: accept it for a meeting, merge, decline, close.

REVIEW_OFFERED = 10  # topics offered as buttons when /review names none


async def waiting_topics(ctx: Context) -> list[Topic]:
    """Topics a reviewer can still move, the longest waiting first."""
    movable = tuple(status for status, targets in TRANSITIONS.items() if targets)
    return await TopicService.of(ctx.app).find(statuses=movable, limit=REVIEW_OFFERED)


@dataclass(frozen=True)
class TopicRef(InputKind):
    """A topic reference as typed: YT-20260718-0001, any case or width.

    ``offer`` names an answer offered back as a button: the topic a 审议 button named, so
    one tap confirms it and the summary still shows which topic is being moved.
    """

    offer: str | None = None
    waiting: bool = False  # offer the topics waiting for review when nothing was named

    async def options(self, ctx: Context, answers: Answers) -> Sequence[Option]:
        ref = answers.get(self.offer) if self.offer else None
        if isinstance(ref, str):
            return [Option(ref, ref)]
        if not self.waiting:
            return ()
        return [
            Option(ctx.t("topics.review.option", ref=t.ref, title=t.title[:20]), t.ref)
            for t in await waiting_topics(ctx)
        ]

    async def parse(self, ctx: Context, answers: Answers, current: Any, msg: Incoming) -> Answer:
        said = normalise_ref(msg.text or msg.choice or "")
        if not REF_PATTERN.fullmatch(said):
            raise InputError("topics.review.bad_ref")
        return Answer(said)


@dataclass(frozen=True)
class MeetingDay(InputKind):
    """The day of the meeting that will discuss the topic; today or later."""

    hint: str | None = "topics.review.meeting_hint"

    async def parse(self, ctx: Context, answers: Answers, current: Any, msg: Incoming) -> Answer:
        now = ctx.app.clock.now()
        day = parse_meeting_day(msg.text or msg.choice or "", now, ctx.app.tz)
        if day < now.astimezone(ctx.app.tz).date():
            raise InputError("topics.review.meeting_past", day=day.isoformat())
        return Answer(day.isoformat())


class ReviewAnswers(BaseModel):
    ref: str
    move: Status
    meeting: date | None = None
    into: str | None = None
    reason: str | None = None
    outcome: str | None = None
    note: str | None = None


async def check_ref(ctx: Context, answers: Answers, ref: str) -> None:
    """The topic exists and can still be moved."""
    topic = await TopicService.of(ctx.app).get(ref)
    if topic is None:
        raise InputError("topics.unknown_ref", ref=ref)
    if not TRANSITIONS[topic.status]:
        raise InputError("topics.review.final", ref=ref, status_key=topic.status.label_key)


async def check_target(ctx: Context, answers: Answers, ref: str) -> None:
    """The surviving topic exists, is another topic, and is still open."""
    target = await TopicService.of(ctx.app).get(ref)
    if target is None:
        raise InputError("topics.unknown_ref", ref=ref)
    if target.ref == answers.get("ref"):
        raise InputError("topics.review.merge_self")
    if target.status not in OPEN:
        raise InputError("topics.review.merge_closed", ref=ref, status_key=target.status.label_key)


async def move_options(ctx: Context, answers: Answers) -> Sequence[Option]:
    topic = await TopicService.of(ctx.app).get(str(answers.get("ref", "")))
    if topic is None:
        return ()
    return [Option(ctx.t(to.label_key), to.value) for to in TRANSITIONS[topic.status]]


async def begin_review(ctx: Context, args: tuple[str, ...]) -> dict[str, Any] | None:
    """A 审议 button or ``/review REF`` names the topic, when it can still be moved; with
    none named, the topics waiting are offered (and with none waiting, nothing starts)."""
    if not args:
        if not await waiting_topics(ctx):
            ctx.say("topics.review.nothing_waiting")
            return None
        return {}
    ref = normalise_ref(args[0])
    topic = await TopicService.of(ctx.app).get(ref)
    if topic is None or not TRANSITIONS[topic.status]:
        return {}
    ctx.say(
        "topics.review.about",
        ref=topic.ref,
        title=topic.title,
        status_key=topic.status.label_key,
        supports=topic.supports,
    )
    return {"ref": topic.ref}


def _moving_to(*targets: Status) -> Callable[[Answers], bool]:
    values = {t.value for t in targets}
    return lambda answers: answers.get("move") in values


def _note(answers: ReviewAnswers) -> str | None:
    """The note the chosen move asked for (an edit may leave answers of other moves behind)."""
    if answers.move is Status.DECLINED:
        return answers.reason
    if answers.move is Status.DONE:
        return answers.outcome
    return answers.note


async def finish_review(ctx: Context, answers: ReviewAnswers, instance: str) -> None:
    """Makes the move; the submitter is told by the service."""
    try:
        moved = await TopicReviews.of(ctx.app).move(
            answers.ref,
            answers.move,
            ctx.user,
            note=_note(answers),
            meeting=answers.meeting,
            into=answers.into,
            request_id=instance,
        )
    except TopicError as exc:
        ctx.reply(Reply(ctx.t(exc.key, **exc.params)))
        return
    ctx.say(
        "topics.review.done",
        ref=moved.topic.ref,
        before_key=moved.before.label_key,
        status_key=moved.topic.status.label_key,
    )


REVIEW_FLOW = Flow(
    name="topic_review",
    title="topics.review.title",
    steps=(
        Step(
            "ref",
            TopicRef(offer="ref", waiting=True),
            "topics.review.ask_ref",
            "topics.review.ref",
            check=check_ref,
        ),
        Step("move", Choice(move_options), "topics.review.ask_move", "topics.review.move"),
        Step(
            "meeting",
            MeetingDay(),
            "topics.review.ask_meeting",
            "topics.review.meeting",
            optional=True,
            when=_moving_to(Status.ACCEPTED),
        ),
        Step(
            "into",
            TopicRef(),
            "topics.review.ask_into",
            "topics.review.into",
            when=_moving_to(Status.MERGED),
            check=check_target,
        ),
        Step(
            "reason",
            Text(2, 500),
            "topics.review.ask_reason",
            "topics.review.reason",
            when=_moving_to(Status.DECLINED),
        ),
        Step(
            "outcome",
            Text(2, 500),
            "topics.review.ask_outcome",
            "topics.review.outcome",
            when=_moving_to(Status.DONE),
        ),
        Step(
            "note",
            Text(2, 500),
            "topics.review.ask_note",
            "topics.review.note",
            optional=True,
            when=_moving_to(Status.ACCEPTED, Status.MERGED),
        ),
    ),
    model=ReviewAnswers,
    finish=finish_review,
    role=Role.STAFF,
    begin=begin_review,
)
