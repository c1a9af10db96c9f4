"""``juwei events add|list|roster|cancel|announce|reschedule|message``: staff tools."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.chats import ChatRecord, Tag
from bot.cli import UsageError, committee_ids, with_app
from bot.events.model import Event, NewEvent, Roster, RosterLine
from bot.events.service import Events
from bot.i18n import text
from bot.messages import Address
from bot.parsing import InputError, parse_datetime
from bot.sheets import append_row, csv_cell

if TYPE_CHECKING:
    from bot.app import App
    from bot.settings import Settings

ROSTER_COLUMNS = (
    "status", "position", "name", "party", "phone", "code", "checked_in_at", "signed_up_at", "user",
)  # fmt: skip


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


def roster_rows(roster: Roster, tz: ZoneInfo) -> list[list[Any]]:
    lines = [*roster.confirmed, *roster.waiting, *roster.cancelled]
    return [[_line_json(line, tz)[column] for column in ROSTER_COLUMNS] for line in lines]


def roster_csv(roster: Roster, tz: ZoneInfo) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ROSTER_COLUMNS)
    writer.writerows([csv_cell(v) for v in row] for row in roster_rows(roster, tz))
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets Excel read the Chinese names


def roster_xlsx(roster: Roster, tz: ZoneInfo) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"#{roster.event.id}"
    append_row(
        sheet, [roster.event.title, _local_iso(roster.event.starts_at, tz), roster.event.place]
    )
    append_row(sheet, ROSTER_COLUMNS)
    for row in roster_rows(roster, tz):
        append_row(sheet, row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


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
        found = [
            event_json(event, app.tz, taken=await service.seats_taken(event.id)) for event in events
        ]
        if args.json:
            print(json.dumps(found, ensure_ascii=False))
            return 0
        for item in found:
            capacity = item["capacity"] if item["capacity"] is not None else "∞"
            print(
                f"#{item['id']}\t{item['start']}\t{item['title']}\t{item['place']}"
                f"\t{item['seats_taken']}/{capacity}\t{item['status']}"
            )
        return 0

    return await with_app(settings, work)


async def cmd_roster(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        roster = await Events.of(app).roster(args.event)
        if roster is None:
            raise UsageError(f"没有活动 #{args.event} (no such event)")
        if args.format == "json":
            data = json.dumps(roster_json(roster, app.tz), ensure_ascii=False, indent=2) + "\n"
            _write(data.encode("utf-8"), args.output)
        elif args.format == "csv":
            _write(roster_csv(roster, app.tz), args.output)
        else:
            _write(roster_xlsx(roster, app.tz), args.output)
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
        "--committee", action="append", help="residents' committee it is open to (repeatable)"
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
    announce.add_argument("--committee", action="append", help="residents' committee's groups")
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
