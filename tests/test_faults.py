"""Faults: a locked database, hostile input, and arbitrary answers to the forms.

Each ends with nothing lost, nothing doubled, and the bot still answering. The killed
processes are in ``test_faults_killed.py``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.clock import FakeClock
from bot.messages import Chat, ChatKind, Incoming, Sender
from bot.registry import build_router
from bot.settings import Settings
from tests.test_telegram import GROUP, Harness, api, router_for, tg  # noqa: F401 - fixtures

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


async def test_a_locked_database_gets_the_generic_error_and_loses_nothing(
    app: App, person, settings: Settings
) -> None:
    li = person("li")
    for answer in REPORT[:4]:
        await li.send(answer)
    await app.db.conn.execute("PRAGMA busy_timeout = 50")  # a short wait keeps the test fast
    holder = sqlite3.connect(settings.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        sorry = await li.send("楼道里有电动自行车在充电")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [r.text for r in sorry] == [
        "抱歉，系统出了点问题，已经记录下来了。您已填写的内容都还在，请稍后再试一次。"
    ]
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
