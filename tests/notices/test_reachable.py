"""A broadcast counts only chats the running bot can reach: in a Telegram deployment the demo
console groups are left out, so the sender's delivery report comes once Telegram is done."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.chats import Tag
from bot.clock import FakeClock
from bot.messages import Chat, ChatKind, Incoming, Reply, Sender
from bot.notices.delivery import follow_broadcasts
from bot.outbox import reply_from_json
from bot.registry import build_router
from bot.roles import Role
from bot.settings import Settings

GROUP = Chat("telegram", "-1001", ChatKind.GROUP, "三门居民群")
STAFF = Sender("telegram", "42", "王青平")
PRIVATE = Chat("telegram", "42", ChatKind.PRIVATE)


@pytest.fixture
async def served(tmp_path: Path, clock: FakeClock) -> AsyncIterator[App]:
    """The app as ``juwei run`` opens it with only Telegram configured, on the demo data."""
    settings = Settings(
        db_path=tmp_path / "juwei.db", telegram_token="4200:TEST-token", _env_file=None
    )
    app = await App.open(settings, clock, demo=True, console=False)
    await app.chats.seen(GROUP)
    sanmen = await app.committees.resident_by_name("三门")
    await app.chats.bind(GROUP, sanmen.id if sanmen else None, [Tag.RESIDENTS])
    await app.users.grant("telegram", "42", Role.STAFF, None, by="test")
    yield app
    await app.close()


async def test_a_telegram_broadcast_ignores_console_groups_and_reports(served: App) -> None:
    router = build_router(served)

    async def say(text: str) -> list[Reply]:
        if text.startswith("/"):
            incoming = Incoming(PRIVATE, STAFF, command=text[1:])
        else:
            incoming = Incoming(PRIVATE, STAFF, text=text)
        return await router.handle(incoming)

    for answer in ("/broadcast", "本周六上午9点消防安全宣传，欢迎居民参加。", "跳过"):
        targets = await say(answer)
    assert "所有群（1个）" in [o.label for o in targets[-1].options]
    for answer in ("所有群", "不需要", "普通"):
        await say(answer)
    assert "开始发送到 1 个群" in "\n".join(r.text for r in await say("确认提交"))

    for parcel in await served.outbox.claim("telegram", "test"):  # the Telegram postman's work
        assert parcel.address.chat_id == "-1001"
        await served.outbox.mark_sent(parcel.id)
    assert await served.outbox.claim("console", "test") == []  # nothing waits for a console
    await follow_broadcasts(served)
    rows = await served.db.fetchall("SELECT payload FROM outbox WHERE chat_id = '42'")
    reports = [reply_from_json(str(r["payload"])).text for r in rows]
    assert any("共 1 个群：已发出 1，失败 0，群已不可用 0，等待发送 0" in r for r in reports)


async def test_a_console_or_cli_still_reaches_console_groups(app: App) -> None:
    assert "console" in app.platforms  # the conftest app is opened as a console or CLI would
    served = app.settings.reachable_platforms(console=False)
    assert "console" not in served
