"""``juwei run`` SIGKILLed in the middle of a report and of a broadcast, then started again
against the same standalone fake Bot API: nothing lost, nothing doubled, still answering."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import App
from bot.messages import Address, Reply
from bot.settings import Settings
from tests.conftest import PY, juwei_env
from tests.platforms.test_telegram_run import _free_port, _until

TOKEN = "4243:KILL-secret-token"


class Bot:
    """``python -m bot run`` on Telegram, and the fake's control endpoints."""

    def __init__(self, tmp_path: Path, base_url: str) -> None:
        self.db = tmp_path / "juwei.db"
        self.cwd = tmp_path
        self.control = base_url.removesuffix("/bot") + "/_control"
        self.env = juwei_env(self.db) | {
            "JUWEI_TELEGRAM_TOKEN": TOKEN,
            "JUWEI_TELEGRAM_BASE_URL": base_url,
            "JUWEI_HTTP_PORT": str(_free_port()),
        }
        self.http = httpx.Client(timeout=10)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [PY, "-m", "bot", "run"], env=self.env, cwd=self.cwd, stderr=subprocess.DEVNULL
        )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
        self.http.close()

    def sent(self) -> list[dict[str, Any]]:
        answer = self.http.get(f"{self.control}/calls", params={"method": "sendMessage"})
        return [c for c in answer.json()["result"] if c["status"] == 200]

    def said(self, count: int) -> dict[str, Any]:
        """Wait until the bot has sent ``count`` messages to user 7; the last of them."""
        mine = _until(lambda: [c for c in self.sent() if c["params"]["chat_id"] == 7][count - 1 :])
        return dict(mine[0]["result"])

    def text(self, text: str) -> None:
        self.http.post(f"{self.control}/text", json={"user_id": 7, "text": text})

    def press(self, message: dict[str, Any], index: int) -> None:
        rows = message["reply_markup"]["inline_keyboard"]
        data = [b for row in rows for b in row][index]["callback_data"]
        self.http.post(
            f"{self.control}/callback",
            json={"user_id": 7, "data": data, "message_id": message["message_id"]},
        )


@pytest.fixture
def bot(tmp_path: Path, fake_api: str) -> Iterator[Bot]:
    async def seed() -> None:
        app = await App.open(Settings(db_path=tmp_path / "juwei.db", _env_file=None), demo=True)
        await app.close()

    asyncio.run(seed())
    runner = Bot(tmp_path, fake_api)
    try:
        yield runner
    finally:
        runner.stop()


def test_killed_mid_report_the_form_goes_on_after_the_restart(bot: Bot) -> None:
    bot.start()
    bot.text("/report")
    bot.press(bot.said(1), 0)
    bot.press(bot.said(2), 0)
    bot.text("三门小区5号楼2单元一楼楼道")
    assert "描述" in bot.said(4)["text"]
    bot.kill()
    bot.start()
    bot.text("楼道里有电动自行车在充电")
    bot.press(bot.said(5), -1)  # 完成: no photos
    bot.press(bot.said(6), 1)  # 一般
    bot.press(bot.said(7), 0)  # 确认提交
    assert "已收到您上报的隐患" in bot.said(8)["text"]
    with sqlite3.connect(bot.db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM hazard_reports").fetchone()[0] == 1


def test_killed_mid_broadcast_every_group_gets_it_once(bot: Bot) -> None:
    groups = [str(-100_000 - n) for n in range(30)]

    async def queue() -> None:
        app = await App.open(Settings(db_path=bot.db, _env_file=None))
        for n, chat in enumerate(groups):
            later = app.clock.now().replace(year=2100) if n >= 20 else None
            await app.outbox.put(
                Address("telegram", chat), Reply("夏季消防提醒"), dedup_key=f"b:{chat}",
                not_before=later,
            )  # fmt: skip
        await app.close()

    asyncio.run(queue())
    with sqlite3.connect(bot.db) as conn:  # five taken by a worker that died before sending
        conn.execute(
            "UPDATE outbox SET status = 'sending', claimed_by = 'telegram-run'"
            " WHERE chat_id IN (SELECT chat_id FROM outbox ORDER BY id LIMIT 5)"
        )
    bot.start()
    _until(lambda: len(bot.sent()) >= 20)
    bot.kill()  # half way: the rest of the broadcast is not yet due
    with sqlite3.connect(bot.db) as conn:
        conn.execute("UPDATE outbox SET not_before = '2000-01-01T00:00:00+00:00'")
    bot.start()
    _until(lambda: len(bot.sent()) >= 30)
    bot.text("/help")
    assert "/report" in bot.said(1)["text"]  # still answering
    per_chat = Counter(str(c["params"]["chat_id"]) for c in bot.sent())
    assert [per_chat[chat] for chat in groups] == [1] * 30
    with sqlite3.connect(bot.db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM outbox WHERE status != 'sent'").fetchone()[0] == 0
