"""The ``juwei`` command line: the bot, the console and staff tools, on the configured database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot.app import App
from bot.cli import Parser, UsageError, committee_ids, with_app
from bot.db import DatabaseUnusable, SchemaTooNew, backup
from bot.db.copy import CopyRefused, copy_database, shown, target_of
from bot.db.tools import PgDumpFailed, pg_dump
from bot.demo import load_demo_data
from bot.events import cli as cli_events
from bot.faq import cli as cli_faq
from bot.hazards import cli as cli_reports
from bot.inspections import cli as cli_inspections
from bot.media import MediaStore
from bot.notices import cli as cli_notices
from bot.platforms.workbench import cli as cli_workbench
from bot.polls import cli as cli_polls
from bot.roles import Role
from bot.settings import Settings, SettingsError, load_settings
from bot.topics import cli as cli_topics

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]

# The console's own default (bot.platforms.console.FILES_DIR): the console and the router with
# every handler are imported only by the commands that chat, so staff tools start sooner.
FILES_DIR = Path("console-files")


# Each feature's CLI module adds its subcommands: add(subparsers, db_option_parent).
FEATURE_COMMANDS: list[Callable[[Any, argparse.ArgumentParser], None]] = [
    cli_faq.add_commands,
    cli_reports.add_commands,
    cli_topics.add_commands,
    cli_events.add_commands,
    cli_notices.add_commands,
    cli_inspections.add_commands,
    cli_polls.add_commands,
    cli_workbench.add_commands,
]


def db_option() -> Parser:
    parent = Parser(add_help=False)
    parent.add_argument("--db", type=Path, help="database file (default: JUWEI_DB_PATH)")
    return parent


async def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.platforms.console import Console, ConsoleIdentity
    from bot.registry import build_router

    who = ConsoleIdentity(
        user_id=args.user, name=args.name or args.user, chat_id=args.chat, group=args.group
    )

    async def work(app: App) -> int:
        console = Console(build_router(app), who, json_mode=args.json, files_dir=args.files)
        return await console.run()

    return await with_app(settings, work, demo=True)


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.platforms.runner import run_platforms

    if not settings.configured_platforms:
        print(
            "未配置聊天平台：设置 JUWEI_WECOM_CORP_ID 等（企业微信）或 JUWEI_TELEGRAM_TOKEN"
            "（Telegram）后再运行 juwei run，详见 .env.example。"
            "现在打开终端控制台（juwei console）体验演示数据。\n"
            "No platform configured: set JUWEI_WECOM_CORP_ID and the other JUWEI_WECOM_* "
            "settings (WeCom) or JUWEI_TELEGRAM_TOKEN (Telegram); see .env.example. "
            "Opening the terminal console (juwei console) on the demo data.",
            file=sys.stderr,
        )
        console_args = argparse.Namespace(
            user="demo", name="居民", chat=None, group=False, json=False, files=FILES_DIR
        )
        return await cmd_console(console_args, settings)
    return await run_platforms(settings)


async def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        version = await app.db.schema_version()
        print(f"数据库 {settings.database_name} 已是最新结构（版本 {version}）。")
        return 0

    return await with_app(settings, work)


async def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """The database, then the media store into ``PATH.media/``: every photo the copied
    database names was stored before its row was written, so it is there to be copied.
    On PostgreSQL the database part is ``pg_dump``'s custom-format archive."""
    if settings.database_url is not None:
        return await backup_postgres(args, settings)
    if not settings.db_path.exists():
        raise UsageError(f"数据库 {settings.db_path} 不存在 (database not found)")
    media_copy = media_backup_path(args.path)
    for target in (args.path, media_copy):
        if target.exists():
            raise UsageError(f"{target} 已存在，不会覆盖 (already exists)")
    try:
        await asyncio.to_thread(backup, settings.db_path, args.path)
    except FileExistsError as exc:
        raise UsageError(f"{args.path} 已存在，不会覆盖 (already exists)") from exc
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseUnusable(settings.db_path, exc) from None
    copied = await asyncio.to_thread(MediaStore(settings.media_dir).copy_to, media_copy)
    print(f"已备份到 {args.path}，照片等文件 {copied} 个备份到 {media_copy}")
    return 0


async def backup_postgres(args: argparse.Namespace, settings: Settings) -> int:
    assert settings.database_url is not None
    media_copy = media_backup_path(args.path)
    for target in (args.path, media_copy):
        if target.exists():
            raise UsageError(f"{target} 已存在，不会覆盖 (already exists)")
    try:
        await asyncio.to_thread(pg_dump, settings.database_url.get_secret_value(), args.path)
    except (OSError, PgDumpFailed) as exc:
        raise DatabaseUnusable(settings.database_name, exc) from None
    copied = await asyncio.to_thread(MediaStore(settings.media_dir).copy_to, media_copy)
    print(f"已用 pg_dump 备份到 {args.path}，照片等文件 {copied} 个备份到 {media_copy}")
    return 0


async def cmd_db_copy(args: argparse.Namespace, settings: Settings) -> int:
    """Every table from one database to a new, empty one (SQLite ⇄ PostgreSQL), row counts
    checked; the bot should be stopped meanwhile. Photos stay in the media store."""
    source, target = target_of(args.source), target_of(args.target)
    try:
        copied = await copy_database(source, target)
    except CopyRefused as exc:
        raise UsageError(str(exc)) from None
    rows = sum(c.rows for c in copied)
    print(
        f"已从 {shown(source)} 复制到 {shown(target)}：{len(copied)} 张表，{rows} 行，"
        f"行数已核对 (copied {len(copied)} tables, {rows} rows; counts match)"
    )
    for item in copied:
        if item.rows:
            print(f"  {item.table}\t{item.rows}")
    return 0


def media_backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".media")


async def cmd_demo_data(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        await load_demo_data(app)
        print("演示数据已载入：半淞园路街道 三门、高雄、西二居委会，三个专委会，演示群和人员。")
        return 0

    return await with_app(settings, work)


async def cmd_admin_grant(args: argparse.Namespace, settings: Settings) -> int:
    platform, sep, external_id = args.who.partition(":")
    if not sep or not external_id:
        raise UsageError(f"{args.who!r} 应写成 平台:ID，例如 telegram:123 (expected PLATFORM:ID)")
    try:
        role = Role.parse(args.role)
    except ValueError as exc:
        raise UsageError(f"未知角色 {args.role!r}：resident/director/staff/admin") from exc

    async def work(app: App) -> int:
        committee_id = (await committee_ids(app, [args.committee]))[0] if args.committee else None
        if role is Role.DIRECTOR and committee_id is None:
            raise UsageError("设置主任需要 --committee (a director needs --committee)")
        user = await app.users.grant(platform, external_id, role, committee_id, by="cli")
        await app.notifier.user(user, "grant.told", role_key=f"role.{role.name.lower()}")
        print(f"{user.ref} → {role.name.lower()} {user.committee_name or ''}".rstrip())
        return 0

    return await with_app(settings, work)


def build_parser() -> argparse.ArgumentParser:
    db = db_option()
    parser = Parser(
        prog="juwei", description="居委会聊天机器人 juwei / the residents' committee bot"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", parents=[db], help="运行机器人 (run the configured platforms)")
    run.set_defaults(func=cmd_run)

    console = sub.add_parser("console", parents=[db], help="终端控制台 (terminal console)")
    console.add_argument("--user", default="demo", help="console user id (default: demo)")
    console.add_argument("--name", help="display name")
    console.add_argument("--chat", help="chat id (default: the user's private chat)")
    console.add_argument("--group", action="store_true", help="the chat is a group chat")
    console.add_argument("--json", action="store_true", help="one JSON line per message")
    console.add_argument(
        "--files",
        type=Path,
        default=FILES_DIR,
        metavar="DIR",
        help=f"folder for files the bot sends (default: ./{FILES_DIR})",
    )
    console.set_defaults(func=cmd_console)

    migrate = sub.add_parser("migrate", parents=[db], help="应用数据库迁移 (apply migrations)")
    migrate.set_defaults(func=cmd_migrate)

    bkp = sub.add_parser(
        "backup",
        parents=[db],
        help="在线备份数据库和照片 (online backup of the database and media)",
    )
    bkp.add_argument("path", type=Path)
    bkp.set_defaults(func=cmd_backup)

    database = sub.add_parser("db", help="数据库工具 (database tools)")
    database_sub = database.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    copy = database_sub.add_parser(
        "copy", help="在 SQLite 和 PostgreSQL 之间复制全部数据 (copy all data between engines)"
    )
    copy.add_argument(
        "--from", dest="source", required=True, metavar="FROM", help="sqlite:PATH or postgresql://…"
    )
    copy.add_argument(
        "--to", dest="target", required=True, metavar="TO", help="sqlite:PATH or postgresql://…"
    )
    copy.set_defaults(func=cmd_db_copy)

    demo = sub.add_parser("demo-data", parents=[db], help="载入演示数据 (load demo data)")
    demo.set_defaults(func=cmd_demo_data)

    admin = sub.add_parser("admin", help="管理员工具 (admin tools)")
    admin_sub = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    grant = admin_sub.add_parser("grant", parents=[db], help="设置角色 (grant a role)")
    grant.add_argument("who", help="PLATFORM:ID, e.g. telegram:123, wecom:zhangsan")
    grant.add_argument("role", help="resident | director | staff | admin")
    grant.add_argument("--committee", help="residents' committee (for directors)")
    grant.set_defaults(func=cmd_admin_grant)

    for add_commands in FEATURE_COMMANDS:
        add_commands(sub, db)
    return parser


# Libraries that log personal data below WARNING: aiosqlite every SQL statement with its
# parameters (names, phones, descriptions), python-telegram-bot and httpx/httpcore every
# update and request body. juwei's own loggers never log what people wrote.
CHATTY_LIBRARIES = (
    "aiosqlite",
    "asyncpg",
    "telegram",
    "httpx",
    "httpcore",
    "hpack",
    "uvicorn.access",
)


def configure_logging(level: int | str) -> None:
    """The one place logging is set up: juwei at the chosen level, chatty libraries at WARNING."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        args = parser.parse_args(["run", *(argv or [])])
    try:
        # --db names an SQLite file: it wins over JUWEI_DATABASE_URL.
        overrides = {"db_path": args.db, "database_url": None} if getattr(args, "db", None) else {}
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"juwei: 配置错误 (invalid setting) {exc}", file=sys.stderr)
        return 2
    quiet = args.command in ("console", "run") and not settings.configured_platforms
    configure_logging(logging.WARNING if quiet else settings.log_level)
    try:
        command: Command = args.func
        return asyncio.run(command(args, settings))
    except (UsageError, SchemaTooNew, DatabaseUnusable) as exc:
        print(f"juwei: {exc}", file=sys.stderr)
        return 2
    except SettingsError as exc:
        print(f"juwei: 配置错误 (invalid setting) {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
