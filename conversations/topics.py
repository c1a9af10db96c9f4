"""/topic (提交议题): anyone raises a topic with one of the property-governance committees.

Committee → title → details → an optional photo → public or anonymous → confirm. It runs in
a private chat, so choosing to stay anonymous is not done in front of a group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel

from bot.context import Context
from bot.messages import FileRef, Option, Reply
from bot.topic_committees import TopicCommittees
from bot.topics import TopicError, TopicService
from conversations.steps import Answers, Choice, Flow, Photos, Step, Text, fixed


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
            photo=FileRef(photo["platform"], photo["file_id"]) if photo else None,
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


FLOW = Flow(
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
