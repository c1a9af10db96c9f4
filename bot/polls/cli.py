"""``juwei polls …``: consultations from a terminal.

Whoever runs these has the database, so they act as staff: the household codes and owners'
names (for printing the 征询函) and the rooms that have not answered are theirs to see.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli import UsageError, committee_ids, with_app
from bot.clock import local
from bot.i18n import text
from bot.messages import Address
from bot.parsing import InputError, parse_datetime
from bot.polls.households import PollError, read_households
from bot.polls.reminders import announce
from bot.polls.service import AFTER, ALWAYS, BUILDING, SIMPLE, Poll, Polls
from bot.polls.views import area_text, choice_label, result_json, totals_text
from bot.sheets import Sheet

if TYPE_CHECKING:
    from bot.app import App
    from bot.settings import Settings

TOTALS_WORDS = {"after": AFTER, "截止后": AFTER, "always": ALWAYS, "随时": ALWAYS}


def _lang(settings: Settings) -> str:
    return settings.default_language


async def _run(settings: Settings, work: Any, *, demo: bool = False) -> int:
    try:
        return int(await with_app(settings, work, demo=demo))
    except PollError as exc:
        raise UsageError(text(_lang(settings), exc.key, **exc.params)) from exc


def deadline_of(app: App, said: str) -> datetime:
    """A date alone is the whole of that day (answers until 23:59); a time is taken as written."""
    now = app.clock.now().astimezone(app.tz)
    try:
        day = date.fromisoformat(said.strip())
    except ValueError:
        try:
            try:
                moment = parse_datetime(said, now=now, tz=app.tz)
            except InputError as exc:
                if exc.key != "input.datetime.no_time":
                    raise
                moment = parse_datetime(f"{said} 23:59", now=now, tz=app.tz)  # 7月25日: all day
        except InputError as exc:
            message = text("zh", exc.key, **exc.params)
            raise UsageError(f"--deadline {said!r}: {message}") from exc
    else:
        moment = datetime.combine(day, time(23, 59), tzinfo=app.tz)
    if moment <= app.clock.now():
        raise UsageError(f"--deadline {said!r} 已经过去 (is in the past)")
    return moment


async def _poll(app: App, poll_id: int) -> Poll:
    poll = await Polls.of(app).get(poll_id)
    if poll is None:
        raise PollError("polls.not_found", id=poll_id)
    return poll


async def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    lang = _lang(settings)
    totals = TOTALS_WORDS.get(args.totals)
    if totals is None:
        raise UsageError(f"--totals {args.totals!r}: after | always")
    if not args.title.strip():
        raise UsageError(text(lang, "polls.cli.no_title"))
    if args.kind == BUILDING:
        if not args.building or not args.households or not args.committee:
            raise UsageError(text(lang, "polls.cli.building_needs"))
    elif args.options is None:
        raise UsageError(text(lang, "polls.cli.simple_needs"))

    async def work(app: App) -> int:
        deadline = deadline_of(app, args.deadline)
        chosen = await committee_ids(app, args.committee or ())
        if len(chosen) > 1:
            raise UsageError(text(lang, "polls.cli.one_committee"))
        service = Polls.of(app)
        if args.kind == BUILDING:
            households = read_households(args.households)
            poll = await service.create_building(
                title=args.title.strip(),
                committee_id=chosen[0],
                building=args.building.strip(),
                households=households,
                deadline=deadline,
                totals_public=totals,
                by="cli",
            )
        else:
            chat_ids = []
            for ref in args.chat or ():
                try:
                    record = await app.chats.find(Address.parse(ref))
                except ValueError:
                    record = None
                if record is None:
                    raise UsageError(text(lang, "polls.cli.unknown_chat", chat=ref))
                chat_ids.append(record.id)
            if not chosen and not chat_ids:
                raise UsageError(text(lang, "polls.cli.simple_needs"))
            poll = await service.create_simple(
                title=args.title.strip(),
                committee_id=chosen[0] if chosen else None,
                options=args.options,
                chat_ids=chat_ids,
                deadline=deadline,
                totals_public=totals,
                by="cli",
            )
        groups = 0 if args.no_announce else await announce(app, poll)
        rows = await service.households(poll.id)
        if args.json:
            found: dict[str, Any] = {
                "id": poll.id,
                "kind": poll.kind,
                "title": poll.title,
                "deadline": poll.deadline.astimezone(app.tz).isoformat(timespec="minutes"),
                "announced_to": groups,
            }
            if poll.kind == BUILDING:
                found["codes"] = {h.room: h.code for h in rows}
            else:
                found["options"] = list(poll.options)
            print(json.dumps(found, ensure_ascii=False))
            return 0
        print(text(lang, "polls.cli.added", id=poll.id, deadline=local(poll.deadline, app.tz)))
        for h in rows:
            print(f"{h.room}\t{h.code}")
        return 0

    return await _run(settings, work, demo=True)


def codes_sheet(app: App, poll: Poll, rows: list[Any]) -> Sheet:
    headers = ["室号", "专有部分面积", "业主姓名", "户号码", "楼栋", "意见征询", "截止时间"]
    deadline = poll.deadline.astimezone(app.tz).replace(tzinfo=None)
    return Sheet(
        title=f"#{poll.id} {poll.building or poll.title}",
        headers=headers,
        widths=[8, 14, 12, 12, 20, 30, 18],
        rows=[
            [h.room, area_text(h.area), h.owner or "", h.code, poll.building, poll.title, deadline]
            for h in rows
        ],
    )


async def cmd_codes(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        poll = await _poll(app, args.poll)
        if poll.kind != BUILDING:
            raise PollError("polls.cli.no_codes", id=poll.id)
        sheet = codes_sheet(app, poll, await Polls.of(app).households(poll.id))
        data = sheet.xlsx() if args.format == "xlsx" else sheet.csv()
        if args.output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            args.output.write_bytes(data)
        return 0

    return await _run(settings, work)


async def cmd_result(args: argparse.Namespace, settings: Settings) -> int:
    lang = _lang(settings)

    async def work(app: App) -> int:
        poll = await _poll(app, args.poll)
        service = Polls.of(app)
        tally = await service.tally(poll) if poll.kind == BUILDING else None
        counts = await service.option_counts(poll) if poll.kind != BUILDING else []
        if args.json:
            found = result_json(poll, app.tz, app.clock.now(), tally, counts)
            print(json.dumps(found, ensure_ascii=False))
            return 0
        print(totals_text(lang, poll, app.tz, tally, counts))
        if tally is not None:
            missing = "、".join(tally.missing) or "—"
            print(text(lang, "polls.cli.missing", rooms=missing))
        return 0

    return await _run(settings, work)


async def cmd_answers(args: argparse.Namespace, settings: Settings) -> int:
    """Who answered what, room by room (staff only: whoever has the database)."""
    lang = _lang(settings)

    async def work(app: App) -> int:
        poll = await _poll(app, args.poll)
        if poll.kind != BUILDING:
            raise PollError("polls.cli.no_codes", id=poll.id)
        rows = await Polls.of(app).households(poll.id)
        listed = [
            {
                "room": h.room,
                "area": area_text(h.area),
                "owner": h.owner,
                "answer": choice_label(lang, poll, h.choice) if h.choice else None,
                "answer_code": h.choice,
                "answered_at": local(h.answered_at, app.tz) if h.answered_at else None,
            }
            for h in rows
        ]
        if args.json:
            print(json.dumps(listed, ensure_ascii=False))
            return 0
        for row in listed:
            print(f"{row['room']}\t{row['area']}\t{row['owner'] or ''}\t{row['answer'] or '—'}")
        return 0

    return await _run(settings, work)


async def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    lang = _lang(settings)

    async def work(app: App) -> int:
        polls = await Polls.of(app).all()
        now = app.clock.now()
        if args.json:
            print(
                json.dumps(
                    [
                        {
                            "id": p.id,
                            "kind": p.kind,
                            "title": p.title,
                            "committee": p.committee,
                            "building": p.building,
                            "deadline": p.deadline.astimezone(app.tz).isoformat(timespec="minutes"),
                            "closed": p.closed(now),
                        }
                        for p in polls
                    ],
                    ensure_ascii=False,
                )
            )
            return 0
        for p in polls:
            state = text(lang, "polls.cli.closed" if p.closed(now) else "polls.cli.open")
            print(
                f"#{p.id}　{p.building or p.committee or ''}　{p.title}"
                f"　{local(p.deadline, app.tz)}　{state}"
            )
        return 0

    return await _run(settings, work)


def add_commands(sub: Any, db_parent: argparse.ArgumentParser) -> None:
    polls = sub.add_parser("polls", help="意见征询 (consultations and polls)")
    actions = polls.add_subparsers(dest="polls_command", metavar="ACTION", required=True)

    add = actions.add_parser("add", parents=[db_parent], help="新建意见征询 (create a poll)")
    add.add_argument("--kind", choices=(SIMPLE, BUILDING), default=SIMPLE)
    add.add_argument("--title", required=True, help="the question")
    add.add_argument("--committee", action="extend", nargs="+", help="residents' committee")
    add.add_argument("--building", help="小区 + 门栋, e.g. 三门小区5号楼 (building polls)")
    add.add_argument(
        "--households", type=Path, help="csv or xlsx: 室号, 专有部分面积, 业主姓名 (optional)"
    )
    add.add_argument(
        "--option", dest="options", action="append", help="a choice (simple polls; 2–6)"
    )
    add.add_argument("--chat", action="append", help="a group PLATFORM:ID (simple polls)")
    add.add_argument("--deadline", required=True, help="e.g. 2026-07-25 (the whole day)")
    add.add_argument(
        "--totals",
        default=AFTER,
        help="residents see running totals: after (the deadline, default) | always",
    )
    add.add_argument("--no-announce", action="store_true", help="do not post it to the groups")
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=cmd_add)

    codes = actions.add_parser("codes", parents=[db_parent], help="户号码 (household codes)")
    codes.add_argument("poll", type=int)
    codes.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    codes.add_argument("--output", type=Path, help="file to write (default: stdout)")
    codes.set_defaults(func=cmd_codes)

    result = actions.add_parser("result", parents=[db_parent], help="结果 (the result)")
    result.add_argument("poll", type=int)
    result.add_argument("--json", action="store_true")
    result.set_defaults(func=cmd_result)

    answers = actions.add_parser("answers", parents=[db_parent], help="逐户意见 (per room)")
    answers.add_argument("poll", type=int)
    answers.add_argument("--json", action="store_true")
    answers.set_defaults(func=cmd_answers)

    listing = actions.add_parser("list", parents=[db_parent], help="列出意见征询 (list polls)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)
