"""Bot API calls sent straight to httpcore's pool: the same answers, errors of the same kinds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest, TimedOut

from bot.platforms.telegram_request import lean_request
from tests.fakes.telegram_api import FakeBotApi

TOKEN = "123456:TEST-fake-token"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(TOKEN) as server:
        yield server


@pytest.fixture
def through_httpx(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Calls that took httpx's client (the longer way)."""
    calls: list[str] = []
    request = httpx.AsyncClient.request

    async def counted(self: httpx.AsyncClient, method: str, url: Any, **kwargs: Any) -> Any:
        calls.append(str(url).rsplit("/", 1)[-1])
        return await request(self, method, url, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "request", counted)
    return calls


async def test_plain_calls_skip_httpx_and_uploads_still_take_it(
    api: FakeBotApi, through_httpx: list[str]
) -> None:
    async with Bot(TOKEN, base_url=api.base_url, request=lean_request(8, 2.0)) as bot:
        sent = await bot.send_message(42, "<b>楼道</b> & 电梯", parse_mode="HTML")
        await bot.send_document(42, b"%PDF-1.4 x", filename="a.pdf")
    assert sent.text == "楼道 & 电梯" and sent.chat.id == 42
    assert api.sent_messages(42)[0]["text"] == "楼道 & 电梯"
    assert through_httpx == ["sendDocument"]  # getMe and sendMessage went the short way


async def test_refusals_and_timeouts_keep_python_telegram_bots_kinds(api: FakeBotApi) -> None:
    async with Bot(TOKEN, base_url=api.base_url, request=lean_request(8, 0.3)) as bot:
        with pytest.raises(BadRequest, match="parse"):
            await bot.send_message(42, "<b>未闭合", parse_mode="HTML")
        api.delay("sendMessage", 1.0)
        with pytest.raises(TimedOut):
            await bot.send_message(42, "慢")
        assert (await bot.send_message(42, "又好了")).text == "又好了"
