"""The fake Bot API, driven by python-telegram-bot's real `Bot` and `Application` over HTTP."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TimedOut
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from tests.fakes.telegram_api import CallTimeout, FakeBotApi, UploadedFile

TOKEN = "123:ABC"
REPO = Path(__file__).resolve().parents[1]


class ManualClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# RetryAfter warns, even while being built, that retry_after becomes a timedelta unless
# PTB_TIMEDELTA is set; the helper below accepts either form.
quiet_retry_after = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


def retry_after_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in pairs]])


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(TOKEN) as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


async def test_get_me_answers_the_test_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123, "juwei_test_bot", True)


async def test_send_message_is_recorded_with_typed_params(api: FakeBotApi, bot: Bot) -> None:
    first = await bot.send_message(42, "123", reply_markup=keyboard(("报名", "signup:7")))
    second = await bot.send_message(42, "第二条")
    elsewhere = await bot.send_message(-1001, "群通知")

    assert (first.message_id, second.message_id, elsewhere.message_id) == (1, 2, 1)
    assert elsewhere.chat.type == "group"
    call = api.calls_to("sendMessage")[0]
    assert call.params["chat_id"] == 42
    assert call.params["text"] == "123"  # free text stays a string even when it looks numeric
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "报名", "callback_data": "signup:7"}]]
    }
    assert [m["text"] for m in api.sent_messages(42)] == ["123", "第二条"]
    assert len(api.sent_messages()) == 3


async def test_long_poll_waits_for_a_pushed_update_and_honours_offset(
    api: FakeBotApi, bot: Bot
) -> None:
    assert await bot.get_updates(timeout=0) == ()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await api.wait_for_poll()
    assert not poll.done()
    pushed = api.text(7, "/start signup-3", first_name="王阿姨")

    [update] = await asyncio.wait_for(poll, 5)
    assert update.update_id == pushed["update_id"]
    assert update.effective_user is not None and update.effective_user.first_name == "王阿姨"
    assert update.message is not None and update.message.text == "/start signup-3"
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/start")

    again = await bot.get_updates(offset=update.update_id, timeout=0)
    assert [u.update_id for u in again] == [update.update_id]  # not confirmed yet
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    later = api.text(7, "你好")
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [later["update_id"]]


@quiet_retry_after
async def test_injected_429_surfaces_as_retry_after(api: FakeBotApi, bot: Bot) -> None:
    api.fail("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(42, "通知")
    assert retry_after_seconds(caught.value) == 7
    await bot.send_message(42, "通知")  # the fault was for one call only
    assert [c.status for c in api.calls_to("sendMessage")] == [429, 200]
    assert len(api.sent_messages(42)) == 1


async def test_injected_403_hits_only_its_chat(api: FakeBotApi, bot: Bot) -> None:
    api.fail("sendMessage", status=403, times=None, chat_id=-2001)
    for _ in range(2):
        with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
            await bot.send_message(-2001, "通知")
    await bot.send_message(-2002, "通知")
    assert [m["chat"]["id"] for m in api.sent_messages()] == [-2002]


async def test_send_photo_records_the_upload_and_serves_it_back(api: FakeBotApi, bot: Bot) -> None:
    image = b"\xff\xd8\xff\xe0 fake jpeg \x00\x01"
    sent = await bot.send_photo(-3001, photo=image, filename="隐患.jpg", caption="楼道堆物")

    upload = api.calls_to("sendPhoto")[0].params["photo"]
    assert upload == UploadedFile("隐患.jpg", "image/jpeg", image)
    assert sent.caption == "楼道堆物"
    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == image


async def test_send_document_records_name_and_bytes(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_document(42, document=b"a,b\n1,2\n", filename="报名表.csv")
    upload = api.calls_to("sendDocument")[0].params["document"]
    assert (upload.filename, upload.data) == ("报名表.csv", b"a,b\n1,2\n")
    assert sent.document is not None and sent.document.file_name == "报名表.csv"


async def test_a_users_photo_comes_in_sizes_and_can_be_fetched(api: FakeBotApi, bot: Bot) -> None:
    api.photo(8, file_id="AgPhoto", data=b"largest", sizes=3, chat_id=-4001, title="三门居委")
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None and update.effective_chat is not None
    assert update.effective_chat.title == "三门居委"
    sizes = update.message.photo
    assert len(sizes) == 3
    assert [s.width for s in sizes] == sorted(s.width for s in sizes)
    assert sizes[-1].file_id == "AgPhoto"
    file = await bot.get_file("AgPhoto")
    assert bytes(await file.download_as_bytearray()) == b"largest"
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("nope")


@quiet_retry_after
async def test_group_limit_refuses_the_21st_message_within_a_minute() -> None:
    clock = ManualClock()
    async with (
        FakeBotApi(TOKEN, enforce_limits=True, clock=clock) as api,
        Bot(TOKEN, base_url=api.base_url) as bot,
    ):
        for n in range(20):
            await bot.send_message(-5001, f"通知 {n}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(-5001, "第21条")
        assert retry_after_seconds(caught.value) == 60
        await bot.send_message(-5002, "另一个群不受影响")

        clock.now += 59.5
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(-5001, "第21条")
        assert retry_after_seconds(caught.value) == 1  # half a second, rounded up
        clock.now += 0.5
        await bot.send_message(-5001, "第21条")
        assert len(api.sent_messages(-5001)) == 21


@quiet_retry_after
async def test_overall_limit_is_thirty_a_second() -> None:
    clock = ManualClock()
    async with (
        FakeBotApi(TOKEN, enforce_limits=True, clock=clock) as api,
        Bot(TOKEN, base_url=api.base_url) as bot,
    ):
        for user in range(1, 31):
            await bot.send_message(user, "提醒")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(31, "提醒")
        assert retry_after_seconds(caught.value) == 1
        clock.now += 1
        await bot.send_message(31, "提醒")
        assert api.calls_to("sendMessage")[-2].status == 429


async def test_callback_edit_and_not_modified(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(42, "确认报名？", reply_markup=keyboard(("确认", "yes")))
    api.callback(42, "yes", sent.message_id)
    [update] = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query is not None and query.data == "yes"
    assert query.message is not None and query.message.message_id == sent.message_id
    await bot.answer_callback_query(query.id, text="好的")

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "确认报名？", 42, sent.message_id, reply_markup=keyboard(("确认", "yes"))
        )
    await bot.edit_message_text("已报名", 42, sent.message_id)
    assert api.message(42, sent.message_id)["text"] == "已报名"
    assert "reply_markup" not in api.message(42, sent.message_id)  # an edit without it drops it
    assert api.sent_messages(42)[0]["text"] == "确认报名？"
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", 42, 999)


async def test_html_is_checked_like_telegram(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(42, "3 < 5 户", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(42, "x", reply_markup=keyboard(("长", "d" * 65)))
    sent = await bot.send_message(42, "<b>通知</b> 3 &lt; 5 户", parse_mode="HTML")
    assert sent.text == "通知 3 < 5 户"


async def test_removing_the_bot_makes_sends_forbidden(api: FakeBotApi, bot: Bot) -> None:
    api.my_chat_member(-6001, "高雄居委", status="administrator", by_user_id=9)
    api.my_chat_member(-6001, "高雄居委", status="kicked", by_user_id=9)
    added, kicked = await bot.get_updates(timeout=0)
    assert added.my_chat_member is not None and kicked.my_chat_member is not None
    assert added.my_chat_member.new_chat_member.status == "administrator"
    assert kicked.my_chat_member.new_chat_member.status == "kicked"
    assert kicked.my_chat_member.chat.title == "高雄居委"
    with pytest.raises(Forbidden, match="kicked"):
        await bot.send_message(-6001, "通知")

    api.my_chat_member(-6001, "高雄居委", status="member", by_user_id=9)
    await bot.send_message(-6001, "通知")
    assert await bot.leave_chat(-6001)
    with pytest.raises(Forbidden, match="not a member"):
        await bot.send_message(-6001, "通知")


async def test_a_slow_answer_times_the_client_out_but_the_message_is_sent(
    api: FakeBotApi, bot: Bot
) -> None:
    api.delay("sendMessage", 30)
    with pytest.raises(TimedOut):
        await bot.send_message(42, "可能重复", read_timeout=0.05)
    assert [m["text"] for m in api.sent_messages(42)] == ["可能重复"]
    await bot.send_message(42, "下一条")  # only one call was delayed


async def test_wait_for_counts_calls_as_they_arrive(api: FakeBotApi, bot: Bot) -> None:
    waiting = asyncio.create_task(
        api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 5, count=2)
    )
    await bot.send_message(5, "一")
    await bot.send_message(6, "别的")
    await bot.send_message(5, "二")
    calls = await waiting
    assert [c.params["text"] for c in calls] == ["一", "二"]


async def test_wait_for_timeout_lists_recent_calls(api: FakeBotApi, bot: Bot) -> None:
    await bot.get_me()
    with pytest.raises(CallTimeout, match=r"(?s)sendMessage.*saw 0.*getMe"):
        await api.wait_for("sendMessage", timeout=0)


async def test_commands_webhook_and_token_checks(api: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands([("start", "开始"), ("help", "帮助")], language_code="zh")
    assert [c.command for c in await bot.get_my_commands(language_code="zh")] == ["start", "help"]
    assert await bot.get_my_commands() == ()

    await bot.set_webhook("https://example.org/tg")
    assert (await bot.get_webhook_info()).url == "https://example.org/tg"
    await bot.delete_webhook()
    chat = await bot.get_chat(-7001)
    assert (chat.type, chat.title) == ("group", "测试群 7001")
    await bot.send_chat_action(42, "typing")

    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=api.base_url):
            pass


async def test_a_real_application_polls_and_replies(api: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        await update.effective_message.reply_text(f"你好，{update.effective_user.first_name}")

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=10)
        await api.wait_for_poll()
        api.text(7, "/start", first_name="李伯伯")
        [reply] = await api.wait_for("sendMessage")
        await app.updater.stop()
        await app.stop()
    assert reply.params["chat_id"] == 7
    assert reply.params["text"] == "你好，李伯伯"
    assert api.calls_to("deleteWebhook")


async def test_standalone_server_is_driven_from_another_process() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.telegram_api",
        "--port",
        "0",
        "--token",
        TOKEN,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        base_url = (await asyncio.wait_for(process.stdout.readline(), 10)).decode().strip()
        control = base_url.removesuffix("/bot") + "/_control"
        async with httpx.AsyncClient() as http, Bot(TOKEN, base_url=base_url) as bot:
            pushed = await http.post(f"{control}/text", json={"user_id": 5, "text": "/help"})
            [update] = await bot.get_updates(timeout=0)
            assert update.update_id == pushed.json()["result"]["update_id"]
            await bot.send_message(5, "帮助")
            calls = (await http.get(f"{control}/calls", params={"method": "sendMessage"})).json()
            assert [c["params"]["text"] for c in calls["result"]] == ["帮助"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
