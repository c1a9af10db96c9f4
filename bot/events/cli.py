"""``juwei events add|list|roster|cancel|announce|reschedule|message``: staff tools."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.chats import ChatRecord, Tag
from bot.cli import UsageError, committee_ids, with_app
from bot.clock import local
from bot.events.model import Event, NewEvent, Roster, RosterLine
from bot.events.service import Events
from bot.i18n import text
from bot.messages import Address
from bot.parsing import InputError, parse_datetime
from bot.sheets import Sheet, naive_local

if TYPE_CHECKING:
    from bot.app import App
    from bot.settings import Settings

# (the JSON field, the catalogue key of its spreadsheet header, column width in characters);
# the platform account is left out of spreadsheets: staff read names, not ids.
ROSTER_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("status", "events.sheet.status", 10),
    ("position", "events.sheet.position", 10),
    ("name", "events.sheet.name", 14),
    ("party", "events.sheet.party", 8),
    ("phone", "events.sheet.phone", 14),
    ("code", "events.sheet.code", 10),
    ("checked_in_at", "events.sheet.checked_in_at", 17),
    ("signed_up_at", "events.sheet.signed_up_at", 17),
)


def _moment(app: App, value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    now = app.clock.now()
    try:
        return parse_datetime(value, now=now.astimezone(app.tz), tz=app.tz)
    except InputError as exc:
        raise UsageError(f"{option} {value!r}: {text('zh', exc.key, **exc.params)}") from exc


def _local_iso(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).isoformat(timespec="minutes") if moment else None


def event_json(event: Event, tz: ZoneInfo, *, taken: int | None = None) -> dict[str, Any]:
    return {
        "id": event.id,
        "title": event.title,
        "description": event.description,
        "start": _local_iso(event.starts_at, tz),
        "end": _local_iso(event.ends_at, tz),
        "place": event.place,
        "capacity": event.capacity,
        "deadline": _local_iso(event.deadline, tz),
        "max_party": event.max_party,
        "phone_required": event.phone_required,
        "committees": list(event.committee_names),
        "status": event.status.value,
        **({"seats_taken": taken} if taken is not None else {}),
    }


def _line_json(line: RosterLine, tz: ZoneInfo) -> dict[str, Any]:
    signup = line.signup
    return {
        "status": signup.status.value,
        "position": line.position,
        "name": signup.name,
        "party": signup.party,
        "phone": signup.phone,
        "code": signup.code,
        "checked_in_at": _local_iso(signup.checked_in_at, tz),
        "signed_up_at": _local_iso(signup.created_at, tz),
        "user": line.user_ref,
    }


def roster_json(roster: Roster, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "event": event_json(roster.event, tz, taken=roster.seats_taken),
        "counts": {
            "confirmed": len(roster.confirmed),
            "confirmed_people": roster.seats_taken,
            "waiting": len(roster.waiting),
            "waiting_people": roster.people_waiting,
            "checked_in_people": roster.checked_in,
            "cancelled": len(roster.cancelled),
        },
        "confirmed": [_line_json(line, tz) for line in roster.confirmed],
        "waiting": [_line_json(line, tz) for line in roster.waiting],
        "cancelled": [_line_json(line, tz) for line in roster.cancelled],
    }


def roster_sheet(roster: Roster, tz: ZoneInfo, lang: str) -> Sheet:
    """The roster as a spreadsheet: Chinese headers and values, times as naive local times."""
    lines = [*roster.confirmed, *roster.waiting, *roster.cancelled]
    rows = []
    for line in lines:
        signup = line.signup
        rows.append(
            [
                text(lang, f"events.sheet.{signup.status.value}"),
                line.position,
                signup.name,
                signup.party,
                signup.phone,
                signup.code,
                naive_local(signup.checked_in_at, tz),
                naive_local(signup.created_at, tz),
            ]
        )
    return Sheet(
        title=f"#{roster.event.id} {roster.event.title}",
        headers=[text(lang, key) for _, key, _ in ROSTER_COLUMNS],
        widths=[width for _, _, width in ROSTER_COLUMNS],
        rows=rows,
    )


def _write(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(data)


# -- commands -------------------------------------------------------------------------------


async def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    if args.capacity is not None and args.capacity < 1:
        raise UsageError("--capacity 至少为 1 (must be at least 1)")
    if args.max_party < 1:
        raise UsageError("--max-party 至少为 1 (must be at least 1)")

    async def work(app: App) -> int:
        starts_at = _moment(app, args.start, "--start")
        assert starts_at is not None
        if starts_at <= app.clock.now():
            raise UsageError(f"--start {args.start!r} 已经过去 (is in the past)")
        chosen = await committee_ids(app, args.committee or ())
        details = NewEvent(
            title=args.title,
            description=args.description or "",
            starts_at=starts_at,
            ends_at=_moment(app, args.end, "--end"),
            place=args.place,
            capacity=args.capacity,
            deadline=_moment(app, args.deadline, "--deadline"),
            max_party=args.max_party,
            phone_required=args.phone_required,
            committee_ids=tuple(chosen),
        )
        problem = details.problem()
        if problem is not None:
            raise UsageError(text("zh", problem))
        event = await Events.of(app).create(details, by="cli")
        if args.json:
            print(json.dumps(event_json(event, app.tz, taken=0), ensure_ascii=False))
        else:
            print(event.id)
        return 0

    return await with_app(settings, work)


async def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        service = Events.of(app)
        events = await service.listing(include_past=args.all)
        taken = await service.seats_taken_of(event.id for event in events)
        found = [event_json(event, app.tz, taken=taken.get(event.id, 0)) for event in events]
        if args.json:
            print(json.dumps(found, ensure_ascii=False))
            return 0
        lang = settings.default_language
        for event, item in zip(events, found, strict=True):
            unlimited = text(lang, "events.roster.unlimited")
            capacity = event.capacity if event.capacity is not None else unlimited
            line = text(
                lang,
                "events.cli.line",
                id=event.id,
                start=local(event.starts_at, app.tz),
                title=event.title,
                place=event.place,
                taken=item["seats_taken"],
                capacity=capacity,
                status=text(lang, f"events.cli.status.{event.status.value}"),
            )
            print(line)
        if not events:
            print(text(lang, "events.cli.none"))
        return 0

    return await with_app(settings, work)


async def cmd_roster(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        roster = await Events.of(app).roster(args.event)
        if roster is None:
            raise UsageError(f"没有活动 #{args.event} (no such event)")
        if args.format == "json":
            dumped = json.dumps(roster_json(roster, app.tz), ensure_ascii=False, indent=2)
            _write((dumped + "\n").encode("utf-8"), args.output)
        else:
            sheet = roster_sheet(roster, app.tz, settings.default_language)
            data = sheet.csv() if args.format == "csv" else sheet.xlsx()
            _write(data, args.output)
        return 0

    return await with_app(settings, work)


async def cmd_cancel(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        service = Events.of(app)
        event = await service.get(args.event)
        if event is None:
            raise UsageError(f"没有活动 #{args.event} (no such event)")
        told = await service.cancel_event(args.event)
        if told is None:
            raise UsageError(f"活动 #{args.event} 之前已经取消 (already cancelled)")
        print(text("zh", "events.cancelevent.done", title=event.title, count=told))
        return 0

    return await with_app(settings, work)


async def cmd_announce(args: argparse.Namespace, settings: Settings) -> int:
    try:
        tags = [Tag(t) for t in args.tag or ()]
        addresses = [Address.parse(c) for c in args.chat or ()]
    except ValueError as exc:
        raise UsageError(f"--tag/--chat: {exc}") from exc

    async def work(app: App) -> int:
        service = Events.of(app)
        chosen = await committee_ids(app, args.committee or ())
        groups: list[ChatRecord] | None = None
        if addresses:
            groups = []
            for address in addresses:
                record = await app.chats.find(address)
                if record is None:
                    raise UsageError(f"没有群 {address} (unknown chat)")
                groups.append(record)
        posted = await service.announce(
            args.event, by="cli", committee_ids=chosen, tags=tags, groups=groups
        )
        if posted is None:
            raise UsageError(f"没有可发布的活动 #{args.event} (no such open event)")
        if not posted:
            raise UsageError(text("zh", "events.announce_cmd.no_groups"))
        names = "、".join(g.title or str(g.address) for g in posted)
        print(f"已发到 {len(posted)} 个群 (posted to {len(posted)} groups)：{names}")
        return 0

    return await with_app(settings, work)


async def cmd_reschedule(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        starts_at = _moment(app, args.start, "--start")
        assert starts_at is not None
        if starts_at <= app.clock.now():
            raise UsageError(f"--start {args.start!r} 已经过去 (is in the past)")
        ends_at = _moment(app, args.end, "--end")
        if ends_at is not None and ends_at <= starts_at:
            raise UsageError(text("zh", "events.end_before_start"))
        moved = await Events.of(app).reschedule(args.event, starts_at, ends_at)
        if moved is None or moved.starts_at != starts_at:
            raise UsageError(f"没有可改期的活动 #{args.event} (no such open event)")
        print(json.dumps(event_json(moved, app.tz), ensure_ascii=False))
        return 0

    return await with_app(settings, work)


async def cmd_message(args: argparse.Namespace, settings: Settings) -> int:
    body = args.text.strip()
    if not body:
        raise UsageError("消息内容不能为空 (the message is empty)")

    async def work(app: App) -> int:
        sent = await Events.of(app).message_confirmed(args.event, body, by="cli")
        if sent is None:
            raise UsageError(f"没有可发消息的活动 #{args.event} (no such open event)")
        print(f"已发给 {sent} 人 (sent to {sent} people)")
        return 0

    return await with_app(settings, work)


def add_commands(sub: Any, db_parent: argparse.ArgumentParser) -> None:
    events = sub.add_parser("events", help="活动报名 (events and sign-ups)")
    actions = events.add_subparsers(dest="events_command", metavar="ACTION", required=True)

    add = actions.add_parser("add", parents=[db_parent], help="新建活动 (create an event)")
    add.add_argument("--title", required=True)
    add.add_argument("--start", required=True, help="e.g. '2026-07-20 14:00' or 7月20日下午2点")
    add.add_argument("--end")
    add.add_argument("--place", required=True)
    add.add_argument("--description")
    add.add_argument("--capacity", type=int, help="people (default: unlimited)")
    add.add_argument("--deadline", help="sign-ups close (default: at the start)")
    add.add_argument("--max-party", type=int, default=1, help="people per sign-up (default 1)")
    add.add_argument(
        "--committee",
        action="extend",
        nargs="+",
        help="residents' committees it is open to, e.g. 三门 高雄 (or repeat the flag)",
    )
    add.add_argument("--phone-required", action="store_true")
    add.add_argument("--json", action="store_true", help="print the event as JSON")
    add.set_defaults(func=cmd_add)

    listing = actions.add_parser("list", parents=[db_parent], help="列出活动 (list events)")
    listing.add_argument("--all", action="store_true", help="include past events")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)

    roster = actions.add_parser("roster", parents=[db_parent], help="报名名单 (roster)")
    roster.add_argument("event", type=int)
    roster.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv")
    roster.add_argument("--output", type=Path, help="file to write (default: stdout)")
    roster.set_defaults(func=cmd_roster)

    cancel = actions.add_parser("cancel", parents=[db_parent], help="取消活动 (cancel an event)")
    cancel.add_argument("event", type=int)
    cancel.set_defaults(func=cmd_cancel)

    announce = actions.add_parser("announce", parents=[db_parent], help="发到群里 (post to groups)")
    announce.add_argument("event", type=int)
    announce.add_argument(
        "--committee", action="extend", nargs="+", help="these residents' committees' groups"
    )
    announce.add_argument("--tag", action="append", help="residents|directors|staff|committee")
    announce.add_argument("--chat", action="append", help="a group as PLATFORM:ID (repeatable)")
    announce.set_defaults(func=cmd_announce)

    move = actions.add_parser("reschedule", parents=[db_parent], help="改期 (move an event)")
    move.add_argument("event", type=int)
    move.add_argument("--start", required=True)
    move.add_argument("--end")
    move.set_defaults(func=cmd_reschedule)

    message = actions.add_parser(
        "message", parents=[db_parent], help="给已报名的人发消息 (message everyone confirmed)"
    )
    message.add_argument("event", type=int)
    message.add_argument("text")
    message.set_defaults(func=cmd_message)
