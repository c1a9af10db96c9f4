"""``juwei web`` serves the workbench alone; ``juwei web link PLATFORM:ID`` prints a link."""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import Any

from bot.app import App
from bot.cli import UsageError, with_app
from bot.i18n import text
from bot.settings import Settings
from bot.workbench.signin import SignInRefused, issue_link


async def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    if args.web_command == "link":
        return await cmd_link(args, settings)
    from bot.platforms.runner import serve_workbench

    async def work(app: App) -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        print(
            f"工作台已启动 (workbench serving): {settings.public_url} "
            f"（监听 listening on {settings.http_host}:{settings.http_port}）",
            flush=True,
        )
        await serve_workbench(app, stop)
        return 0

    return await with_app(settings, work, demo=True)


async def cmd_link(args: argparse.Namespace, settings: Settings) -> int:
    platform, sep, external_id = args.who.partition(":")
    if not sep or not external_id:
        raise UsageError(f"{args.who!r} 应写成 平台:ID，例如 console:staff (expected PLATFORM:ID)")

    async def work(app: App) -> int:
        user = await app.users.find(platform, external_id)
        try:
            if user is None:
                raise SignInRefused("workbench.signin.resident")
            url = await issue_link(app, user)
        except SignInRefused as exc:
            raise UsageError(text(settings.default_language, exc.key)) from None
        print(url)
        return 0

    return await with_app(settings, work, demo=True)


def add_commands(sub: Any, db_parent: argparse.ArgumentParser) -> None:
    web = sub.add_parser("web", parents=[db_parent], help="工作台网页 (serve the staff workbench)")
    actions = web.add_subparsers(dest="web_command", metavar="ACTION")
    link = actions.add_parser(
        "link", parents=[db_parent], help="打印一次性登录链接 (print a one-time sign-in link)"
    )
    link.add_argument("who", help="PLATFORM:ID, e.g. console:staff, wecom:zhangsan")
    web.set_defaults(func=cmd_web, web_command=None)
