"""Where buttons are numbered lines (console, WeCom text), typing a number presses one."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.conversation_store import Key
from bot.messages import Option, Reply
from bot.platforms.console import Console, ConsoleIdentity


async def test_a_typed_number_presses_the_last_buttons(app, person) -> None:
    wu = person("wu")
    answer = await wu.send("加装电梯需要多少业主同意？")
    assert [o.label for o in answer[-1].options] == ["有帮助", "没帮助"]
    assert "谢谢" in (await wu.send("1"))[0].text
    row = await app.db.fetchone("SELECT helpful FROM faq_feedback")
    assert row["helpful"] == 1


async def test_labels_work_too_and_forms_take_over(app, person) -> None:
    xu = person("xu")
    await xu.send("加装电梯需要多少业主同意？")
    assert "抱歉" in (await xu.send("没帮助"))[0].text
    await xu.send("/join")
    reply = await xu.send("1")  # the form's first option, not the old menu
    assert "称呼" in reply[-1].text


async def test_an_old_menu_is_forgotten(app, person, clock: FakeClock) -> None:
    ye = person("ye")
    await ye.send("加装电梯需要多少业主同意？")
    clock.advance(timedelta(hours=1))
    replies = await ye.send("1")
    assert "谢谢" not in replies[0].text
    assert await app.db.scalar("SELECT COUNT(*) FROM faq_feedback") == 0


async def test_buttons_that_arrive_later_answer_to_numbers_too(app, router, person) -> None:
    """A staff move asks the reporter 已整改到位? in a queued message; typing 1 answers it."""
    reporter = person("reporter")
    await reporter.send("/help")  # the reporter's private chat is known
    question = "已整改到位？"
    await app.outbox.put(
        reporter.chat.address, Reply(question, (Option("是", "faq:yes:999"), Option("否", "x")))
    )
    console = Console(router, ConsoleIdentity("reporter"), json_mode=True)
    await console.deliver_own_mail()
    assert await router.menus.pick(_key("reporter"), "1", app.clock.now()) == "faq:yes:999"


def _key(user: str) -> Key:
    return Key("console", user, user)
