"""The reporter's side: 已整改到位? stays answerable (buttons, numbers, plain words, /myreports)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.hazards.model import Category, Department, Report, Status
from bot.hazards.repo import NewReport
from bot.hazards.service import HazardService
from bot.messages import Chat, ChatKind
from bot.platforms.console import Console, ConsoleIdentity
from tests.conftest import take_mail


def texts(replies) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(r.text for r in replies)


async def reported(app, reporter: str = "alice", address: str = "三门小区 3号楼 楼道") -> Report:
    user = await app.users.ensure("console", reporter)
    await app.users.rename(user, "王阿姨")
    new = NewReport(
        Category.PASSAGE, 1, address, None, None, "楼道堆满纸箱", False, user.id, user.ref, []
    )
    return await HazardService.of(app).file(new, None)


async def resolved(app, router, reporter: str = "alice", address: str = "三门小区 3号楼") -> Report:
    """A report staff marked 已整改; the question has reached the reporter's console."""
    await app.chats.seen(Chat("console", reporter, ChatKind.PRIVATE))  # they talked to the bot
    report = await reported(app, reporter, address)
    service = HazardService.of(app)
    await service.move(None, report.id, Status.ASSIGNED, "", department=Department.PROPERTY)
    await service.move(None, report.id, Status.RESOLVED, "已清理")
    await Console(router, ConsoleIdentity(reporter), json_mode=True).deliver_own_mail()
    await take_mail(app, "staff-group")
    return report


async def status_of(app, report: Report) -> Status:  # type: ignore[no-untyped-def]
    now = await HazardService.of(app).get(report.id)
    assert now is not None
    return now.status


@pytest.mark.parametrize("said", ["好了", "已经修好了", "是的"])
async def test_plain_yes_closes_the_report_waiting_for_the_reporter(
    app, router, person, said: str
) -> None:
    report = await resolved(app, router)
    answer = texts(await person("alice").send(said))
    assert "谢谢您的确认" in answer and report.ref in answer
    assert await status_of(app, report) is Status.CLOSED


@pytest.mark.parametrize("said", ["还没有", "没修好", "电线还在"])
async def test_plain_no_reopens_with_the_words_as_reason_and_tells_staff(
    app, router, person, said: str
) -> None:
    report = await resolved(app, router)
    answer = texts(await person("alice").send(said))
    assert "已重新打开" in answer and said in answer
    assert await status_of(app, report) is Status.ASSIGNED
    history = await HazardService.of(app).history(report)
    assert history[-1].kind == "reopened" and history[-1].note == said
    told = await take_mail(app, "staff-group")
    assert len(told) == 1 and said in told[0].reply.text and "王阿姨" not in told[0].reply.text


async def test_the_question_outlives_an_faq_answer_and_half_an_hour(
    app, router, person, clock: FakeClock
) -> None:
    report = await resolved(app, router)
    alice = person("alice")
    faq = await alice.send("加装电梯需要多少业主同意？")
    assert [o.label for o in faq[-1].options] == ["有帮助", "没帮助"]
    clock.advance(timedelta(hours=2))
    answer = texts(await alice.send("已整改到位"))  # the button's label, typed
    assert "谢谢您的确认" in answer
    assert await status_of(app, report) is Status.CLOSED


async def test_a_number_answers_the_question_once_no_menu_is_showing(
    app, router, person, clock: FakeClock
) -> None:
    report = await resolved(app, router)
    alice = person("alice")
    await alice.send("加装电梯需要多少业主同意？")
    clock.advance(timedelta(hours=1))  # the FAQ's buttons are gone; the question is not
    ask = texts(await alice.send("2"))
    assert "哪里还没有整改好" in ask
    await alice.send("纸箱又堆回来了")
    assert "已重新打开" in texts(await alice.send("确认提交"))
    assert await status_of(app, report) is Status.ASSIGNED


async def test_an_answered_question_no_longer_takes_numbers(
    app, router, person, clock: FakeClock
) -> None:
    report = await resolved(app, router)
    alice = person("alice")
    await alice.press(f"hzok:yes:{report.id}")
    clock.advance(timedelta(hours=1))
    replies = texts(await alice.send("2"))
    assert "哪里还没有整改好" not in replies and "不需要再确认" not in replies
    assert await status_of(app, report) is Status.CLOSED


async def test_words_with_nothing_waiting_go_to_the_faq(app, router, person) -> None:
    report = await reported(app)
    replies = await person("alice").send("还没有")
    assert "已重新打开" not in texts(replies)
    assert await status_of(app, report) is Status.SUBMITTED


async def test_questions_are_not_read_as_answers(app, router, person) -> None:
    report = await resolved(app, router)
    await person("alice").send("楼道还能不能堆东西？")
    assert await status_of(app, report) is Status.RESOLVED


async def test_two_reports_waiting_ask_which_one(app, router, person) -> None:
    first = await resolved(app, router, address="三门小区 3号楼")
    second = await resolved(app, router, address="三门小区 9号楼")
    replies = await person("alice").send("好了")
    assert "2 条报告在等您确认" in texts(replies)
    labels = [o.label for o in replies[-1].options]
    assert labels == [
        f"{second.ref} 已整改到位",
        f"{second.ref} 还没有整改好",
        f"{first.ref} 已整改到位",
        f"{first.ref} 还没有整改好",
    ]
    assert await status_of(app, first) is Status.RESOLVED
    assert await status_of(app, second) is Status.RESOLVED
    assert "谢谢您的确认" in texts(await person("alice").send("3"))
    assert await status_of(app, first) is Status.CLOSED


async def test_myreports_lists_only_ones_own_reports_and_answers_from_there(
    app, router, person
) -> None:
    waiting = await resolved(app, router)
    open_one = await reported(app, address="三门小区 7号楼")
    others = await reported(app, reporter="bob", address="高雄新村 1号楼")
    mine = await person("alice").send("我的上报")
    shown = texts(mine)
    assert waiting.ref in shown and open_one.ref in shown and others.ref not in shown
    assert "消防通道/楼道堆物" in shown and "已整改" in shown and "待受理" in shown
    assert "楼道堆满纸箱" not in shown and "王阿姨" not in shown
    assert [o.value for o in mine[-1].options] == [
        f"hzok:yes:{waiting.id}",
        f"hzok:no:{waiting.id}",
    ]
    assert "谢谢您的确认" in texts(await person("alice").send("1"))
    assert await status_of(app, waiting) is Status.CLOSED
    assert "没有上报过" in texts(await person("carol").send("/myreports"))


async def test_myreports_is_not_shown_in_a_group(app, person) -> None:
    await reported(app)
    group = Chat("console", "residents-group", ChatKind.GROUP, "三门居民群")
    replies = await person("alice", chat=group).send("/myreports")
    assert "私聊" in texts(replies) and "YH-" not in texts(replies)


async def test_help_offers_myreports_to_residents(app, person) -> None:
    assert "/myreports" in texts(await person("dan").send("/help"))
