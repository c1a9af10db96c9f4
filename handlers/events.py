"""Staff tools for events: /roster, /checkin, /announce, /eventmsg and /cancelevent."""

from __future__ import annotations

from bot.clock import local
from bot.context import Context
from bot.events.model import Event, EventStatus, Outcome, Result, Roster
from bot.events.service import Events
from bot.messages import Option
from bot.parsing import parse_id
from handlers.admin import committees_and_tags

MAX_CHECKIN_BUTTONS = 20


def _event_id(ctx: Context) -> int | None:
    args = ctx.incoming.args
    return parse_id(args[0]) if args else None


async def _known_event(ctx: Context, usage: str) -> Event | None:
    event_id = _event_id(ctx)
    if event_id is None:
        ctx.say(usage)
        return None
    event = await Events.of(ctx.app).get(event_id)
    if event is None:
        ctx.say("events.outcome.no_event")
    return event


def roster_text(ctx: Context, roster: Roster) -> str:
    """The roster with names and check-in codes: the router shows it only in a private chat."""
    event = roster.event
    lines = [ctx.t("events.roster.header", id=event.id, title=event.title)]
    lines.append(ctx.t("events.roster.when", when=local(event.starts_at, ctx.app.tz)))
    if event.status is EventStatus.CANCELLED:
        lines.append(ctx.t("events.roster.event_cancelled"))
    capacity = (
        str(event.capacity) if event.capacity is not None else ctx.t("events.roster.unlimited")
    )
    lines.append(
        ctx.t(
            "events.roster.counts",
            confirmed=len(roster.confirmed),
            people=roster.seats_taken,
            capacity=capacity,
            waiting=len(roster.waiting),
            waiting_people=roster.people_waiting,
            checked_in=roster.checked_in,
        )
    )
    if roster.confirmed:
        lines.append(ctx.t("events.roster.confirmed_title"))
    for n, line in enumerate(roster.confirmed, 1):
        signup = line.signup
        came = (
            ctx.t("events.roster.came", at=local(signup.checked_in_at, ctx.app.tz)[11:])
            if signup.checked_in_at
            else ctx.t("events.roster.not_yet", code=signup.code)
        )
        lines.append(
            ctx.t("events.roster.line", n=n, name=signup.name, party=signup.party, status=came)
        )
    if roster.waiting:
        lines.append(ctx.t("events.roster.waiting_title"))
    for line in roster.waiting:
        signup = line.signup
        lines.append(
            ctx.t(
                "events.roster.line",
                n=line.position,
                name=signup.name,
                party=signup.party,
                status="",
            )
        )
    return "\n".join(lines)


async def show_roster(ctx: Context, event_id: int) -> None:
    roster = await Events.of(ctx.app).roster(event_id)
    if roster is None:
        ctx.say("events.outcome.no_event")
        return
    buttons = [
        Option(
            ctx.t("events.roster.checkin_button", name=line.signup.name), f"evci:{line.signup.id}"
        )
        for line in roster.confirmed
        if line.signup.checked_in_at is None
    ][:MAX_CHECKIN_BUTTONS]
    ctx.say("events.roster.body", body=roster_text(ctx, roster), options=buttons)


async def roster(ctx: Context) -> None:
    """``/roster [event]``: who is confirmed, waiting and checked in; lists events without one."""
    event_id = _event_id(ctx)
    if event_id is not None:
        await show_roster(ctx, event_id)
        return
    if ctx.incoming.args:
        ctx.say("events.roster.usage")
        return
    # From today on: at the door the event has often just started.
    today = ctx.app.clock.now().astimezone(ctx.app.tz).date()
    events = [
        e
        for e in await Events.of(ctx.app).listing(include_past=True)
        if e.starts_at.astimezone(ctx.app.tz).date() >= today
    ]
    if not events:
        ctx.say("events.roster.no_events")
        return
    if len(events) == 1:
        await show_roster(ctx, events[0].id)
        return
    lines = [
        ctx.t("events.option", id=e.id, title=e.title, when=local(e.starts_at, ctx.app.tz)[5:])
        for e in events
    ]
    options = [Option(line, f"evroster:{e.id}") for line, e in zip(lines, events, strict=True)]
    ctx.say("events.roster.pick", body="\n".join(lines), options=options)


async def roster_action(ctx: Context) -> None:
    """The button of an event in /roster's list."""
    value = (ctx.incoming.choice or "").partition(":")[2]
    if (event_id := parse_id(value)) is not None:
        await show_roster(ctx, event_id)
    else:
        ctx.say("router.stale_button")


def say_checkin(ctx: Context, result: Result) -> None:
    """The answer at the door; in a group (/checkin typed there) without the person's name."""
    signup, event = result.signup, result.event
    grouped = ".group" if ctx.chat.is_group else ""
    if result.outcome is Outcome.CONFIRMED and signup is not None and event is not None:
        ctx.say(
            f"events.checkin.done{grouped}", name=signup.name, party=signup.party, title=event.title
        )
    elif result.outcome is Outcome.ALREADY and signup is not None and signup.checked_in_at:
        at = local(signup.checked_in_at, ctx.app.tz)[11:]
        ctx.say(f"events.checkin.already{grouped}", name=signup.name, at=at)
    else:
        ctx.say(f"events.checkin.{result.outcome.value}")


async def checkin(ctx: Context) -> None:
    """``/checkin CODE``: mark a confirmed person as present at the door."""
    if not ctx.incoming.args:
        ctx.say("events.checkin.usage")
        return
    say_checkin(ctx, await Events.of(ctx.app).check_in(ctx.incoming.arg_text))


async def checkin_action(ctx: Context) -> None:
    """A check-in button of the roster."""
    value = (ctx.incoming.choice or "").partition(":")[2]
    service = Events.of(ctx.app)
    signup_id = parse_id(value)
    code = await service.code_of(signup_id) if signup_id is not None else None
    if code is None:
        ctx.say("router.stale_button")
        return
    say_checkin(ctx, await service.check_in(code))


async def cancel_event(ctx: Context) -> None:
    """``/cancelevent EVENT``: cancel it; everyone signed up is told."""
    event = await _known_event(ctx, "events.cancelevent.usage")
    if event is None:
        return
    told = await Events.of(ctx.app).cancel_event(event.id)
    if told is None:
        ctx.say("events.cancelevent.already", title=event.title)
    else:
        ctx.say("events.cancelevent.done", title=event.title, count=told)


async def event_message(ctx: Context) -> None:
    """``/eventmsg EVENT text``: a message to everyone confirmed."""
    event = await _known_event(ctx, "events.msg.usage")
    if event is None:
        return
    body = " ".join(ctx.incoming.args[1:]).strip()
    if not body:
        ctx.say("events.msg.usage")
        return
    sent = await Events.of(ctx.app).message_confirmed(event.id, body, by=ctx.user.ref)
    if sent is None:
        ctx.say("events.outcome.event_cancelled", title=event.title)
        return
    ctx.say("events.msg.done", title=event.title, count=sent)


async def announce(ctx: Context) -> None:
    """``/announce EVENT [committee…] [group type…]``: post it with a 报名 button."""
    event = await _known_event(ctx, "events.announce_cmd.usage")
    if event is None:
        return
    read = await committees_and_tags(ctx, ctx.incoming.args[1:])
    if read is None:
        return
    committees, tags = read
    groups = await Events.of(ctx.app).announce(
        event.id, by=ctx.user.ref, committee_ids=[c.id for c in committees], tags=tags
    )
    if groups is None:
        ctx.say("events.outcome.event_cancelled", title=event.title)
    elif not groups:
        ctx.say("events.announce_cmd.no_groups")
    else:
        names = "、".join(g.title or g.external_id for g in groups)
        ctx.say("events.announce_cmd.done", title=event.title, count=len(groups), groups=names)
