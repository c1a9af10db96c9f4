"""What residents write reaches WeCom as text: never a link, a colour or emphasis, in app
messages (text, markdown) or robots' posts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.messages import Link, Reply
from bot.platforms.postman import Postman
from bot.platforms.wecom.platform import WeComPlatform
from bot.settings import Settings
from tests.fakes.wecom_api import FakeWeCom, wecom_settings
from tests.platforms.wecom.test_callback import WeComUser

EVIL = (
    '<a href="http://evil.example">点我领补贴</a> [看这里](http://evil.example) '
    '<font color="warning">红字</font> **粗体** `代码`\n# 标题\n> 引用'
)
# Markup of app text messages (<a href>); markdown's also its links, colours, emphasis, code,
# headings and quotes.
LIVE_IN_TEXT = ('<a href="http://evil', '<font color="warning">红')
LIVE_IN_MARKDOWN = (*LIVE_IN_TEXT, "](http://evil", "**粗", "`代码", "\n# ", "\n> ")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    robots = [{"key": "staff-key", "name": "staff", "tags": ["staff"]}]
    return Settings(
        db_path=tmp_path / "juwei.db", _env_file=None, **wecom_settings(wecom_robots=robots)
    )


def contents(bodies: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(msgtype, content) of the text and markdown bodies."""
    return [
        (b["msgtype"], b[b["msgtype"]]["content"])
        for b in bodies
        if b["msgtype"] in ("text", "markdown")
    ]


def assert_dead(kind: str, content: str) -> None:
    assert "点我领补贴" in content and "红字" in content  # still there to read
    for markup in LIVE_IN_MARKDOWN if kind == "markdown" else LIVE_IN_TEXT:
        assert markup not in content


async def test_a_residents_report_reaches_wecom_without_live_markup(
    app: App, fake: FakeWeCom, clock: FakeClock, wecom: WeComPlatform
) -> None:
    zhang = WeComUser(wecom, clock)
    for said in ("/report", "1", "三门", "三门小区 5号楼 2单元", EVIL, "跳过", "紧急", "确认提交"):
        await zhang.say(said)
    mine = [(k, c) for k, c in contents(fake.sent) if "点我领补贴" in c]
    assert mine  # the summary the reporter saw carried the description
    for kind, content in mine:
        assert_dead(kind, content)
    postman = Postman(app.outbox, app.chats, wecom.transport, worker="test")
    await postman.deliver_due()
    robot = [call.body for call in fake.to("/cgi-bin/webhook/send") if call.body is not None]
    ((kind, announced),) = [(k, c) for k, c in contents(robot) if "点我领补贴" in c]
    assert kind == "markdown" and announced.startswith('<font color="warning">')  # the bot's own
    assert_dead(kind, announced)


@pytest.mark.parametrize("urgent", [False, True])
@pytest.mark.parametrize("links", [(), (Link("详情", "https://bot.example/1"),)])
async def test_every_wecom_message_kind_keeps_typed_markup_dead(
    fake: FakeWeCom, wecom: WeComPlatform, urgent: bool, links: tuple[Link, ...]
) -> None:
    reply = Reply(f"情况：{EVIL}", links=links, urgent=urgent)
    await wecom.transport.send("zhangsan", reply)
    await wecom.transport.send("robot:staff", reply)
    robot = [call.body for call in fake.to("/cgi-bin/webhook/send") if call.body is not None]
    sent = contents(fake.sent) + contents(robot)
    assert len(sent) == 2
    for kind, content in sent:
        assert_dead(kind, content)
    if links:  # the bot's own links stay live
        assert any('<a href="https://bot.example/1">' in c or "(https://bot.example/1)" in c
                   for _, c in sent)  # fmt: skip
