"""Numbers typed after commands and in deep links: superscripts (``²``, a digit to
``str.isdigit``) and numbers past SQLite's integers answer "not found" or a usage hint in the
person's language, never the generic error."""

from __future__ import annotations

import pytest

from bot.i18n import text
from bot.messages import Reply

HUGE = "9" * 25  # past 2**63 - 1: SQLite refuses it as an integer
GENERIC = text("zh", "error.generic")


def said(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


@pytest.mark.parametrize(
    ("who", "typed", "answer"),
    [
        ("demo", "/events ²", "没有找到这个活动"),
        ("demo", f"/events {HUGE}", "没有找到这个活动"),
        ("demo", "/start ev_²", "没有找到这个活动"),
        ("demo", f"/start ev_{HUGE}", "没有找到这个活动"),
        ("staff", f"/roster {HUGE}", "用法：/roster"),
        ("staff", "/roster ²", "用法：/roster"),
        ("staff", f"/eventmsg {HUGE} 你好", "用法"),
        ("staff", f"/answer {HUGE} 可以", "用法：/answer"),
        ("staff", "/answer ² 可以", "用法：/answer"),
        ("staff", "/report_update ² x", "没有找到隐患报告 ²"),
        ("staff", f"/report_update {HUGE} accepted", f"没有找到隐患报告 {HUGE}"),
        ("staff", f"/reports {HUGE}", HUGE),  # not a page, status or committee: said so
        ("staff", f"/notices {HUGE}", f"通知 #{HUGE} 还没有发送记录"),
        ("staff", f"/cancelmeeting {HUGE}", "没有找到这个会议"),
        ("staff", f"/reschedule {HUGE}", "没有找到这个会议"),
    ],
)
async def test_odd_numbers_in_commands_answer_not_found_or_usage(
    person, who: str, typed: str, answer: str
) -> None:  # type: ignore[no-untyped-def]
    replies = said(await person(who).send(typed))
    assert answer in replies and GENERIC not in replies


@pytest.mark.parametrize(
    "value",
    [f"hz:card:{HUGE}", f"hz:accepted:{HUGE}", "hz:card:²", f"evroster:{HUGE}", f"evci:{HUGE}",
     f"tp:v:{HUGE}", f"ack:{HUGE}", f"meeting:cancel:{HUGE}", f"faq:yes:{HUGE}",
     f"hz:list:-:-:{HUGE}:0:{HUGE}"],
)  # fmt: skip
async def test_forged_button_numbers_never_give_the_generic_error(person, value: str) -> None:  # type: ignore[no-untyped-def]
    replies = said(await person("admin").press(value))
    assert replies and GENERIC not in replies
