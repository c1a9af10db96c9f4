"""The Telegram adapter through python-telegram-bot's real Application, polling the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from bot.app import App
from bot.clock import FakeClock
from bot.context import Context
from bot.messages import Address, Attachment, Chat, ChatKind, Link, Option, Reply
from bot.platforms.postman import Postman
from bot.platforms.telegram import TelegramPlatform
from bot.platforms.web import build_web_app
from bot.registry import COMMANDS, build_router
from bot.roles import Role
from bot.router import Command, Router
from bot.settings import Settings, SettingsError, load_settings
from conversations.steps import CONFIRM, DONE, Flow, Photos, Place, Step
from tests.fakes.telegram_api import Call, FakeBotApi

TOKEN = "123:TEST-token-secret"
GROUP = -1001
ME = "juwei_test_bot"


@dataclass
class Harness:
    api: FakeBotApi
    app: App
    platform: TelegramPlatform
    clock: FakeClock
    sleeps: list[float]
    seen: dict[int, int] = field(default_factory=dict)

    async def said(self, chat_id: int, count: int = 1) -> list[dict[str, Any]]:
        """The next ``count`` messages the bot sent to this chat (text or media)."""
        done = self.seen.get(chat_id, 0)

        def to_chat(call: Call) -> bool:
            return call.ok and call.params.get("chat_id") == chat_id

        calls: list[Call] = []
        for method in ("sendMessage", "sendPhoto", "sendDocument"):
            calls += [c for c in self.api.calls_to(method) if to_chat(c)]
        if len(calls) < done + count:
            await self.api.wait_for("sendMessage", to_chat, count=done + count)
            calls = [c for c in self.api.calls_to("sendMessage") if to_chat(c)]
        calls.sort(key=lambda c: c.result["message_id"])
        self.seen[chat_id] = done + count
        return [c.result for c in calls[done : done + count]]

    async def ask(self, user_id: int, text: str, **origin: Any) -> dict[str, Any]:
        self.api.text(user_id, text, **origin)
        answer = (await self.said(origin.get("chat_id", user_id)))[0]
        await self.platform.idle()  # answered and marked sent: the chat is free again
        return answer

    async def press(self, user_id: int, message: dict[str, Any], label: str) -> dict[str, Any]:
        """Press the button labelled ``label`` and return the bot's next message."""
        data = button(message, label)["callback_data"]
        chat_id = message["chat"]["id"]
        self.api.callback(user_id, data, message["message_id"], chat_id=chat_id)
        answer = (await self.said(chat_id))[0]
        await self.platform.idle()
        return answer


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    """Wait for something the bot does without sending a message (real time, not the clock)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {"inline_keyboard": []}
    return [b for row in markup["inline_keyboard"] for b in row]


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    return next(b for b in buttons(message) if b["text"] == label)


def tg_settings(tmp_path: Path, api: FakeBotApi, **more: Any) -> Settings:
    return Settings(
        db_path=tmp_path / "juwei.db",
        admins=("telegram:900",),
        telegram_token=TOKEN,
        telegram_base_url=api.base_url,
        _env_file=None,
        **more,
    )


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(TOKEN, bot_username=ME) as server:
        yield server


@pytest.fixture
def router_for() -> Callable[[App], Router]:
    return build_router


@pytest.fixture
async def tg(
    api: FakeBotApi, tmp_path: Path, clock: FakeClock, router_for: Callable[[App], Router]
) -> AsyncIterator[Harness]:
    app = await App.open(tg_settings(tmp_path, api), clock, demo=True)
    router = router_for(app)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    platform = TelegramPlatform(router, sleep=sleep)
    await platform.start()
    await api.wait_for_poll()
    yield Harness(api, app, platform, clock, sleeps)
    await platform.stop()
    await app.close()


async def test_start_greets_and_lists_the_commands(tg: Harness) -> None:
    tg.api.text(7, "/start", first_name="李伯伯")
    welcome, menu = await tg.said(7, 2)
    assert welcome["text"].startswith("李伯伯您好")
    assert "/join — 加入居委会" in menu["text"]
    assert tg.api.calls_to("sendMessage")[0].params["parse_mode"] == "HTML"
    user = await tg.app.users.find("telegram", "7")
    assert user is not None and user.display_name == "李伯伯"


async def test_menus_are_set_for_private_group_and_admin_scopes_in_zh_and_en(
    tg: Harness,
) -> None:
    menus = {
        (c.params["scope"]["type"], c.params.get("language_code")): [
            (x["command"], x["description"]) for x in c.params["commands"]
        ]
        for c in tg.api.calls_to("setMyCommands")
    }
    assert set(menus) == {
        (scope, lang)
        for scope in ("all_private_chats", "all_group_chats", "all_chat_administrators")
        for lang in (None, "en")
    }
    assert ("join", "加入居委会（选择所在居民区、留下称呼）") in menus["all_private_chats", None]
    assert ("join", "Join your residents' committee") in menus["all_group_chats", "en"]
    assert "bind" not in [name for name, _ in menus["all_group_chats", None]]
    assert "bind" in [name for name, _ in menus["all_chat_administrators", None]]
    assert "grant" not in [name for name, _ in menus["all_chat_administrators", None]]


async def test_join_is_finished_with_button_presses(tg: Harness) -> None:
    ask = await tg.ask(7, "/join", first_name="王阿姨")
    assert [b["text"] for b in buttons(ask)] == ["三门居委会", "高雄居委会", "西二居委会"]
    assert [b["callback_data"] for b in buttons(ask)] == ["1", "2", "3"]

    name_step = await tg.press(7, ask, "高雄居委会")
    [answered] = await tg.api.wait_for("answerCallbackQuery")
    assert answered.ok
    pressed = tg.api.message(7, ask["message_id"])
    assert pressed["text"].endswith("✅ 高雄居委会") and "reply_markup" not in pressed

    suggestion = button(name_step, "王阿姨")["callback_data"]
    assert suggestion.startswith("~") and "王" not in suggestion  # no typed text in the data
    phone_step = await tg.press(7, name_step, "王阿姨")
    summary = await tg.press(7, phone_step, "跳过")
    assert "高雄居委会" in summary["text"] and "王阿姨" in summary["text"]
    done = await tg.press(7, summary, "确认提交")
    assert "已加入高雄居委会" in done["text"]
    user = await tg.app.users.find("telegram", "7")
    assert user is not None and (user.committee_name, user.display_name) == ("高雄", "王阿姨")


async def test_a_keyboard_pressed_twice_counts_once(tg: Harness) -> None:
    ask = await tg.ask(7, "/join")
    await tg.press(7, ask, "三门居委会")
    tg.api.callback(7, "2", ask["message_id"])  # the same keyboard again (a double tap)
    await tg.api.wait_for("answerCallbackQuery", count=2)
    follow = await tg.ask(7, "老李")  # still at the name step: the second press was ignored
    assert "手机号" in follow["text"]


async def test_join_from_a_group_links_into_the_private_chat(tg: Harness) -> None:
    group = {"chat_id": GROUP, "title": "三门居民群"}
    invite = await tg.ask(8, f"/join@{ME}", **group)
    [link] = buttons(invite)
    assert link["url"] == f"https://t.me/{ME}?start=join"
    sent = tg.api.calls_to("sendMessage")[-1].params
    assert sent["reply_parameters"]["message_id"] > 0  # answers the person who asked
    assert "私聊" in invite["text"]

    private = await tg.ask(8, "/start join")
    assert "请选择您所在的居民区" in private["text"]
    assert private["chat"]["type"] == "private"


async def test_commands_for_another_bot_are_ignored_in_groups(tg: Harness) -> None:
    tg.api.text(8, "/help@other_bot", chat_id=GROUP)
    tg.api.text(8, "大家好", chat_id=GROUP)  # group chatter without a mention
    reply = await tg.ask(8, f"@{ME} 你好", chat_id=GROUP)
    assert "/help" in reply["text"]  # only the mention was answered
    assert len(tg.api.sent_messages(GROUP)) == 1


class Report(BaseModel):
    place: dict[str, Any]
    photos: list[dict[str, str]]


FINISHED: list[Report] = []


async def _save_report(ctx: Context, answers: Report, instance: str) -> None:
    FINISHED.append(answers)
    ctx.say("flow.done")


REPORT = Flow(
    name="report",
    title="help.help",
    steps=(
        Step("place", Place(), "input.place.hint", "join.name"),
        Step("photos", Photos(max_count=3), "input.photos.hint", "join.phone", optional=True),
    ),
    model=Report,
    finish=_save_report,
)


def _with_report(app: App) -> Router:
    return Router(app, [*COMMANDS, Command("report", "help.help", flow=REPORT)])


@pytest.mark.parametrize("router_for", [_with_report])
async def test_a_location_and_a_photo_reach_a_flow(tg: Harness) -> None:
    FINISHED.clear()
    await tg.ask(5, "/report")
    tg.api.location(5, 31.2046, 121.4906)
    photo_step = (await tg.said(5))[0]
    assert "照片" in photo_step["text"]
    tg.api.photo(5, file_id="AgLargest", sizes=3)
    received = (await tg.said(5))[0]
    assert "第 1 张" in received["text"]
    summary = await tg.press(5, received, "完成")
    assert "手机号：1 张" in summary["text"] and "31.20460, 121.49060" in summary["text"]
    assert button(summary, "确认提交")["callback_data"] == CONFIRM
    await tg.press(5, summary, "确认提交")
    [report] = FINISHED
    assert (report.place["latitude"], report.place["longitude"]) == (31.2046, 121.4906)
    [photo] = report.photos  # the platform reference, and our stored copy of the bytes
    assert (photo["platform"], photo["file_id"], photo["mime"]) == (
        "telegram",
        "AgLargest",
        "image/jpeg",
    )
    assert tg.platform.app.media.read(photo["sha256"]).endswith(b"AgLargest")
    assert button(received, "完成")["callback_data"] == DONE


async def test_stopping_lets_an_update_in_flight_finish(
    tg: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = asyncio.Event(), asyncio.Event()
    handle = tg.platform.router.handle

    async def slow(incoming: Any) -> list[Reply]:
        entered.set()
        await release.wait()
        return await handle(incoming)

    monkeypatch.setattr(tg.platform.router, "handle", slow)
    tg.api.text(7, "/help")
    await asyncio.wait_for(entered.wait(), 5)
    stopping = asyncio.create_task(tg.platform.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done()  # waits for the person being answered
    release.set()
    await asyncio.wait_for(stopping, 5)
    assert "/join" in tg.api.sent_messages(7)[0]["text"]


async def test_a_direct_reply_hit_by_429_is_retried_and_sent_once(tg: Harness) -> None:
    tg.api.fail("sendMessage", status=429, retry_after=1)
    reply = await tg.ask(7, "/help")
    assert "/join" in reply["text"]
    assert [c.status for c in tg.api.calls_to("sendMessage")] == [429, 200]
    assert tg.sleeps == [1.0]
    assert len(tg.api.sent_messages(7)) == 1


async def test_network_errors_are_retried_with_back_off(tg: Harness) -> None:
    tg.api.fail("sendMessage", status=502, times=2)
    reply = await tg.ask(7, "/help")
    assert "/join" in reply["text"]
    assert [c.status for c in tg.api.calls_to("sendMessage")] == [502, 502, 200]
    assert tg.sleeps == [0.5, 1.0]

    postman = Postman(tg.app.outbox, tg.app.chats, tg.platform.transport, worker="test")
    await tg.app.outbox.put(Address("telegram", "7"), Reply("今晚停电检修"))
    tg.api.fail("sendMessage", status=500)
    await postman.deliver_due()  # the outbox keeps it for later rather than waiting here
    tg.clock.advance(timedelta(minutes=1))
    await postman.deliver_due()
    assert [m["text"] for m in tg.api.sent_messages(7)][-1] == "今晚停电检修"
    assert tg.sleeps == [0.5, 1.0]


async def test_an_outbox_message_hit_by_429_waits_as_told_and_is_sent_once(tg: Harness) -> None:
    postman = Postman(tg.app.outbox, tg.app.chats, tg.platform.transport, worker="test")
    await tg.app.outbox.put(Address("telegram", "7"), Reply("通知：明天停水"), dedup_key="n1")
    tg.api.fail("sendMessage", status=429, retry_after=7)
    await postman.deliver_due()
    assert tg.api.sent_messages(7) == []
    tg.clock.advance(timedelta(seconds=6))
    assert await postman.deliver_due() == 0  # not yet
    tg.clock.advance(timedelta(seconds=1))
    assert await postman.deliver_due() == 1
    assert [m["text"] for m in tg.api.sent_messages(7)] == ["通知：明天停水"]
    assert tg.sleeps == []  # the adapter did not wait; the outbox did


async def test_a_403_on_send_deactivates_the_chat(tg: Harness) -> None:
    await tg.ask(8, f"@{ME} 在吗", chat_id=-2001, title="高雄居民群")
    chat = Address("telegram", "-2001")
    record = await tg.app.chats.find(chat)
    assert record is not None and record.active
    tg.api.fail("sendMessage", status=403, times=None, chat_id=-2001)
    await tg.app.outbox.put(chat, Reply("消防演练通知"))
    await Postman(tg.app.outbox, tg.app.chats, tg.platform.transport, worker="t").deliver_due()
    record = await tg.app.chats.find(chat)
    assert record is not None and not record.active
    assert len(tg.api.sent_messages(-2001)) == 1  # the answer to the mention, nothing after


async def test_the_bot_added_to_and_removed_from_a_group(tg: Harness) -> None:
    tg.api.my_chat_member(-3001, "西二居委会工作群", status="member", by_user_id=9)
    greeting = (await tg.said(-3001))[0]
    assert "/bind" in greeting["text"]
    record = await tg.app.chats.find(Address("telegram", "-3001"))
    assert record is not None and record.active and record.kind is ChatKind.GROUP
    assert record.title == "西二居委会工作群"

    tg.api.my_chat_member(-3001, "西二居委会工作群", status="kicked", by_user_id=9)

    async def inactive() -> bool:
        found = await tg.app.chats.find(Address("telegram", "-3001"))
        return found is not None and not found.active

    await eventually(inactive)


async def test_a_director_binds_the_group_to_their_committee(tg: Harness) -> None:
    await tg.app.users.grant(
        "telegram", "11", Role.DIRECTOR, (await _committee(tg.app, "三门")), by="test"
    )
    done = await tg.ask(11, "/bind 居民群", chat_id=-4001, title="三门居民群")
    assert "三门" in done["text"]
    record = await tg.app.chats.find(Address("telegram", "-4001"))
    assert record is not None and record.committee_name == "三门"


async def _committee(app: App, name: str) -> int:
    committee = await app.committees.resident_by_name(name)
    assert committee is not None
    return committee.id


async def test_an_html_looking_name_is_shown_escaped(tg: Harness) -> None:
    reply = await tg.ask(7, "/start", first_name="<b>x</b>")
    assert reply["text"].startswith("<b>x</b>您好")  # what people see: the name as typed
    sent = tg.api.calls_to("sendMessage")[0].params["text"]  # the greeting, before the help
    assert sent.startswith("&lt;b&gt;x&lt;/b&gt;您好")


async def test_a_long_text_is_split_on_line_ends_with_buttons_last(tg: Harness) -> None:
    lines = [f"{n:04d} 号楼 楼道堆物已清理，请居民注意消防通道畅通。" for n in range(400)]
    reply = Reply("\n".join(lines), options=(Option("收到", "ack:1"),))
    await tg.platform.transport.send("7", reply)
    sent = tg.api.sent_messages(7)
    assert len(sent) >= 3
    assert all(len(m["text"]) <= 4096 for m in sent)
    assert "\n".join(m["text"] for m in sent) == reply.text
    assert [("reply_markup" in m) for m in sent] == [False] * (len(sent) - 1) + [True]


async def test_photos_and_documents_are_uploaded(tg: Harness) -> None:
    reply = Reply(
        "报名表",
        photo=Attachment("海报.jpg", data=b"\xff\xd8 jpeg", mime_type="image/jpeg"),
        document=Attachment("报名表.csv", data=b"a,b\n", mime_type="text/csv"),
        links=(Link("详情", "https://example.org/e/1"),),
    )
    await tg.platform.transport.send("7", reply)
    [photo] = tg.api.calls_to("sendPhoto")
    [document] = tg.api.calls_to("sendDocument")
    assert photo.params["caption"] == "报名表" and photo.params["photo"].filename == "海报.jpg"
    assert document.params["document"].data == b"a,b\n"
    assert document.result["reply_markup"]["inline_keyboard"][0][0]["url"].endswith("/e/1")


async def test_an_error_is_logged_without_the_token_and_the_form_is_kept(
    tg: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO)
    await tg.ask(7, "/join")
    real_seen = tg.app.chats.seen

    async def broken(chat: Chat) -> None:
        monkeypatch.setattr(tg.app.chats, "seen", real_seen)
        raise RuntimeError("database is locked")

    monkeypatch.setattr(tg.app.chats, "seen", broken)
    sorry = await tg.ask(7, "1")
    assert "系统出了点问题" in sorry["text"]
    assert "database is locked" in caplog.text and "telegram:7" in caplog.text
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text
    again = await tg.ask(7, "1")  # the same answer again: the form is where it was
    assert "称呼" in again["text"]


async def test_someone_elses_buttons_in_a_group_are_refused(tg: Harness) -> None:
    choose = await tg.ask(7, "/lang", chat_id=GROUP)
    tg.api.callback(
        8, button(choose, "English")["callback_data"], choose["message_id"], chat_id=GROUP
    )
    [refused] = await tg.api.wait_for("answerCallbackQuery")
    assert "给别人" in refused.params["text"]
    user = await tg.app.users.find("telegram", "8")
    assert user is None or user.language is None


def test_a_webhook_url_needs_a_secret() -> None:
    with pytest.raises(SettingsError, match="JUWEI_TELEGRAM_WEBHOOK_SECRET"):
        load_settings(_env_file=None, telegram_token="1:a", telegram_webhook_url="https://x.org/tg")
    with pytest.raises(SettingsError, match="JUWEI_TELEGRAM_WEBHOOK_SECRET"):
        load_settings(
            _env_file=None,
            telegram_webhook_url="https://x.org/tg",
            telegram_webhook_secret="has spaces",
        )


@contextlib.asynccontextmanager
async def _webhook(
    api: FakeBotApi, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[tuple[App, TelegramPlatform, httpx.AsyncClient]]:
    settings = tg_settings(
        tmp_path,
        api,
        telegram_webhook_url="https://bot.example.org/tg/hook",
        telegram_webhook_secret="s3cret-token",
    )
    app = await App.open(settings, clock, demo=True)
    platform = TelegramPlatform(build_router(app))
    await platform.start()
    web = build_web_app(platform.routes, healthy=lambda: True)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=web),
            base_url="http://bot",
            headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"},
        ) as http:
            yield app, platform, http
    finally:
        await platform.stop()
        await app.close()


async def test_webhook_checks_the_secret_and_takes_updates(
    api: FakeBotApi, tmp_path: Path, clock: FakeClock
) -> None:
    async with _webhook(api, tmp_path, clock) as (_, _, http):
        [hook] = api.calls_to("setWebhook")
        assert hook.params["secret_token"] == "s3cret-token"
        assert not api.calls_to("getUpdates")
        update = api.text(7, "/help")
        wrong = await http.post(
            "/tg/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
        )
        missing = await http.post(
            "/tg/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": ""}
        )
        assert (wrong.status_code, missing.status_code) == (403, 403)
        assert not api.calls_to("sendMessage")
        right = await http.post("/tg/hook", json=update)
        assert right.status_code == 200
        [reply] = await api.wait_for("sendMessage")
        assert "/join" in reply.params["text"]


async def test_a_webhook_update_posted_twice_is_handled_once(
    api: FakeBotApi, tmp_path: Path, clock: FakeClock
) -> None:
    async with _webhook(api, tmp_path, clock) as (app, platform, http):
        for text in ("/report", "1", "1"):
            assert (await http.post("/tg/hook", json=api.text(7, text))).status_code == 200
            await platform.idle()
        address = api.text(7, "三门小区5号楼2单元一楼楼道")
        for _ in range(2):  # Telegram sends it again: it did not see our first 200 in time
            assert (await http.post("/tg/hook", json=address)).status_code == 200
            await platform.idle()
        said = [m["text"] for m in api.sent_messages(7)]
        assert len([s for s in said if "请简单描述" in s]) == 1
        assert not any("照片" in s for s in said)  # the address was not taken as the description
        assert await app.db.scalar("SELECT COUNT(*) FROM inbox") == 4


async def test_a_webhook_update_that_finds_the_database_busy_gets_503_and_is_kept(
    api: FakeBotApi, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.platforms.telegram.ACCEPT_WAIT_SECONDS", 0.2)
    async with _webhook(api, tmp_path, clock) as (app, platform, http):
        holder = sqlite3.connect(app.settings.db_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            refused = await http.post("/tg/hook", json=api.text(7, "/help"))
            assert refused.status_code == 503  # Telegram sends it again later
            [busy] = await api.wait_for("sendMessage")
            assert "系统有点忙" in busy.params["text"]
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await platform.idle()  # kept trying here too: taken in once the lock is free
        said = [m["text"] for m in api.sent_messages(7)]
        assert len([s for s in said if "/join" in s]) == 1
        assert await app.db.scalar("SELECT COUNT(*) FROM inbox") == 1


async def test_a_phone_or_name_offered_back_never_travels_in_callback_data(tg: Harness) -> None:
    offered = (Option("13812345678", "13812345678"), Option("li:wei", "li:wei"))
    await tg.platform.transport.send(
        "7", Reply("您的手机号？", options=(*offered, Option("3", "3")))
    )
    [sent] = tg.api.sent_messages(7)
    data = [b["callback_data"] for b in buttons(sent)]
    assert "13812345678" not in "".join(data) and "li:wei" not in "".join(data)
    assert data[2] == "3"  # a small number shown as itself is no one's words
    assert [await tg.platform._buttons.decode(d) for d in data] == [
        "13812345678",
        "li:wei",
        "3",
    ]


async def test_an_outbox_message_in_parts_hit_by_429_half_way_sends_each_part_once(
    tg: Harness,
) -> None:
    lines = [f"{n:04d} 号楼 楼道堆物已清理，请居民注意消防通道畅通。" for n in range(300)]
    notice = Reply("\n".join(lines))
    await tg.app.outbox.put(Address("telegram", "7"), notice, dedup_key="long")
    postman = Postman(tg.app.outbox, tg.app.chats, tg.platform.transport, worker="test")
    tg.api.fail("sendMessage", status=429, retry_after=5, after=1)
    await postman.deliver_due()
    assert len(tg.api.sent_messages(7)) == 1
    tg.clock.advance(timedelta(seconds=5))
    await postman.deliver_due()
    sent = [m["text"] for m in tg.api.sent_messages(7)]
    assert "\n".join(sent) == notice.text  # every part once, in order
