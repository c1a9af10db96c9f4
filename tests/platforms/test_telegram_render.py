"""Telegram rendering and translation, without a server: replies to pieces, updates to messages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.app import App
from bot.clock import FakeClock
from bot.messages import Attachment, ChatKind, FileRef, Link, Option, Reply
from bot.platforms.telegram import file_url
from bot.platforms.telegram_buttons import ButtonCodec, is_compact
from bot.platforms.telegram_incoming import BotIdentity, to_incoming
from bot.platforms.telegram_render import (
    Kind,
    after_press,
    keyboard,
    per_row,
    plan,
    split_text,
    utf16_len,
)
from tests.fakes.telegram_api import FakeBotApi

ME = BotIdentity(123, "juwei_test_bot")


def test_short_text_is_one_piece_and_blank_text_none() -> None:
    assert split_text("你好") == ["你好"]
    assert split_text("  \n ") == []


def test_long_text_is_split_on_line_ends() -> None:
    lines = [f"第{n}行：" + "楼" * 50 for n in range(200)]
    text = "\n".join(lines)
    pieces = split_text(text, limit=1000)
    assert all(utf16_len(p) <= 1000 for p in pieces)
    assert "\n".join(pieces) == text  # nothing lost, every cut at a line end
    assert all(p.split("\n")[0].startswith("第") for p in pieces)


def test_a_line_longer_than_the_limit_is_cut_without_breaking_characters() -> None:
    line = "🚒" * 30  # each is two UTF-16 units, as Telegram counts
    pieces = split_text(f"开头\n{line}\n结尾", limit=21)
    assert all(utf16_len(p) <= 21 for p in pieces)
    assert "".join(pieces).replace("\n", "") == f"开头{line}结尾"


def test_plan_escapes_and_puts_the_buttons_on_the_last_piece() -> None:
    reply = Reply("3 < 5 & <b>x</b>\n" * 400, options=(Option("好", "ok:1"),), urgent=True)
    pieces = plan(reply)
    assert len(pieces) == 2 and {p.kind for p in pieces} == {Kind.TEXT}
    assert pieces[0].html.startswith("🚨 3 &lt; 5 &amp; &lt;b&gt;x&lt;/b&gt;")
    assert [p.keyboard for p in pieces] == [False, True]


def test_plan_captions_a_photo_when_the_text_fits() -> None:
    photo = Attachment("a.jpg", data=b"jpg")
    [piece] = plan(Reply("楼道堆物", photo=photo, options=(Option("受理", "hz:1"),)))
    assert (piece.kind, piece.html, piece.keyboard) == (Kind.PHOTO, "楼道堆物", True)

    pieces = plan(Reply("长" * 2000, photo=photo))
    assert [p.kind for p in pieces] == [Kind.TEXT, Kind.PHOTO]
    assert pieces[1].html == ""


def test_plan_drops_files_only_another_platform_can_send() -> None:
    other = Attachment("x.jpg", ref=FileRef("wecom", "MEDIA1"))
    mine = Attachment("y.pdf", ref=FileRef("telegram", "BQAD"))
    pieces = plan(Reply("附件", photo=other, document=mine))
    assert [(p.kind, p.attachment) for p in pieces] == [(Kind.DOCUMENT, mine)]


def test_keyboard_rows_fit_the_labels_and_links_come_last() -> None:
    short = [Option(n, str(i)) for i, n in enumerate(["三门", "高雄", "西二", "董家渡"])]
    markup = keyboard(short, [o.value for o in short], [Link("地图", "https://example.org")])
    assert markup is not None
    assert [len(row) for row in markup.inline_keyboard] == [3, 1, 1]
    assert markup.inline_keyboard[-1][0].url == "https://example.org"
    assert per_row(["一个相当长的按钮标签文字"]) == 1
    assert keyboard([], [], []) is None


def test_after_press_names_the_choice_and_keeps_only_links() -> None:
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("是", callback_data="y"),
                InlineKeyboardButton("否", callback_data="n"),
            ],
            [InlineKeyboardButton("详情", url="https://example.org")],
        ]
    )
    label, kept = after_press(markup, "n")
    assert label == "否"
    assert kept is not None and [[b.text for b in r] for r in kept.inline_keyboard] == [["详情"]]
    assert after_press(None, "n") == (None, None)


def test_file_url_sits_beside_the_api() -> None:
    assert file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:9/bot/") == "http://127.0.0.1:9/file/bot"


def test_compact_values_travel_as_they_are() -> None:
    assert all(is_compact(v) for v in ("3", "__skip__", "lang:en", "hazard:accept:12"))
    assert not any(is_compact(v) for v in ("王阿姨", "bob", "x" * 70, "~abc.0", "a b"))


async def test_other_values_go_through_a_token_that_survives(app: App, clock: FakeClock) -> None:
    codec = ButtonCodec(app.db, clock)
    values = ["2", "王阿姨", "名" * 100]
    data = await codec.encode([Option(f"选项{n}", v) for n, v in enumerate(values)])
    assert data[0] == "2"
    assert all(d.startswith("~") and len(d.encode()) <= 64 for d in data[1:])
    later = ButtonCodec(app.db, clock)  # as after a restart
    assert [await later.decode(d) for d in data] == values
    assert await later.decode("~nosuch.1") is None and await later.decode("~bad") is None
    clock.advance(timedelta(days=91))
    assert await later.forget_before(clock.now() - timedelta(days=90)) == 2
    assert await later.decode(data[1]) is None


def _message(update: dict[str, Any]) -> Any:
    message = Update.de_json(update, None).message
    assert message is not None
    return message


async def test_commands_lose_the_bot_name_and_keep_their_arguments() -> None:
    api = FakeBotApi()
    got = to_incoming(_message(api.text(7, "/Join@juwei_test_bot 三门  王阿姨")), ME)
    assert got is not None and (got.command, got.args, got.mentions_bot) == (
        "join",
        ("三门", "王阿姨"),
        True,
    )
    assert to_incoming(_message(api.text(7, "/help@other_bot", chat_id=-5)), ME) is None
    start = to_incoming(_message(api.text(7, "/start ev_12")), ME)
    assert start is not None and (start.command, start.args) == ("start", ("ev_12",))


async def test_group_text_names_or_answers_the_bot() -> None:
    api = FakeBotApi()
    chatter = to_incoming(_message(api.text(8, "大家好", chat_id=-5, title="三门居民群")), ME)
    assert chatter is not None and not chatter.mentions_bot
    assert chatter.chat.kind is ChatKind.GROUP and chatter.chat.title == "三门居民群"
    named = to_incoming(_message(api.text(8, "@Juwei_Test_Bot 电梯怎么装", chat_id=-5)), ME)
    assert named is not None and named.mentions_bot and named.text == "电梯怎么装"
    update = api.text(8, "好的", chat_id=-5)
    update["message"]["reply_to_message"] = {
        "message_id": 1, "date": 0, "chat": update["message"]["chat"],
        "from": {"id": 123, "is_bot": True, "first_name": "居委助手"}, "text": "请问几号楼？",
    }  # fmt: skip
    answered = to_incoming(_message(update), ME)
    assert answered is not None and answered.mentions_bot
    assert answered.reply_to_text == "请问几号楼？"


async def test_media_becomes_locations_photos_and_documents() -> None:
    api = FakeBotApi()
    where = to_incoming(_message(api.location(5, 31.2, 121.49)), ME)
    assert where is not None and where.location is not None
    assert (where.location.latitude, where.location.longitude) == (31.2, 121.49)
    photo = to_incoming(_message(api.photo(5, file_id="Big", sizes=4)), ME)
    assert photo is not None and photo.photo == FileRef("telegram", "Big", "", "image/jpeg")
    doc = to_incoming(_message(api.document(5, file_name="名单.xlsx", file_id="Doc1")), ME)
    assert doc is not None and doc.document is not None
    assert (doc.document.file_id, doc.document.name) == ("Doc1", "名单.xlsx")
    sticker = api.text(5, "x")
    del sticker["message"]["text"]
    assert to_incoming(_message(sticker), ME) is None
    assert (photo.user.id, photo.chat.id, photo.user.language) == ("5", "5", "zh-hans")
