"""``juwei run``: start every configured platform and the HTTP server, stop cleanly on SIGTERM."""

from __future__ import annotations

from bot.settings import Settings


async def run_platforms(settings: Settings) -> int:
    raise NotImplementedError("platform adapters are added by the Telegram and WeCom modules")
