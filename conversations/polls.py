"""/poll (意见征询): a resident answers a consultation.

A building poll: the household code from the 征询函 (unless /poll CODE or the group's link
brought it) → the building, room and question with 同意 / 不同意 / 弃权 → confirm. A simple poll
(/poll ID): the question and its options → confirm. Answering again before the deadline
replaces the earlier answer; after it, the answer is refused. Runs in a private chat only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from bot.clock import local
from bot.context import Context
from bot.messages import Incoming, Option, Reply
from bot.parsing import InputError
from bot.polls.households import PollError
from bot.polls.service import BUILDING, SIMPLE, Poll, Polls, looks_like_code, sees_totals
from bot.polls.tally import CHOICES
from bot.polls.views import choice_label, totals_text
from conversations.steps import Answer, Answers, Choice, Flow, InputKind, Step


class PollAnswers(BaseModel):
    poll: int
    code: dict[str, str] | None = None
    choice: str | None = None
    option: str | None = None


@dataclass(frozen=True)
class HouseholdCode(InputKind):
    """The code printed on the household's 征询函. A wrong one says only that it is wrong."""

    async def parse(self, ctx: Context, answers: Answers, current: Any, msg: Incoming) -> Answer:
        typed = msg.text if msg.text is not None else msg.choice or ""
        poll_id = answers.get("poll")
        try:
            poll, household = await Polls.of(ctx.app).household_by_code(
                ctx.user, typed, poll_id if isinstance(poll_id, int) else None
            )
        except PollError as exc:
            raise InputError(exc.key, **exc.params) from None
        return Answer(
            {
                "poll": str(poll.id),
                "household": str(household.id),
                "room": household.room,
                "building": poll.building or "",
            }
        )

    def show(self, ctx: Context, value: Any, options: Sequence[Option]) -> str:
        return ctx.t("polls.room_label", building=value["building"], room=value["room"])


async def _poll(ctx: Context, answers: Answers) -> Poll | None:
    poll_id = answers.get("poll")
    return await Polls.of(ctx.app).get(poll_id) if isinstance(poll_id, int) else None


async def building_options(ctx: Context, answers: Answers) -> Sequence[Option]:
    return [Option(ctx.t(f"polls.choice.{choice}"), choice) for choice in CHOICES]


async def simple_options(ctx: Context, answers: Answers) -> Sequence[Option]:
    poll = await _poll(ctx, answers)
    if poll is None:
        return []
    return [Option(label, str(n)) for n, label in enumerate(poll.options, 1)]


def _building(answers: Answers) -> bool:
    return answers.get("kind") == BUILDING


def _simple(answers: Answers) -> bool:
    return answers.get("kind") == SIMPLE


async def begin(ctx: Context, args: tuple[str, ...]) -> dict[str, Any] | None:
    """``/poll`` asks for a code; ``/poll CODE`` takes it; ``/poll ID`` (or the group's link
    ``poll_ID``) opens that poll: a simple poll's options, or a building poll's code."""
    service = Polls.of(ctx.app)
    if not args:
        return {"kind": BUILDING}
    said = args[0]
    if said.isdigit() and not looks_like_code(said):
        poll = await service.get(int(said))
        if poll is None:
            ctx.say("polls.not_found", id=said)
            return None
        if poll.closed(ctx.app.clock.now()):
            ctx.say("polls.closed", title=poll.title)
            return None
        if not await service.may_answer(poll, ctx.user):
            ctx.say("polls.not_for_you", committee=poll.committee or "")
            return None
        return {"poll": poll.id, "kind": poll.kind}
    try:
        poll, household = await service.household_by_code(ctx.user, said)
    except PollError as exc:  # nothing opens: /poll CODE again, or /poll to type it
        ctx.reply(Reply(ctx.t(exc.key, **exc.params)))
        return None
    code = {
        "poll": str(poll.id),
        "household": str(household.id),
        "room": household.room,
        "building": poll.building or "",
    }
    return {"poll": poll.id, "kind": BUILDING, "code": code}


async def derive(ctx: Context, answers: dict[str, Any]) -> None:
    """What the question shows: the building and room the code names, the question, and the
    answer given before (it can be changed)."""
    code = answers.get("code")
    if isinstance(code, dict):
        answers["poll"] = int(code["poll"])
        answers["room"] = code["room"]
    poll = await _poll(ctx, answers)
    if poll is None:
        return
    answers["question"] = poll.title
    answers["where"] = poll.building or poll.committee or ""
    household = int(code["household"]) if isinstance(code, dict) else None
    if poll.kind == BUILDING and household is None:
        return
    earlier = await Polls.of(ctx.app).my_answer(poll, ctx.user, household)
    answers["previous"] = (
        ctx.t("polls.previous", answer=choice_label(ctx.lang, poll, earlier)) if earlier else ""
    )


async def finish(ctx: Context, answers: PollAnswers, instance: str) -> None:
    service = Polls.of(ctx.app)
    poll = await service.get(answers.poll)
    choice = answers.choice or answers.option
    if poll is None or choice is None:
        ctx.say("polls.not_found", id=answers.poll)
        return
    household = int(answers.code["household"]) if answers.code else None
    try:
        changed = await service.answer(poll, ctx.user, choice, household)
    except PollError as exc:
        ctx.reply(Reply(ctx.t(exc.key, **exc.params)))
        return
    ctx.say(
        "polls.answered_changed" if changed else "polls.answered",
        where=ctx.t("polls.room_label", building=poll.building, room=answers.code["room"])
        if answers.code
        else poll.title,
        answer=choice_label(ctx.lang, poll, choice),
        deadline=local(poll.deadline, ctx.app.tz),
    )
    now = ctx.app.clock.now()
    if sees_totals(poll, ctx.user, now):
        tally = await service.tally(poll) if poll.kind == BUILDING else None
        counts = await service.option_counts(poll) if poll.kind != BUILDING else []
        ctx.reply(Reply(totals_text(ctx.lang, poll, ctx.app.tz, tally, counts)))
    else:
        ctx.say("polls.totals_later")


POLL_FLOW = Flow(
    name="poll",
    title="polls.title",
    steps=(
        Step("code", HouseholdCode(), "polls.ask_code", "polls.household", when=_building),
        Step(
            "choice",
            Choice(building_options),
            "polls.ask_building_choice",
            "polls.your_answer",
            when=_building,
        ),
        Step(
            "option",
            Choice(simple_options),
            "polls.ask_simple_choice",
            "polls.your_answer",
            when=_simple,
        ),
    ),
    model=PollAnswers,
    finish=finish,
    private=True,
    begin=begin,
    derive=derive,
)
