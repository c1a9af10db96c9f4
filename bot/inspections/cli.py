"""``juwei places …`` (the key places register) and ``juwei inspections …`` (campaigns and their
progress), acting as staff."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli import UsageError, committee_ids, with_app
from bot.inspections import checklists
from bot.inspections.campaigns import Campaigns, parse_day, parse_node
from bot.inspections.places import Place, PlaceError, Register, read_rows
from bot.inspections.progress import coverage, place_sheet, statuses
from bot.inspections.reminders import announce
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import App


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _line(place: Place) -> str:
    notes = f"｜{place.notes}" if place.notes else ""
    return f"#{place.id}　{place.committee}｜{place.kind}｜{place.name}｜{place.address}{notes}"


def _location(value: str | None) -> tuple[float | None, float | None]:
    if value is None:
        return None, None
    try:
        lat, lon = (float(v) for v in value.replace("，", ",").split(","))
    except ValueError:
        raise UsageError("--location 应写成 纬度,经度，例如 31.2102,121.4962 (LAT,LON)") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise UsageError("--location 超出范围 (latitude/longitude out of range)")
    return lat, lon


async def cmd_places_add(args: argparse.Namespace, settings: Settings) -> int:
    lat, lon = _location(args.location)

    async def work(app: App) -> int:
        try:
            place = await Register(app).add(
                args.committee, args.kind, args.name, args.address, args.notes or "", lat, lon
            )
        except PlaceError as exc:
            raise UsageError(str(exc)) from None
        if args.json:
            _print_json(place.record())
        else:
            print(place.id)
        return 0

    return await with_app(settings, work)


async def cmd_places_import(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        try:
            rows = read_rows(args.file)
            if not rows:
                raise PlaceError("文件里没有场所 (no rows in the file)")
            added = await Register(app).add_many(rows)
        except OSError as exc:
            raise UsageError(f"无法读取 {args.file} (cannot read): {exc.strerror}") from None
        except PlaceError as exc:
            raise UsageError(f"{exc}；未导入任何场所 (nothing imported)") from None
        print(f"已导入 {len(added)} 处重点场所 (imported {len(added)} places)")
        return 0

    return await with_app(settings, work)


async def cmd_places_list(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        register = Register(app)
        kinds = []
        try:
            if args.kind:
                kinds = [(await register.kind(k)).name for k in args.kind]
        except PlaceError as exc:
            raise UsageError(str(exc)) from None
        places = await register.search(await committee_ids(app, args.committee or ()), kinds)
        if not args.include_personal:
            places = [p.masked() for p in places]
        if args.json:
            _print_json([p.record() for p in places])
        else:
            for place in places:
                print(_line(place))
            if not places:
                print("没有重点场所 (no places)")
        return 0

    return await with_app(settings, work)


async def cmd_places_kinds(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        register = Register(app)
        if args.add:
            try:
                await register.add_kind(args.add, personal=args.personal)
            except PlaceError as exc:
                raise UsageError(str(exc)) from None
        for kind in await register.kinds():
            personal = "（个人信息 personal）" if kind.personal else ""
            items = "、".join(checklists.items_for(kind.name))
            print(f"{kind.name}{personal}：{items}")
        return 0

    return await with_app(settings, work)


async def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    try:
        starts_on, ends_on = parse_day(args.from_, "--from"), parse_day(args.until, "--until")
        nodes = [parse_node(n) for n in args.node or ()]
        override = None
        if args.checklist is not None:
            override = checklists.parse(args.checklist.read_text(encoding="utf-8"))
    except (PlaceError, checklists.ChecklistError) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"无法读取 {args.checklist} (cannot read): {exc.strerror}") from None

    async def work(app: App) -> int:
        chosen = await committee_ids(app, args.committee or ())
        try:
            campaign = await Campaigns(app).add(
                args.title, starts_on, ends_on, args.kind or (), chosen, nodes, override
            )
        except PlaceError as exc:
            raise UsageError(str(exc)) from None
        told = await announce(app, campaign)
        if args.json:
            _print_json(_campaign_record(campaign) | {"announced_to": told})
        else:
            print(campaign.id)
        return 0

    return await with_app(settings, work)


def _campaign_record(campaign: Any) -> dict[str, object]:
    return {
        "id": campaign.id,
        "title": campaign.title,
        "from": campaign.starts_on.isoformat(),
        "until": campaign.ends_on.isoformat(),
        "kinds": campaign.kinds,
        "committees": campaign.committees,
        "nodes": [{"date": n.due_on.isoformat(), "percent": n.percent} for n in campaign.nodes],
        "checklists": {k: checklists.items_for(k, campaign.checklists) for k in campaign.kinds},
    }


async def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        campaigns = await Campaigns(app).all()
        if args.json:
            _print_json([_campaign_record(c) for c in campaigns])
        for c in [] if args.json else campaigns:
            print(f"#{c.id}　{c.title}　{c.starts_on}～{c.ends_on}　{'、'.join(c.kinds)}")
        if not campaigns and not args.json:
            print("还没有专项行动 (no campaigns)")
        return 0

    return await with_app(settings, work)


async def cmd_progress(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        campaign = await Campaigns(app).get(args.id)
        if campaign is None:
            raise UsageError(f"没有专项行动 #{args.id} (no such campaign)")
        if args.format == "xlsx":
            rows = await statuses(app, campaign)
            sheet = place_sheet(app, campaign, rows, include_personal=args.include_personal)
            path: Path = args.output or Path(f"inspections-{campaign.id}.xlsx")
            try:
                await asyncio.to_thread(path.write_bytes, await asyncio.to_thread(sheet.xlsx))
            except OSError as exc:
                raise UsageError(f"无法写入 {path} (cannot write): {exc.strerror}") from None
            print(f"已导出 {len(rows)} 处场所到 {path} (exported {len(rows)} places)")
            return 0
        rows_ = await coverage(app, campaign)
        if args.json:
            _print_json(
                {
                    "id": campaign.id,
                    "title": campaign.title,
                    "committees": [c.record() for c in rows_],
                }
            )
            return 0
        print(f"#{campaign.id} {campaign.title}")
        for c in rows_:
            behind = f"　落后于节点 {c.target}% (behind)" if c.behind else ""
            print(
                f"{c.committee}：已检查 {c.checked}/{c.places}（{c.percent}%），"
                f"发现隐患 {c.hazards} 起，已结案 {c.hazards_closed} 起{behind}"
            )
        return 0

    return await with_app(settings, work)


def add_commands(sub: Any, db_parent: argparse.ArgumentParser) -> None:
    places = sub.add_parser("places", help="重点场所名册 (key places register)")
    actions = places.add_subparsers(dest="places_command", metavar="ACTION", required=True)

    add = actions.add_parser("add", parents=[db_parent], help="添加重点场所 (add a place)")
    add.add_argument("--committee", required=True, help="居委会, e.g. 三门")
    add.add_argument("--kind", required=True, help="九小场所, 居民楼/门栋, 群租房线索, ...")
    add.add_argument("--name", required=True, help="名称")
    add.add_argument("--address", required=True, help="地址")
    add.add_argument("--notes", help="备注")
    add.add_argument("--location", metavar="LAT,LON", help="位置 (latitude,longitude)")
    add.add_argument("--json", action="store_true", help="JSON output")
    add.set_defaults(func=cmd_places_add)

    imp = actions.add_parser("import", parents=[db_parent], help="导入名册 (import xlsx/csv)")
    imp.add_argument("file", type=Path, help="xlsx or csv: 居委会,类型,名称,地址,备注")
    imp.set_defaults(func=cmd_places_import)

    ls = actions.add_parser("list", parents=[db_parent], help="列出重点场所 (list places)")
    ls.add_argument("--committee", action="extend", nargs="+", help="居委会 (several allowed)")
    ls.add_argument("--kind", action="extend", nargs="+", help="类型 (several allowed)")
    ls.add_argument("--include-personal", action="store_true", help="show 独居孤寡老人 rows")
    ls.add_argument("--json", action="store_true", help="JSON output")
    ls.set_defaults(func=cmd_places_list)

    kinds = actions.add_parser("kinds", parents=[db_parent], help="类型与检查项 (kinds)")
    kinds.add_argument("--add", metavar="NAME", help="添加类型 (add a kind)")
    kinds.add_argument("--personal", action="store_true", help="with --add: rows are personal")
    kinds.set_defaults(func=cmd_places_kinds)

    insp = sub.add_parser("inspections", help="专项行动排摸检查 (inspection campaigns)")
    acts = insp.add_subparsers(dest="inspections_command", metavar="ACTION", required=True)

    new = acts.add_parser("add", parents=[db_parent], help="发起专项行动 (add a campaign)")
    new.add_argument("--title", required=True)
    new.add_argument("--from", dest="from_", required=True, metavar="DATE", help="YYYY-MM-DD")
    new.add_argument("--until", required=True, metavar="DATE", help="YYYY-MM-DD")
    new.add_argument("--kind", action="extend", nargs="+", help="类型 (default: all)")
    new.add_argument("--committee", action="extend", nargs="+", help="居委会 (default: all)")
    new.add_argument(
        "--node", action="extend", nargs="+", help='时间节点 "2027-08-15 50%%" (repeatable)'
    )
    new.add_argument("--checklist", type=Path, metavar="FILE.yaml", help="this campaign's lists")
    new.add_argument("--json", action="store_true", help="JSON output")
    new.set_defaults(func=cmd_add)

    lst = acts.add_parser("list", parents=[db_parent], help="列出专项行动 (list campaigns)")
    lst.add_argument("--json", action="store_true", help="JSON output")
    lst.set_defaults(func=cmd_list)

    prog = acts.add_parser("progress", parents=[db_parent], help="进度 (progress)")
    prog.add_argument("id", type=int, help="campaign id")
    prog.add_argument("--json", action="store_true", help="JSON output")
    prog.add_argument("--format", choices=("text", "xlsx"), default="text")
    prog.add_argument("--output", type=Path, help="xlsx file (default: inspections-ID.xlsx)")
    prog.add_argument("--include-personal", action="store_true", help="xlsx: 独居孤寡老人 rows")
    prog.set_defaults(func=cmd_progress)
