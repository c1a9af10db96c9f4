"""``juwei reports list|show|set|export|digest``: hazard reports from the shell, acting as staff."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.cli import UsageError, committee_ids, with_app
from bot.hazards.model import Category, Department, HazardError, Report, Status
from bot.hazards.repo import Filters
from bot.hazards.service import HazardService
from bot.hazards.views import card_text, list_line, record
from bot.i18n import LANGUAGES, text
from bot.parsing import normalise, strip_controls
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import App


def _named(word: str, members: list[Any], what: str) -> Any:
    """A status, category or department by its code or its label in any language.

    Labels also count without their leading 已, as the chat's buttons say them: 受理, 派单,
    整改, 结案.
    """
    said = normalise(word)
    for member in members:
        labels = {normalise(c[member.key]) for c in LANGUAGES.values() if member.key in c}
        labels |= {label.removeprefix("已") for label in labels}
        if said == member.value or said in labels:
            return member
    names = "、".join(text("zh", m.key) for m in members)
    raise UsageError(f"未知{what} {word!r}，可选：{names}")


def _day(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{flag} 应写成 YYYY-MM-DD，例如 2026-07-01 (expected a date)") from None


async def _filters(app: App, args: argparse.Namespace, service: HazardService) -> Filters:
    chosen = await committee_ids(app, args.committee or ())
    return Filters(
        status=_named(args.status, list(Status), "状态") if args.status else None,
        category=_named(args.category, list(Category), "类别") if args.category else None,
        committee_id=chosen[0] if chosen else None,
        also_committees=tuple(chosen[1:]),
        overdue_cutoffs=service.overdue_cutoffs() if args.overdue else None,
    )


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


DEFAULT_LIMIT = 50  # newest first: what a person reads at a terminal


class _JsonArray:
    """One JSON array written an element at a time, laid out as ``json.dumps(indent=2)``
    lays out the whole list, so ``--all`` never holds every report at once."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0

    def write(self, items: list[dict[str, Any]]) -> None:
        parts = []
        for item in items:
            body = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            parts.append(("[\n  " if self.count == 0 else ",\n  ") + body)
            self.count += 1
        self.out.write("".join(parts))

    def close(self) -> None:
        self.out.write("\n]\n" if self.count else "[]\n")


async def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit 至少为 1 (must be at least 1)")

    async def work(app: App) -> int:
        service = HazardService.of(app)
        t = partial(text, settings.default_language)
        now = app.clock.now()
        filters = await _filters(app, args, service)
        limit = args.limit or DEFAULT_LIMIT
        if args.all:
            chunks = service.stream(filters)
        else:
            chunks = _one(await service.search(filters, limit=limit))
        array = _JsonArray(sys.stdout) if args.json else None
        shown = 0
        async for reports in chunks:
            if array is not None:
                photos = await service.photos_of(reports)
                array.write(
                    [
                        record(
                            t,
                            r,
                            app.tz,
                            overdue=service.rules.overdue(r, now),
                            photos=photos.get(r.id, ()),
                        )
                        for r in reports
                    ]
                )
            else:
                # Text stored before control characters were stripped on the way in must not
                # colour or move the staff terminal.
                lines = [
                    strip_controls(list_line(t, shown + n, r, service.rules.overdue(r, now)))
                    for n, r in enumerate(reports, 1)
                ]
                sys.stdout.write("\n".join(lines) + "\n")
            shown += len(reports)
        if array is not None:
            array.close()
        elif not shown:
            print(t("hazard.list.empty"))
        if not args.all and shown == limit:
            more = await service.count(filters) - shown
            if more > 0:  # on stderr under --json, so the output stays one JSON array
                print(t("hazard.list.more", count=more), file=sys.stderr if args.json else None)
        return 0

    try:
        return await with_app(settings, work)
    except BrokenPipeError:  # ``juwei hazards list --all | head``: the reader had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


async def _one(reports: list[Report]) -> AsyncIterator[list[Report]]:
    yield reports


async def _report_or_fail(service: HazardService, ref: str) -> Any:
    report = await service.by_ref(ref)
    if report is None:
        raise UsageError(f"没有隐患报告 {ref} (no such report)")
    return report


async def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        service = HazardService.of(app)
        t = partial(text, settings.default_language)
        report = await _report_or_fail(service, args.ref)
        history = await service.history(report)
        reporter = await app.users.by_id(report.reporter_id)
        overdue = service.rules.overdue(report, app.clock.now())
        photos = await service.photos(report)
        if args.json:
            data = record(
                t,
                report,
                app.tz,
                overdue=overdue,
                history=history,
                reporter=reporter,
                photos=photos,
            )
            _print_json(data)
        else:
            card = card_text(
                t, report, history, app.tz, overdue=overdue, reporter=reporter, photos=photos
            )
            print(strip_controls(card))
        return 0

    return await with_app(settings, work)


async def cmd_set(args: argparse.Namespace, settings: Settings) -> int:
    target = _named(args.status, list(Status), "状态")
    department = _named(args.department, list(Department), "部门") if args.department else None

    async def work(app: App) -> int:
        service = HazardService.of(app)
        report = await _report_or_fail(service, args.ref)
        try:
            moved = await service.move(
                None,
                report.id,
                target,
                args.note or "",
                department=department,
                duplicate_of=args.duplicate_of,
            )
        except HazardError as exc:
            raise UsageError(text(settings.default_language, exc.key, **exc.params)) from None
        label = text(settings.default_language, moved.status.key)
        print(f"{moved.ref} → {label}（已通知上报人 reporter notified）")
        return 0

    return await with_app(settings, work)


async def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.hazards.export import export

    first, last = _day(args.from_, "--from"), _day(args.to, "--to")

    async def work(app: App) -> int:
        def start_of(day: date) -> datetime:
            return datetime.combine(day, time(), tzinfo=app.tz)

        today = app.clock.now().astimezone(app.tz).strftime("%Y%m%d")
        path: Path = args.output or Path(f"hazards-{today}.{args.format}")
        count = await export(
            app,
            args.format,
            path,
            since=start_of(first) if first else None,
            until=start_of(last + timedelta(days=1)) if last else None,
            with_reporter=args.with_reporter,
        )
        print(f"已导出 {count} 条隐患报告到 {path} (exported {count} reports)")
        return 0

    return await with_app(settings, work)


async def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.hazards.digest import Kind, send_digests, weekly_summary

    kind: Kind = "weekly" if args.weekly else "daily"
    if args.out is None and args.no_post:
        raise UsageError("--no-post 要与 --out 一起用 (--no-post needs --out)")
    if args.out is not None and kind != "weekly":
        raise UsageError("--out 只用于周报 --weekly (only the weekly summary has a chart)")

    async def work(app: App) -> int:
        summary = None
        if args.out is not None:
            summary = await weekly_summary(app)
            assert summary.photo is not None and summary.photo.data is not None
            try:
                args.out.write_bytes(summary.photo.data)
            except OSError as exc:
                raise UsageError(f"无法写入 {args.out} (cannot write): {exc.strerror}") from None
            print(f"图表已保存到 {args.out} (chart saved)")
        if not args.no_post:
            sent = await send_digests(app, kind, weekly=summary)
            print(f"已发送到 {sent} 个工作群 (posted to {sent} staff groups)")
        return 0

    return await with_app(settings, work)


WEEKDAYS = "一二三四五六日"


async def cmd_workdays(args: argparse.Namespace, settings: Settings) -> int:
    from bot.hazards.workdays import knows_year, work_calendar

    year: int = args.year or datetime.now(settings.tz).year
    if not 1900 <= year <= 9999:
        raise UsageError(f"年份 {year} 不对 (not a year)")
    calendar = work_calendar(settings)
    first = date(year, 1, 1)
    days = [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]
    off = [d for d in days if d.weekday() < 5 and not calendar.is_workday(d)]
    on = [d for d in days if d.weekday() >= 5 and calendar.is_workday(d)]
    declared = year in calendar.years_declared()
    if declared:
        source = f"节假日文件 {settings.hazard_holidays_file} (holidays file)"
    elif knows_year(year):
        source = "chinese-calendar 节假日表 (the package's table)"
    else:
        source = "没有 {0} 年的节假日表，按周一至周五计算 (no table for {0}: Monday-Friday)"
        source = source.format(year)
    print(f"{year} 年的工作日 (working days) — 来源 (source): {source}")

    def listed(values: list[date]) -> str:
        return "、".join(f"{d:%m-%d}（周{WEEKDAYS[d.weekday()]}）" for d in values) or "无 (none)"

    print(f"工作日放假 (weekdays off): {listed(off)}")
    print(f"周末调休上班 (make-up workdays): {listed(on)}")
    if not declared and not knows_year(year):
        print(
            "请在国务院办公厅发布放假安排后更新 chinese-calendar，或把当年的安排写进"
            " JUWEI_HAZARD_HOLIDAYS_FILE (update the package or list the year in the holidays file)"
        )
    return 0


def add_commands(sub: Any, db_parent: argparse.ArgumentParser) -> None:
    # ``juwei reports …`` is the spelling people learnt first; it stays as an alias.
    hazards = sub.add_parser("hazards", aliases=["reports"], help="隐患报告 (hazard reports)")
    actions = hazards.add_subparsers(dest="hazards_command", metavar="ACTION", required=True)

    ls = actions.add_parser("list", parents=[db_parent], help="列出隐患报告 (list reports)")
    ls.add_argument("--status", help="待受理, 已受理, ... or submitted, accepted, ...")
    ls.add_argument(
        "--committee",
        action="extend",
        nargs="+",
        help="residents' committees, e.g. 三门 高雄 (or repeat the flag)",
    )
    ls.add_argument("--category", help="群租房, ... or rental, ...")
    ls.add_argument("--overdue", action="store_true", help="only overdue reports")
    how_many = ls.add_mutually_exclusive_group()
    how_many.add_argument(
        "--limit", type=int, metavar="N", help=f"the newest N (default {DEFAULT_LIMIT})"
    )
    how_many.add_argument("--all", action="store_true", help="every report, newest first")
    ls.add_argument("--json", action="store_true", help="JSON output (one array)")
    ls.set_defaults(func=cmd_list)

    show = actions.add_parser("show", parents=[db_parent], help="查看一条报告 (show one report)")
    show.add_argument("ref", help="YH-YYYYMMDD-NNNN")
    show.add_argument("--json", action="store_true", help="JSON output")
    show.set_defaults(func=cmd_show)

    move = actions.add_parser("set", parents=[db_parent], help="改变状态 (move a report)")
    move.add_argument("ref", help="YH-YYYYMMDD-NNNN")
    move.add_argument("status", help="受理, 派单, 整改, 结案 (or 已受理 …), 不予受理, 重复")
    move.add_argument("--note", help="说明，会告诉上报人 (told to the reporter)")
    move.add_argument("--department", help="社区平安办, 房地办, 派出所, 消防救援站, 物业, 居委会")
    move.add_argument("--duplicate-of", help="the original report (for 重复)")
    move.set_defaults(func=cmd_set)

    exp = actions.add_parser("export", parents=[db_parent], help="导出表格 (export)")
    exp.add_argument("--format", choices=("csv", "xlsx"), default="xlsx")
    exp.add_argument("--from", dest="from_", metavar="DATE", help="first day, YYYY-MM-DD")
    exp.add_argument("--to", metavar="DATE", help="last day, YYYY-MM-DD")
    exp.add_argument("--output", type=Path, help="file (default: hazards-YYYYMMDD.FORMAT)")
    exp.add_argument("--with-reporter", action="store_true", help="include name and phone")
    exp.set_defaults(func=cmd_export)

    digest = actions.add_parser("digest", parents=[db_parent], help="发送汇总 (send a digest)")
    which = digest.add_mutually_exclusive_group(required=True)
    which.add_argument("--daily", action="store_true", help="overdue reports")
    which.add_argument("--weekly", action="store_true", help="weekly summary with a chart")
    digest.add_argument("--out", type=Path, metavar="FILE.png", help="also save the chart (PNG)")
    digest.add_argument("--no-post", action="store_true", help="with --out: only save the chart")
    digest.set_defaults(func=cmd_digest)

    workdays = actions.add_parser(
        "workdays", help="某年的放假和调休 (a year's days off and make-up workdays)"
    )
    workdays.add_argument("year", nargs="?", type=int, help="YYYY (default: this year)")
    workdays.set_defaults(func=cmd_workdays)
