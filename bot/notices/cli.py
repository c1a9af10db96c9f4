"""``juwei notices list|add|pause|resume|delete|report|upcoming``: notices from the shell.

A notice added here is a row like any other: the running bot's scheduler picks it up at its
next sweep (within a minute), and one to send now is queued at once for its postmen.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bot import i18n
from bot.chats import TAG_WORDS, Tag
from bot.cli import UsageError, committee_ids, with_app
from bot.clock import local, to_db
from bot.messages import Attachment
from bot.notices import campaign
from bot.notices.delivery import fan_out, format_report, latest_occurrence, report
from bot.notices.repo import AnySchedule, Draft, Kind, Notice, NoticeRepo, Status, Targets
from bot.notices.schedule import Now, Once, Recurring, next_after, occurrences, parse_weekdays
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import App

WEEKDAY_ZH = "一二三四五六日"


ALL_YEAR = ("01-01", "12-31")


def add_commands(sub: Any, db_parent: argparse.ArgumentParser) -> None:
    notices = sub.add_parser("notices", help="定时通知和群发 (scheduled notices)")
    actions = notices.add_subparsers(dest="notices_command", metavar="ACTION", required=True)

    listing = actions.add_parser("list", parents=[db_parent], help="列出通知 (list notices)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)

    add = actions.add_parser("add", parents=[db_parent], help="新增通知 (add a notice)")
    add.add_argument("--text", required=True, help="the message")
    add.add_argument("--title", default="", help="a short title shown above it")
    add.add_argument("--image", type=Path, help="a picture to send with it")
    add.add_argument("--everyone", action="store_true", help="every group")
    add.add_argument(
        "--tag", action="append", default=[], help="residents|directors|staff|committee"
    )
    add.add_argument(
        "--committee",
        action="extend",
        nargs="+",
        default=[],
        help="residents' committees, e.g. 三门 高雄 (or repeat the flag)",
    )
    add.add_argument("--at", help="once, at this local time (2027-06-01 09:00)")
    add.add_argument("--days", help="recurring on these weekdays: mon,thu or 周一,周四")
    add.add_argument("--monthdays", help="recurring on these days of the month: 1,15")
    add.add_argument("--times", default="09:00", help="local times of day, e.g. 09:00,15:30")
    add.add_argument(
        "--from",
        dest="start",
        help="window start: MM-DD (every year) or YYYY-MM-DD; with --until, default all year",
    )
    add.add_argument("--until", dest="end", help="window end: MM-DD or YYYY-MM-DD")
    add.add_argument("--ack", action="store_true", help="ask for 收到")
    add.add_argument("--remind-minutes", type=int, help="remind groups that have not acknowledged")
    add.add_argument("--urgent", action="store_true", help="also during quiet hours")
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=cmd_add)

    for name, func, text in (
        ("pause", cmd_pause, "暂停 (pause)"),
        ("resume", cmd_resume, "恢复 (resume)"),
        ("delete", cmd_delete, "删除 (delete)"),
    ):
        action = actions.add_parser(name, parents=[db_parent], help=text)
        action.add_argument("id", type=int)
        action.set_defaults(func=func)

    rep = actions.add_parser("report", parents=[db_parent], help="发送情况 (delivery report)")
    rep.add_argument("id", type=int)
    rep.add_argument("--json", action="store_true")
    rep.set_defaults(func=cmd_report)

    upcoming = actions.add_parser("upcoming", parents=[db_parent], help="即将发送 (planned)")
    upcoming.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (default today)")
    upcoming.add_argument("--days", type=int, default=14, help="how many days (default 14)")
    upcoming.add_argument("--json", action="store_true")
    upcoming.set_defaults(func=cmd_upcoming)


async def _with_app(settings: Settings, work: Any) -> int:
    async def prepared(app: App) -> int:
        await campaign.ensure(app)
        return int(await work(app))

    return await with_app(settings, prepared)


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


async def _targets_json(app: App, targets: Targets) -> dict[str, Any]:
    names = []
    for committee_id in targets.committees:
        committee = await app.committees.resident_by_id(committee_id)
        names.append(committee.name if committee else str(committee_id))
    chats = [c for c in await targets.chats(app.chats, app.platforms) if c.active]
    return {
        "everyone": targets.everyone,
        "tags": [t.value for t in targets.tags],
        "committees": names,
        "chats": [{"chat": str(c.address), "title": c.title} for c in chats],
    }


def _next(app: App, notice: Notice) -> datetime | None:
    if notice.status is not Status.ACTIVE:
        return None
    return next_after(
        notice.schedule,
        app.clock.now(),
        tz=app.tz,
        since=notice.since,
        meeting_at=notice.meeting_at,
    )


async def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        rows: list[dict[str, Any]] = []
        # Notices share a few kinds of targets ("every group", "the residents' groups"): each
        # is looked up once, not once a notice, with thousands of groups behind it.
        aimed: dict[Targets, dict[str, Any]] = {}
        for notice in await NoticeRepo(app.db, app.clock).all():
            upcoming = _next(app, notice)
            if notice.targets not in aimed:
                aimed[notice.targets] = await _targets_json(app, notice.targets)
            rows.append(
                {
                    "id": notice.id,
                    "kind": notice.kind.value,
                    "status": notice.status.value,
                    "title": notice.title or notice.body[:30],
                    "schedule": notice.schedule.model_dump(mode="json"),
                    "targets": aimed[notice.targets],
                    "next": local(upcoming, app.tz) if upcoming else None,
                    "ack": notice.ack,
                    "urgent": notice.urgent,
                }
            )
        if args.json:
            _print_json(rows)
        else:
            lang = settings.default_language
            for row in rows:
                line = i18n.text(
                    lang,
                    "notices.cli.line",
                    id=row["id"],
                    kind=i18n.text(lang, f"notices.kind.{row['kind']}"),
                    status=i18n.text(lang, f"notices.status.{row['status']}"),
                    title=row["title"],
                    next=row["next"] or "—",
                    groups=len(row["targets"]["chats"]),
                )
                print(line)
            if not rows:
                print(i18n.text(lang, "notices.none"))
        return 0

    return await _with_app(settings, work)


def _schedule(args: argparse.Namespace, app: App) -> AnySchedule:
    from bot.parsing import InputError, parse_datetime

    if args.at and (args.days or args.monthdays):
        raise UsageError("--at 与 --days/--monthdays 只能选一种 (choose once or recurring)")
    if args.at:
        now = app.clock.now()
        try:
            moment = parse_datetime(args.at, now=now.astimezone(app.tz), tz=app.tz)
        except InputError as exc:
            raise UsageError(f"看不懂时间 {args.at!r} (use 2027-06-01 09:00)") from exc
        if moment <= now:
            raise UsageError(f"{args.at} 已经过去了 (that time has passed)")
        return Once(at=moment)
    if args.days or args.monthdays:
        if bool(args.start) != bool(args.end):
            raise UsageError(
                "重复规则有误 (bad recurring schedule): 请写 --from 和 --until，如 06-01 和 09-30"
            )
        if not args.start:  # no window given: all year round, every year
            args.start, args.end = ALL_YEAR
        try:
            weekdays = parse_weekdays(args.days or "")
            monthdays = tuple(int(d) for d in (args.monthdays or "").split(",") if d.strip())
            times = tuple(time.fromisoformat(t.strip()) for t in args.times.split(",") if t.strip())
            return Recurring(
                weekdays=weekdays,
                monthdays=monthdays,
                times=times,
                start=args.start,
                end=args.end,
            )
        except ValueError as exc:
            first = (
                exc.errors()[0]["msg"]
                if isinstance(exc, ValidationError)
                else str(exc).splitlines()[0]
            )
            raise UsageError(f"重复规则有误 (bad recurring schedule): {first}") from exc
    return Now()


async def _targets(args: argparse.Namespace, app: App) -> Targets:
    tags = []
    for word in args.tag:
        tag = TAG_WORDS.get(word.lower())
        if tag is None:
            raise UsageError(f"未知群类型 {word!r}：{', '.join(t.value for t in Tag)}")
        tags.append(tag)
    committees = await committee_ids(app, args.committee)
    targets = Targets(everyone=args.everyone, tags=tuple(tags), committees=tuple(committees))
    if targets.empty:
        raise UsageError("请指定 --everyone、--tag 或 --committee (who should get it?)")
    return targets


def _image(path: Path | None) -> Attachment | None:
    if path is None:
        return None
    if not path.is_file():
        raise UsageError(f"没有图片文件 {path} (image not found)")
    mime = "image/png" if path.suffix.lower() == ".png" else "image/jpeg"
    return Attachment(path.name, data=path.read_bytes(), mime_type=mime)


async def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    if not args.text.strip():
        raise UsageError("--text 不能为空 (the message is empty)")
    if args.remind_minutes is not None and args.remind_minutes < 1:
        raise UsageError("--remind-minutes 至少 1 (at least 1)")

    async def work(app: App) -> int:
        schedule = _schedule(args, app)
        draft = Draft(
            kind=Kind.NOTICE,
            title=args.title,
            body=args.text,
            image=_image(args.image),
            targets=await _targets(args, app),
            schedule=schedule,
            created_by="cli",
            urgent=args.urgent,
            ack=args.ack,
            ack_remind_minutes=args.remind_minutes,
        )
        notice = await NoticeRepo(app.db, app.clock).add(draft)
        queued = None
        if isinstance(schedule, Now):
            queued = await fan_out(app, notice, notice.since)
        upcoming = _next(app, notice)
        result = {
            "id": notice.id,
            "queued": queued.queued if queued else 0,
            "next": local(upcoming, app.tz) if upcoming else None,
        }
        if args.json:
            _print_json(result)
        elif queued is not None:
            print(f"通知 #{notice.id} 已排队发往 {queued.queued} 个群。")
        else:
            print(f"通知 #{notice.id} 已保存，下次发送 {result['next'] or '—'}。")
        return 0

    return await _with_app(settings, work)


async def _set_status(settings: Settings, notice_id: int, status: Status, done: str) -> int:
    async def work(app: App) -> int:
        repo = NoticeRepo(app.db, app.clock)
        notice = await repo.get(notice_id)
        if notice is None:
            raise UsageError(f"没有通知 #{notice_id} (no such notice)")
        allowed = (Status.ACTIVE,) if status is Status.PAUSED else (Status.PAUSED,)
        if await repo.set_status(notice_id, status, only_from=allowed):
            print(f"通知 #{notice_id} {done}。")
        else:
            label = i18n.text(settings.default_language, f"notices.status.{notice.status.value}")
            print(f"通知 #{notice_id} 现在是「{label}」，没有改变。")
        return 0

    return await _with_app(settings, work)


async def cmd_pause(args: argparse.Namespace, settings: Settings) -> int:
    return await _set_status(settings, args.id, Status.PAUSED, "已暂停")


async def cmd_resume(args: argparse.Namespace, settings: Settings) -> int:
    return await _set_status(settings, args.id, Status.ACTIVE, "已恢复")


async def cmd_delete(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        repo = NoticeRepo(app.db, app.clock)
        notice = await repo.get(args.id)
        if notice is None:
            raise UsageError(f"没有通知 #{args.id} (no such notice)")
        if notice.system_key:
            raise UsageError(f"#{args.id} 是内置通知，只能暂停 (built in: pause it instead)")
        await repo.delete(args.id)
        print(f"通知 #{args.id} 已删除。")
        return 0

    return await _with_app(settings, work)


async def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        notice = await NoticeRepo(app.db, app.clock).get(args.id)
        if notice is None:
            raise UsageError(f"没有通知 #{args.id} (no such notice)")
        occurrence = await latest_occurrence(app, args.id)
        result = await report(app, occurrence) if occurrence else None
        if result is None:
            print(f"通知 #{args.id} 还没有发送记录。")
            return 0
        if args.json:
            _print_json(
                {
                    "notice": result.notice_id,
                    "occurrence": result.occurrence_id,
                    "due": local(result.due, app.tz),
                    "total": result.total,
                    "sent": result.sent,
                    "failed": result.failed,
                    "inactive": result.inactive,
                    "waiting": result.waiting,
                    "failures": [{"chat": c, "reason": r} for c, r in result.failures],
                    "acked": [{"person": p, "chat": c} for p, c in result.acked],
                    "not_acked": result.not_acked,
                }
            )
        else:
            print(format_report(settings.default_language, result, limit=1000))
        return 0

    return await _with_app(settings, work)


async def planned(app: App, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Every occurrence of an active notice with ``start <= t <= end``, with its targets."""
    now = app.clock.now()
    repo = NoticeRepo(app.db, app.clock)
    found: list[dict[str, Any]] = []
    current_tips = await campaign.tips(app)
    for notice in await repo.active():
        settled = await repo.settled(notice.id)

        def times(
            first: datetime,
            last: datetime,
            notice: Notice = notice,
            settled: set[datetime] = settled,
        ) -> list[datetime]:
            return [
                t
                for t in occurrences(
                    notice.schedule,
                    max(first, notice.since),
                    last,
                    tz=app.tz,
                    since=notice.since,
                    meeting_at=notice.meeting_at,
                )
                if t not in settled
            ]

        moments = times(start, end)
        if not moments:
            continue
        tips: list[campaign.CampaignTip | None] = [None] * len(moments)
        if notice.kind is Kind.CAMPAIGN:
            before = times(now, start - timedelta(microseconds=1)) if start > now else []
            sequence = campaign.forecast(current_tips, len(before) + len(moments))
            tips = list(sequence[len(before) :]) or tips
        targets = await _targets_json(app, notice.targets)
        for moment, tip in zip(moments, tips, strict=False):
            shown = moment.astimezone(app.tz)
            found.append(
                {
                    "notice": notice.id,
                    "kind": notice.kind.value,
                    "title": notice.title or notice.body[:30],
                    "at": local(moment, app.tz),
                    "at_utc": to_db(moment),
                    "weekday": shown.strftime("%a").lower(),
                    "tip": tip.title if tip else None,
                    "targets": targets,
                }
            )
    found.sort(key=lambda item: (item["at_utc"], item["notice"]))
    return found


async def cmd_upcoming(args: argparse.Namespace, settings: Settings) -> int:
    if args.days < 1 or args.days > 366:
        raise UsageError("--days 取 1 到 366 (days: 1-366)")
    try:
        first_day = date.fromisoformat(args.start) if args.start else None
    except ValueError as exc:
        raise UsageError(f"日期应写成 YYYY-MM-DD，不是 {args.start!r}") from exc

    async def work(app: App) -> int:
        day = first_day or app.clock.now().astimezone(app.tz).date()
        start = datetime.combine(day, time(0), tzinfo=app.tz).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=args.days), time(0), tzinfo=app.tz).astimezone(
            UTC
        ) - timedelta(microseconds=1)
        found = await planned(app, start, end)
        if args.json:
            _print_json(found)
            return 0
        if not found:
            print("这段时间没有安排发送的通知。")
        for item in found:
            weekday = WEEKDAY_ZH[
                datetime.fromisoformat(item["at_utc"]).astimezone(app.tz).weekday()
            ]
            tip = f" · {item['tip']}" if item["tip"] else ""
            print(
                f"{item['at']} 周{weekday}  #{item['notice']} {item['title']}"
                f" → {len(item['targets']['chats'])} 个群{tip}"
            )
        return 0

    return await _with_app(settings, work)
