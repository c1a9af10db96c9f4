"""/events (活动报名) and /mysignups (我的报名): sign up, change the party size, or cancel.

The sign-up asks: the event → name → phone (only when the event requires one) → party size →
confirm. Choosing an event one has already signed up for (or /mysignups) asks instead whether
to change the party size or cancel. Which steps apply depends on the chosen event, and a step's
``when`` sees only the answers, so the event option's value carries what they need: see Pick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from bot.clock import from_db, local
from bot.context import Context
from bot.events.model import Event, EventStatus, NewEvent, Outcome, Result, Signup, SignupStatus
from bot.events.reminders import describe
from bot.events.service import Events
from bot.menus import command_button
from bot.messages import Option, Reply
from bot.parsing import ChinesePhone, InputError, parse_id
from bot.roles import Role
from conversations.steps import Answers, Choice, Flow, Number, Phone, Step, Text, When, fixed

LINKED = "__linked__"  # the event came with the command (deep link, /events 12): not asked


@dataclass(frozen=True)
class Pick:
    """An event option's value: the event, its party limit and phone rule, and one's sign-up."""

    event_id: int
    max_party: int
    phone_required: bool
    signup_id: int = 0  # 0: not signed up yet

    def encode(self) -> str:
        return f"{self.event_id}:{self.max_party}:{int(self.phone_required)}:{self.signup_id}"

    @classmethod
    def decode(cls, value: str) -> Pick:
        parts = [parse_id(part) or 0 for part in value.split(":")]  # 0: a forged or stale value
        event_id, max_party, phone, signup_id = [*parts, 0, 0, 0, 0][:4]
        return cls(event_id, max_party, bool(phone), signup_id)

    @classmethod
    def of(cls, event: Event, signup: Signup | None = None) -> Pick:
        return cls(event.id, event.max_party, event.phone_required, signup.id if signup else 0)


class SignupAnswers(BaseModel):
    event: str
    action: Literal["party", "cancel"] | None = None
    name: str | None = None
    phone: ChinesePhone | None = None
    party: int = 1


def _pick(answers: Answers) -> Pick | None:
    value = answers.get("event")
    return Pick.decode(value) if isinstance(value, str) else None


def _managing(answers: Answers) -> bool:
    pick = _pick(answers)
    return pick is not None and pick.signup_id != 0


def _new(answers: Answers) -> bool:
    return not _managing(answers)


def _needs_phone(answers: Answers) -> bool:
    pick = _pick(answers)
    return pick is not None and pick.signup_id == 0 and pick.phone_required


def _max_party(answers: Answers) -> int:
    pick = _pick(answers)
    return pick.max_party if pick else 1


def _asks_party(answers: Answers) -> bool:
    if _managing(answers):
        return answers.get("action") == "party"
    return _max_party(answers) > 1


def event_label(ctx: Context, event: Event, status: str) -> str:
    when = local(event.starts_at, ctx.app.tz)[5:]  # 07-20 14:00
    label = ctx.t("events.option", id=event.id, title=event.title, when=when)
    return f"{label}{status}" if status else label


async def open_events(ctx: Context, answers: Answers) -> Sequence[Option]:
    """Events open to this person, marked when full or already signed up for."""
    service = Events.of(ctx.app)
    options = []
    for event in await service.open_for(ctx.user):
        mine = await service.signup_of(event.id, ctx.user)
        if mine is not None:
            status = ctx.t("events.option_mine")
        elif event.capacity is not None and await service.seats_taken(event.id) >= event.capacity:
            status = ctx.t("events.option_full")
        else:
            status = ""
        pick = Pick.of(event, mine[0] if mine else None)
        options.append(Option(event_label(ctx, event, status), pick.encode()))
    return options


async def my_signups(ctx: Context, answers: Answers) -> Sequence[Option]:
    options = []
    for event, signup, position in await Events.of(ctx.app).mine(ctx.user):
        status = ctx.t(_status_key(signup), party=signup.party, position=position or 0)
        options.append(Option(event_label(ctx, event, status), Pick.of(event, signup).encode()))
    return options


def _status_key(signup: Signup) -> str:
    return (
        "events.status_confirmed"
        if signup.status is SignupStatus.CONFIRMED
        else "events.status_waiting"
    )


async def action_options(ctx: Context, answers: Answers) -> Sequence[Option]:
    options = [Option(ctx.t("events.action_cancel"), "cancel")]
    if _max_party(answers) > 1:
        options.insert(0, Option(ctx.t("events.action_party"), "party"))
    return options


def suggested_name(ctx: Context, answers: Answers) -> str | None:
    return ctx.user.display_name or ctx.incoming.user.name or None


@dataclass(frozen=True)
class SuggestedPhone(Phone):
    """A phone number, offering the one the person left when joining."""

    async def options(self, ctx: Context, answers: Answers) -> Sequence[Option]:
        return [Option(ctx.user.phone, ctx.user.phone)] if ctx.user.phone else ()


async def check_event(ctx: Context, answers: Answers, value: Any) -> None:
    """An event chosen from a list may have closed since the list was shown."""
    pick = Pick.decode(value)
    event = await Events.of(ctx.app).get(pick.event_id)
    now = ctx.app.clock.now()
    # One's own sign-up may still be cancelled after the deadline, until the start.
    closes = event.starts_at if event is not None and pick.signup_id else None
    if event is None or event.status is not EventStatus.OPEN or (closes or event.closes_at) <= now:
        raise InputError("events.no_longer_open")


# -- starting --------------------------------------------------------------------------------


async def begin_signup(ctx: Context, args: tuple[str, ...]) -> dict[str, Any] | None:
    """With an event number (a deep link, /events 12) that event is taken; else a list."""
    service = Events.of(ctx.app)
    if not args:
        if not await service.open_for(ctx.user):
            _say_none_open(ctx, await service.open_somewhere())
            return None
        return {}
    event_id = parse_id(args[0])
    event = await service.get(event_id) if event_id is not None else None
    refusal = _refusal(ctx, event)
    if refusal is not None or event is None:
        say_outcome(ctx, Result(refusal or Outcome.NO_EVENT, event))
        return None
    mine = await service.signup_of(event.id, ctx.user)
    taken = await service.seats_taken(event.id)
    ctx.say("events.card", details=describe(event, ctx.lang, ctx.app.tz, taken=taken))
    if mine is not None:
        signup, position = mine
        ctx.say(_status_key(signup) + "_long", party=signup.party, position=position or 0)
    return {"event": Pick.of(event, mine[0] if mine else None).encode(), LINKED: True}


def _say_none_open(ctx: Context, open_somewhere: bool) -> None:
    """Nothing to sign up for; someone who has not joined is pointed to /join with a button."""
    if ctx.user.role is not Role.RESIDENT or ctx.user.committee_id is not None:
        ctx.say("events.none_open")
        return
    join = command_button(ctx.t("events.join_button"), "join")
    # Open events for residents' committees only: joining is what is missing.
    key = "events.join_first" if open_somewhere else "events.none_open_join"
    ctx.say(key, options=[join])


def _refusal(ctx: Context, event: Event | None) -> Outcome | None:
    if event is None:
        return Outcome.NO_EVENT
    if event.status is EventStatus.CANCELLED:
        return Outcome.EVENT_CANCELLED
    now = ctx.app.clock.now()
    if now >= event.starts_at:
        return Outcome.STARTED
    if now >= event.closes_at:
        return Outcome.CLOSED
    if not event.open_to(ctx.user):
        return Outcome.NOT_ELIGIBLE
    return None


async def begin_mine(ctx: Context, args: tuple[str, ...]) -> dict[str, Any] | None:
    """Lists the person's sign-ups, then asks which one to change."""
    mine = await Events.of(ctx.app).mine(ctx.user)
    if not mine:
        ctx.say("events.mine_none")
        return None
    lines = [ctx.t("events.mine_title")]
    for event, signup, position in mine:
        status = ctx.t(_status_key(signup), party=signup.party, position=position or 0)
        lines.append(event_label(ctx, event, status))
        if signup.status is SignupStatus.CONFIRMED:
            lines.append(ctx.t("events.mine_code", code=signup.code))
    ctx.say("events.mine_list", body="\n".join(lines))
    return {}


# -- finishing -------------------------------------------------------------------------------


async def finish(ctx: Context, answers: SignupAnswers, instance: str) -> None:
    """Signs up, changes the party size or cancels, and says how it went."""
    pick = Pick.decode(answers.event)
    service = Events.of(ctx.app)
    raw = answers.model_dump()
    party = answers.party if _asks_party(raw) else 1
    if pick.signup_id and answers.action == "cancel":
        result = await service.cancel_signup(pick.signup_id, ctx.user)
    elif pick.signup_id:
        result = await service.change_party(pick.signup_id, ctx.user, party)
    else:
        result = await service.sign_up(
            pick.event_id,
            ctx.user,
            name=answers.name or ctx.user.display_name,
            phone=answers.phone if _needs_phone(raw) else None,
            party=party,
            source=instance,
        )
    say_outcome(ctx, result)


def say_outcome(ctx: Context, result: Result) -> None:
    """The answer to a sign-up, a change or a cancellation, whatever it came to."""
    event, signup = result.event, result.signup
    title = event.title if event else ""
    outcome = result.outcome
    if outcome is Outcome.CONFIRMED and event is not None and signup is not None:
        details = describe(event, ctx.lang, ctx.app.tz)
        notices = Events.of(ctx.app).notices
        ctx.reply(
            Reply(
                ctx.t("events.confirmed", details=details, party=signup.party, code=signup.code),
                document=notices.calendar(event, signup, ctx.lang),
            )
        )
    elif outcome is Outcome.WAITING:
        ctx.say("events.waiting", title=title, position=result.position or 0)
    elif outcome is Outcome.CHANGED and signup is not None:
        key = _status_key(signup) + "_long"
        ctx.say(
            "events.changed",
            title=title,
            status=ctx.t(key, party=signup.party, position=result.position or 0),
        )
    elif outcome is Outcome.CANCELLED:
        ctx.say("events.cancelled", title=title)
    elif outcome is Outcome.ALREADY and signup is not None:
        ctx.say(
            "events.already",
            title=title,
            status=ctx.t(
                _status_key(signup) + "_long", party=signup.party, position=result.position or 0
            ),
        )
    elif outcome is Outcome.NO_ROOM:
        ctx.say("events.no_room", title=title, free=result.free or 0)
    elif outcome is Outcome.PARTY_TOO_BIG and event is not None:
        ctx.say("events.party_too_big", max=event.max_party)
    elif outcome is Outcome.CLOSED and event is not None:
        ctx.say("events.closed", title=title, deadline=local(event.closes_at, ctx.app.tz))
    elif outcome is Outcome.NOT_ELIGIBLE and event is not None:
        names = "、".join(ctx.t("committee.label", name=n) for n in event.committee_names)
        ctx.say("events.not_eligible", title=title, names=names)
    else:
        ctx.say(f"events.outcome.{outcome.value}", title=title)


# -- the flows -------------------------------------------------------------------------------


def _steps(source: Choice, ask_event: str) -> tuple[Step, ...]:
    return (
        Step(
            "event",
            source,
            ask_event,
            "events.event",
            when=lambda a: not a.get(LINKED),
            check=check_event,
        ),
        Step(
            "action", Choice(action_options), "events.ask_action", "events.action", when=_managing
        ),
        Step(
            "name", Text(1, 20, suggest=suggested_name), "events.ask_name", "events.name", when=_new
        ),
        Step("phone", SuggestedPhone(), "events.ask_phone", "events.phone", when=_needs_phone),
        Step("party", Number(1, _max_party), "events.ask_party", "events.party", when=_asks_party),
    )


SIGNUP_FLOW = Flow(
    name="events",
    title="events.title",
    steps=_steps(Choice(open_events), "events.ask_event"),
    model=SignupAnswers,
    finish=finish,
    private=True,
    begin=begin_signup,
)

MINE_FLOW = Flow(
    name="mysignups",
    title="events.mine_flow_title",
    steps=_steps(Choice(my_signups), "events.ask_mine"),
    model=SignupAnswers,
    finish=finish,
    private=True,
    begin=begin_mine,
)


# -- /newevent (发布活动): staff describe an activity residents can sign up for.

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


async def finish_new_event(ctx: Context, answers: NewEventAnswers, instance: str) -> None:
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


NEW_EVENT_FLOW = Flow(
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
        Step(
            "start",
            When(afternoon=True),
            "events.new.ask_start",
            "events.new.start",
            check=check_start,
        ),
        Step(
            "end",
            When(afternoon=True, same_day_as="start"),
            "events.new.ask_end",
            "events.new.end",
            optional=True,
            check=check_end,
        ),
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
            When(afternoon=True),
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
    finish=finish_new_event,
    role=Role.STAFF,
)
