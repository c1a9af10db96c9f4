"""/newevent (发布活动): staff describe an activity residents can sign up for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from bot.context import Context
from bot.event_model import NewEvent
from bot.events import Events
from bot.messages import Option
from bot.roles import Role
from bot.timeutil import from_db
from conversations.parsing import InputError
from conversations.steps import Answers, Choice, Flow, Number, Step, Text, When, fixed

ALL = "all"


class NewEventAnswers(BaseModel):
    title: str
    description: str | None = None
    start: str
    end: str | None = None
    place: str
    capacity: int | None = None
    deadline: str | None = None
    max_party: int | None = None
    committee: str = ALL
    phone: str = "no"


async def committee_options(ctx: Context, answers: Answers) -> Sequence[Option]:
    committees = await ctx.app.committees.residents()
    return [
        Option(ctx.t("events.new.everyone"), ALL),
        *(Option(ctx.t("committee.label", name=c.name), str(c.id)) for c in committees),
    ]


async def check_start(ctx: Context, answers: Answers, value: Any) -> None:
    """A start changed at the summary still comes before the end and after the deadline."""
    if answers.get("end") and from_db(answers["end"]) <= from_db(value):
        raise InputError("events.end_before_start")
    if answers.get("deadline") and from_db(answers["deadline"]) > from_db(value):
        raise InputError("events.deadline_after_start")


async def check_end(ctx: Context, answers: Answers, value: Any) -> None:
    """Ends after it starts."""
    if "start" in answers and from_db(value) <= from_db(answers["start"]):
        raise InputError("events.end_before_start")


async def check_deadline(ctx: Context, answers: Answers, value: Any) -> None:
    """Sign-ups close no later than the start."""
    if "start" in answers and from_db(value) > from_db(answers["start"]):
        raise InputError("events.deadline_after_start")


async def finish(ctx: Context, answers: NewEventAnswers, instance: str) -> None:
    """Saves the event (once per run of the flow) and says how to announce it."""
    details = NewEvent(
        title=answers.title,
        description=answers.description or "",
        starts_at=from_db(answers.start),
        ends_at=from_db(answers.end) if answers.end else None,
        place=answers.place,
        capacity=answers.capacity,
        deadline=from_db(answers.deadline) if answers.deadline else None,
        max_party=answers.max_party or 1,
        phone_required=answers.phone == "yes",
        committee_ids=() if answers.committee == ALL else (int(answers.committee),),
    )
    problem = details.problem()
    if problem is not None:
        ctx.say(problem)
        return
    event = await Events.of(ctx.app).create(details, by=ctx.user.ref, source=instance)
    ctx.say("events.new.done", id=event.id, title=event.title)


FLOW = Flow(
    name="newevent",
    title="events.new.title",
    steps=(
        Step("title", Text(2, 60), "events.new.ask_title", "events.new.title_label"),
        Step(
            "description",
            Text(2, 500),
            "events.new.ask_description",
            "events.new.description",
            optional=True,
        ),
        Step("start", When(), "events.new.ask_start", "events.new.start", check=check_start),
        Step("end", When(), "events.new.ask_end", "events.new.end", optional=True, check=check_end),
        Step("place", Text(2, 100), "events.new.ask_place", "events.new.place"),
        Step(
            "capacity",
            Number(1, 10_000),
            "events.new.ask_capacity",
            "events.new.capacity",
            optional=True,
        ),
        Step(
            "deadline",
            When(),
            "events.new.ask_deadline",
            "events.new.deadline",
            optional=True,
            check=check_deadline,
        ),
        Step(
            "max_party",
            Number(1, 10),
            "events.new.ask_max_party",
            "events.new.max_party",
            optional=True,
        ),
        Step(
            "committee",
            Choice(committee_options),
            "events.new.ask_committee",
            "events.new.committee",
        ),
        Step(
            "phone",
            Choice(fixed(("yes", "events.new.phone_yes"), ("no", "events.new.phone_no"))),
            "events.new.ask_phone",
            "events.new.phone",
        ),
    ),
    model=NewEventAnswers,
    finish=finish,
    role=Role.STAFF,
)
