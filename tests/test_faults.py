"""Faults: a locked database, a Telegram that answers too late, hostile input, and arbitrary
answers to the forms.

Each ends with nothing lost, nothing doubled, and the bot still answering. The killed
processes are in ``test_faults_killed.py``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.clock import FakeClock
from bot.messages import Address, Chat, ChatKind, Incoming, Reply, Sender
from bot.platforms.postman import Postman
from bot.platforms.telegram import TelegramPlatform
from bot.registry import build_router
from bot.settings import Settings
from tests.fakes.telegram_api import FakeBotApi
from tests.platforms.test_telegram import (  # noqa: F401 - fixtures
    GROUP,
    Harness,
    api,
    router_for,
    tg,
    tg_settings,
)

START = datetime(2026, 7, 18, 2, 0, tzinfo=UTC)
REPORT = (
    "/report",
    "1",
    "1",
    "三门小区5号楼2单元一楼楼道",
    "楼道里有电动自行车在充电",
    "跳过",
    "2",
)


@pytest.mark.sqlite_only("another connection holds SQLite's file lock")
async def test_a_locked_database_says_busy_at_once_and_loses_nothing(
    app: App, person, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    li = person("li")
    for answer in REPORT[:4]:
        await li.send(answer)
    monkeypatch.setattr("bot.router.BUSY_WAIT_SECONDS", 0.05)  # a short wait keeps the test fast
    holder = sqlite3.connect(settings.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        sorry = await li.send("楼道里有电动自行车在充电")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [r.text for r in sorry] == ["系统忙，请稍后再发一次。"]
    again = await li.send("楼道里有电动自行车在充电")  # the same answer: the form kept its place
    assert "照片" in again[0].text
    await li.send("跳过")
    await li.send("2")
    done = await li.send("确认提交")
    assert "已收到您上报的隐患" in done[0].text
    assert await app.db.scalar("SELECT COUNT(*) FROM hazard_reports") == 1


async def test_hostile_text_is_stored_as_written_and_shown_escaped(tg: Harness) -> None:  # noqa: F811
    tg.api.text(7, "/report")
    await tg.said(7)
    hostile = "<b>火</b> & <script>alert(1)</script>'); DROP TABLE users; --"
    for answer in ("1", "1", "三门小区5号楼 <i>二楼</i>", hostile, "跳过", "2"):
        tg.api.text(7, answer)
        await tg.said(7)
    summary = tg.api.sent_messages(7)[-1]
    assert hostile in summary["text"]  # the visible text: the HTML was escaped, not parsed
    tg.api.text(7, "确认提交")
    await tg.said(7)
    stored = await tg.app.db.fetchone("SELECT address, description FROM hazard_reports")
    assert stored is not None and stored["description"] == hostile
    assert await tg.app.db.scalar("SELECT COUNT(*) FROM users") >= 1


async def test_huge_texts_and_odd_updates_leave_the_bot_answering(tg: Harness) -> None:  # noqa: F811
    tg.api.text(7, "/report")
    await tg.said(7)
    tg.api.text(7, "1")
    tg.api.text(7, "1")
    await tg.said(7, 2)
    tg.api.text(7, "楼" * 50_000)  # far beyond any step's limit and Telegram's own
    reason, again = await tg.said(7, 2)
    assert "100" in reason["text"] and "具体位置" in again["text"]
    tg.api.push({"edited_message": {"message_id": 1, "date": 0, "chat": {"id": 7}}})
    tg.api.push({"channel_post": {"message_id": 2, "date": 0, "text": "x",
                                  "chat": {"id": -100999, "type": "channel"}}})  # fmt: skip
    tg.api.push({"message": {"message_id": 3, "date": 0, "chat": {"id": 7, "type": "private"}}})
    tg.api.text(8, "/start", chat_id=GROUP, chat_type="supergroup", title="三门 <b>群</b>")
    tg.api.text(7, "三门小区5号楼2单元一楼楼道")
    next_step = (await tg.said(7))[0]
    assert "描述" in next_step["text"]
    assert await tg.app.db.scalar("SELECT COUNT(*) FROM conversations") == 1


CLIENT_TIMEOUT = 0.3  # seconds python-telegram-bot waits for any answer
LATE = 0.6  # seconds the fake Bot API takes to answer a delayed call


@asynccontextmanager
async def impatient(
    server: FakeBotApi, tmp_path: Path, clock: FakeClock, **options: Any
) -> AsyncIterator[Harness]:
    """The adapter with short client timeouts, so that a late answer is a timeout."""
    app = await App.open(tg_settings(tmp_path, server), clock, demo=True)
    router = build_router(app)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    platform = TelegramPlatform(router, sleep=sleep, timeouts=CLIENT_TIMEOUT, **options)
    await platform.start()
    if options.get("poll_timeout") == 0:
        await server.wait_for("getUpdates")  # a short poll is never seen waiting
    else:
        await server.wait_for_poll()
    try:
        yield Harness(server, app, platform, clock, sleeps)
    finally:
        await platform.stop()
        await app.close()


def sent_to(server: FakeBotApi, chat_id: int) -> list[str]:
    """Every sendMessage to the chat that the fake applied, timed out on the client or not."""
    return [
        c.params["text"] for c in server.calls_to("sendMessage") if c.params["chat_id"] == chat_id
    ]


async def test_a_timed_out_poll_is_polled_again_and_each_update_answered_once(
    api: FakeBotApi,  # noqa: F811
    tmp_path: Path,
    clock: FakeClock,
) -> None:
    """Telegram keeps an update until a later poll confirms it, so the update in a timed-out
    answer comes again in the next one and is handled once."""
    # No long poll: the client waits only its timeout, so the late answer cannot reach it.
    async with impatient(api, tmp_path, clock, poll_timeout=0) as slow:
        api.delay("getUpdates", LATE)  # the next answer, which carries the /help below
        update = api.text(7, "/help")
        first = await slow.said(7)
        handed_out = [
            c
            for c in api.calls_to("getUpdates")
            if any(u["update_id"] == update["update_id"] for u in c.result or [])
        ]
        assert len(handed_out) >= 2  # the late answer, then the poll that went through
        assert "/join" in first[0]["text"]
        await asyncio.sleep(LATE)  # the late answer has now been sent, to no one
        again = await slow.ask(7, "/help")
        assert again["text"] == first[0]["text"]
        assert len(slow.api.sent_messages(7)) == 2  # one answer to each /help
        assert slow.sleeps == []  # polled again at once, not backed off


async def test_an_outbox_message_timed_out_stays_pending_and_is_sent_again(
    api: FakeBotApi,  # noqa: F811
    tmp_path: Path,
    clock: FakeClock,
) -> None:
    """A timeout is not an answer: Telegram may have delivered the message (the fake does),
    or not. The outbox keeps the row pending and sends it again after its back-off, so the
    outbox counts it sent once while the chat may see it twice. That is at-least-once, the
    documented trade-off: losing a notice would be worse than repeating it."""
    async with impatient(api, tmp_path, clock) as slow:
        postman = Postman(slow.app.outbox, slow.app.chats, slow.platform.transport, worker="test")
        await slow.app.outbox.put(Address("telegram", "7"), Reply("今晚停电检修"), dedup_key="n1")
        api.delay("sendMessage", LATE)
        assert await postman.deliver_due() == 1
        row = await slow.app.db.fetchone("SELECT status, attempts, error FROM outbox")
        assert row is not None and (row["status"], row["attempts"]) == ("pending", 1)
        assert "timed out" in row["error"].lower()
        assert await postman.deliver_due() == 0  # not before its back-off
        clock.advance(timedelta(seconds=2))
        assert await postman.deliver_due() == 1
        row = await slow.app.db.fetchone("SELECT status, attempts FROM outbox")
        assert row is not None and (row["status"], row["attempts"]) == ("sent", 2)
        clock.advance(timedelta(minutes=10))
        assert await postman.deliver_due() == 0  # sent is final
        assert sent_to(api, 7) == ["今晚停电检修", "今晚停电检修"]  # the late one arrived too
        assert slow.sleeps == []  # the adapter did not wait; the outbox did


async def test_a_direct_answer_timed_out_is_sent_again_and_the_form_keeps_its_place(
    api: FakeBotApi,  # noqa: F811
    tmp_path: Path,
    clock: FakeClock,
) -> None:
    """A direct answer that times out is tried again after a short back-off; as with the
    outbox, Telegram may already have shown the first, so the person can see it twice."""
    async with impatient(api, tmp_path, clock) as slow:
        await slow.ask(7, "/join", first_name="王阿姨")
        api.delay("sendMessage", LATE)
        name_step = await slow.ask(7, "1")
        assert "怎么称呼" in name_step["text"]
        repeated = (await slow.said(7))[0]
        assert repeated["text"] == name_step["text"]  # shown, then shown again
        assert slow.sleeps == [0.5]
        phone_step = await slow.ask(7, "王阿姨")  # the form is at the name step, as it should be
        assert "手机号" in phone_step["text"]
        assert len(sent_to(api, 7)) == 4
        state = await slow.app.db.scalar("SELECT COUNT(*) FROM conversations")
        assert state == 1


ANSWERS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["/back", "/cancel", "跳过", "上一步", "确认提交", "修改", "1", "2", "0", "99"]
    ),
    st.builds(lambda v: ("choice", v), st.text(max_size=12)),
    st.builds(lambda v: ("choice", v), st.sampled_from(["1", "urgent", "normal", "confirm"])),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(["/report", "/join"]),
    answers=st.lists(ANSWERS, max_size=12),
)
def test_forms_survive_any_sequence_of_answers(
    tmp_path: Path, command: str, answers: list[str | tuple[str, str]]
) -> None:
    """Whatever is typed or pressed, every message gets an answer and nothing is half saved."""

    async def run() -> None:
        settings = Settings(db_path=tmp_path / "juwei.db", _env_file=None)
        app = await App.open(settings, FakeClock(START), demo=True)
        chat, sender = Chat("console", "h", ChatKind.PRIVATE), Sender("console", "h")
        try:
            router = build_router(app)
            for answer in (command, *answers):
                if isinstance(answer, tuple):
                    message = Incoming(chat, sender, choice=answer[1])
                elif answer.startswith("/") and answer[1:].split():
                    name, *args = answer[1:].split()
                    message = Incoming(chat, sender, command=name, args=tuple(args))
                else:
                    message = Incoming(chat, sender, text=answer)
                replies = await router.handle(message)
                assert all("系统出了点问题" not in r.text for r in replies)
            assert await app.db.scalar("SELECT COUNT(*) FROM hazard_reports") <= 1
            assert await app.db.scalar("SELECT COUNT(*) FROM conversations") <= 1
        finally:
            await app.close()

    (tmp_path / "juwei.db").unlink(missing_ok=True)
    asyncio.run(run())
