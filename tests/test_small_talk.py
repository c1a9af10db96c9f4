"""Everyday phrases get a friendly answer or start their form, and never become FAQ gaps."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.messages import Chat, ChatKind, Incoming, Reply
from tests.conftest import Person, juwei


def texts(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


async def faq_questions(app: App) -> int:
    return int(await app.db.scalar("SELECT COUNT(*) FROM faq_questions"))


@pytest.mark.parametrize("said", ["你好", "您好！", "在吗？", "你好呀", "hello"])
async def test_a_greeting_gets_a_hello_and_the_menu_not_the_faq(app: App, person, said) -> None:
    replies = await person("wang").send(said)
    shown = texts(replies)
    assert "您好！我是居委小助手" in shown and "/help" in shown
    assert "答不上来" not in shown and "转人工" not in shown
    assert [o.label for o in replies[-1].options] == [
        "活动报名",
        "上报隐患",
        "提交议题",
        "全部功能",
    ]
    assert await faq_questions(app) == 0


@pytest.mark.parametrize(("said", "answer"), [("谢谢", "不客气"), ("多谢！", "不客气"),
                                             ("好的", "好的。"), ("嗯", "好的。")])  # fmt: skip
async def test_thanks_and_okay_get_a_short_answer_and_the_menu(
    app: App, person, said: str, answer: str
) -> None:
    replies = await person("wang").send(said)
    assert texts(replies).startswith(answer)
    assert "活动报名" in [o.label for o in replies[-1].options]
    assert await faq_questions(app) == 0


@pytest.mark.parametrize(
    ("said", "asked"),
    [
        ("我要报名", "加入居委会"),  # not joined yet: /events points to /join
        ("我要上报", "请选择隐患类别"),
        ("想提个建议", "【提交议题 1/"),
        ("你好，我要报名", "加入居委会"),
    ],
)
async def test_a_wish_starts_its_form(app: App, person, said: str, asked: str) -> None:
    shown = texts(await person("wang").send(said))
    assert asked in shown, shown
    assert "答不上来" not in shown
    assert await faq_questions(app) == 0


async def test_a_problem_to_raise_asks_whether_it_is_a_hazard_or_a_topic(app: App, person) -> None:
    wang = person("wang")
    replies = await wang.send("我想反映个问题")
    assert [o.label for o in replies[-1].options] == ["上报隐患", "提交议题"]
    assert "【提交议题 1/" in texts(await wang.send("2"))  # typed number presses the button
    assert await faq_questions(app) == 0


async def test_the_menu_buttons_run_their_commands(app: App, person) -> None:
    wang = person("wang")
    menu = (await wang.send("你好"))[-1].options
    report = next(o for o in menu if o.label == "上报隐患")
    assert "【上报隐患 1/" in texts(await wang.press(report.value))
    await wang.send("取消")
    assert "/help" in texts(await wang.press(menu[-1].value))
    assert "失效" in texts(await wang.press("go:grant"))  # not a command this person may run


async def test_questions_still_reach_the_faq(app: App, person) -> None:
    replies = await person("wang").send("我想加装电梯，要多少业主同意？")
    assert "依据" in texts(replies)
    assert await faq_questions(app) == 1


async def test_in_a_group_a_greeting_is_answered_only_when_addressed(app: App, person) -> None:
    group = Chat("console", "sanmen-residents", ChatKind.GROUP)
    wu: Person = person("wu", chat=group)
    assert await wu.send("你好") == []
    replies = await wu.router.handle(Incoming(group, wu.sender, text="你好", mentions_bot=True))
    assert "居委小助手" in texts(replies)


async def test_english_speakers_are_greeted_in_english(app: App, person) -> None:
    lee = person("lee")
    await lee.send("/lang en")
    replies = await lee.send("thanks!")
    assert "You're welcome" in texts(replies)
    assert "Event sign-up" in [o.label for o in replies[-1].options]


async def test_everyday_phrases_are_not_listed_as_faq_gaps(app: App, person) -> None:
    wang = person("wang")
    for said in ("你好", "谢谢", "在吗", "好的", "嗯", "我要上报", "今天天气怎么样"):
        await wang.send(said)
        await wang.send("取消")
    done = juwei(app.settings.db_path, "faq", "gaps")
    assert done.returncode == 0, done.stderr
    listed = done.stdout
    assert "今天天气怎么样" in listed and "共 1 条" in listed
