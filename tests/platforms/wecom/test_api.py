"""WeCom's server API: the cached access token, error codes, and how a Reply is rendered."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from bot.clock import FakeClock
from bot.messages import Link, Option, Reply
from bot.platforms.base import ChatUnreachable, TemporaryFailure
from bot.platforms.wecom.api import WeComApi, WeComApiError
from bot.platforms.wecom.render import TEXT_BYTES, app_messages, split_text
from tests.fakes.wecom_api import AGENT_ID, CORP_ID, SECRET, FakeWeCom


@pytest.fixture
async def api(fake: FakeWeCom, clock: FakeClock) -> AsyncIterator[WeComApi]:
    client = WeComApi(
        base_url="https://qyapi.example",
        corp_id=CORP_ID,
        agent_id=AGENT_ID,
        secret=SECRET,
        clock=clock,
        transport=fake.transport,
    )
    yield client
    await client.close()


async def test_the_token_is_cached_until_shortly_before_it_expires(
    api: WeComApi, fake: FakeWeCom, clock: FakeClock
) -> None:
    await api.send_text("zhangsan", "一")
    await api.send_text("zhangsan", "二")
    assert len(fake.to("/cgi-bin/gettoken")) == 1
    assert fake.to("/cgi-bin/gettoken")[0].params == {"corpid": CORP_ID, "corpsecret": SECRET}
    clock.advance(timedelta(seconds=7200 - 400))
    await api.send_text("zhangsan", "三")
    assert len(fake.to("/cgi-bin/gettoken")) == 1
    clock.advance(timedelta(seconds=200))  # within five minutes of expiry
    await api.send_text("zhangsan", "四")
    assert len(fake.to("/cgi-bin/gettoken")) == 2
    assert [b["text"]["content"] for b in fake.sent] == ["一", "二", "三", "四"]
    assert fake.sent[0] == {
        "touser": "zhangsan",
        "agentid": AGENT_ID,
        "msgtype": "text",
        "text": {"content": "一"},
    }


async def test_an_expired_token_is_refreshed_once_and_the_call_retried(
    api: WeComApi, fake: FakeWeCom, caplog: pytest.LogCaptureFixture
) -> None:
    await api.send_text("zhangsan", "早上好")
    fake.expire_tokens()  # WeCom answers 42001 to the cached token
    await api.send_text("zhangsan", "下午好")
    paths = [call.path.rsplit("/", 1)[-1] for call in fake.calls]
    assert paths == ["gettoken", "send", "send", "gettoken", "send"]
    assert fake.calls[2].answer == {"errcode": 42001, "errmsg": "access_token expired"}
    assert [b["text"]["content"] for b in fake.sent] == ["早上好", "下午好"]


async def test_a_token_refused_twice_is_not_refreshed_in_a_loop(
    api: WeComApi, fake: FakeWeCom
) -> None:
    expired = {"errcode": 42001, "errmsg": "access_token expired"}
    fake.script("/cgi-bin/message/send", expired, expired, expired)
    with pytest.raises(TemporaryFailure, match="42001"):
        await api.send_text("zhangsan", "x")
    assert len(fake.to("/cgi-bin/gettoken")) == 2
    assert len(fake.to("/cgi-bin/message/send")) == 2


@pytest.mark.parametrize(
    ("code", "raised", "words"),
    [
        (60020, TemporaryFailure, "trusted IPs"),
        (45009, TemporaryFailure, "frequency"),
        (81013, ChatUnreachable, "visible range"),
        (40056, WeComApiError, "JUWEI_WECOM_AGENT_ID"),
    ],
)
async def test_error_codes_become_clear_log_lines_and_exceptions(
    api: WeComApi,
    fake: FakeWeCom,
    caplog: pytest.LogCaptureFixture,
    code: int,
    raised: type[Exception],
    words: str,
) -> None:
    fake.script("/cgi-bin/message/send", {"errcode": code, "errmsg": f"error {code}"})
    with caplog.at_level(logging.INFO), pytest.raises(raised) as info:
        await api.send_text("zhangsan", "hi")
    assert f"errcode {code}" in str(info.value) and words in str(info.value)
    logged = [r for r in caplog.records if f"errcode {code}" in r.getMessage()]
    assert logged and words in logged[0].getMessage()
    assert SECRET not in caplog.text and "token-1" not in caplog.text


async def test_an_invalid_user_is_unreachable_not_silently_dropped(
    api: WeComApi, fake: FakeWeCom
) -> None:
    fake.script("/cgi-bin/message/send", {"errcode": 0, "errmsg": "ok", "invaliduser": "ghost"})
    with pytest.raises(ChatUnreachable, match="invaliduser"):
        await api.send_text("ghost", "hi")


async def test_a_wrong_secret_is_named(api: WeComApi, fake: FakeWeCom) -> None:
    fake.script("/cgi-bin/gettoken", {"errcode": 40001, "errmsg": "invalid credential"})
    with pytest.raises(WeComApiError, match="JUWEI_WECOM_SECRET"):
        await api.send_text("zhangsan", "hi")


async def test_network_errors_are_temporary_and_keep_secrets_out_of_logs(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}")

    api = WeComApi(
        base_url="https://qyapi.example",
        corp_id=CORP_ID,
        agent_id=AGENT_ID,
        secret=SECRET,
        clock=clock,
        transport=httpx.MockTransport(down),
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(TemporaryFailure) as info:
        await api.send_text("zhangsan", "hi")
    await api.close()
    assert SECRET not in caplog.text and SECRET not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


async def test_media_upload_and_download(api: WeComApi, fake: FakeWeCom) -> None:
    assert await api.upload("image", "a.jpg", b"\xff\xd8", "image/jpeg") == "m-1"
    upload = fake.to("/cgi-bin/media/upload")[0]
    assert upload.params["type"] == "image" and b'name="media"; filename="a.jpg"' in upload.raw
    assert await api.download("MID") == b"\xff\xd8jpeg"


# -- rendering --------------------------------------------------------------------------------


def test_options_that_fit_become_a_card_else_a_numbered_list() -> None:
    few = Reply("请选择：", (Option("三门居委会", "1"), Option("高雄居委会", "2")))
    [card] = app_messages(few, "zh", rich=True, task_id="t1")
    assert card["template_card"]["card_type"] == "button_interaction"
    assert card["template_card"]["task_id"] == "t1"
    many = Reply("请选择：", tuple(Option(f"选项{n}", str(n)) for n in range(1, 8)))
    [listed] = app_messages(many, "zh", rich=True, task_id="t2")
    assert listed["msgtype"] == "text"
    assert "1. 选项1" in listed["text"]["content"] and "7. 选项7" in listed["text"]["content"]
    long_label = Reply("?", (Option("这是一个非常非常长的按钮文字", "x"),))
    assert app_messages(long_label, "zh", rich=True, task_id="t3")[0]["msgtype"] == "text"


def test_a_long_prompt_goes_as_text_then_a_card() -> None:
    reply = Reply("长" * 200, (Option("确认提交", "__confirm__"), Option("取消", "__cancel__")))
    text, card = app_messages(reply, "zh", rich=True, task_id="t")
    assert text["text"]["content"] == "长" * 200
    assert "按钮" in card["template_card"]["sub_title_text"]


def test_links_urgent_markdown_and_long_texts() -> None:
    linked = Reply("详情", links=(Link("打开", "https://x.example/?a=1&b=2"),))
    [message] = app_messages(linked, "zh", rich=True, task_id="t")
    assert '<a href="https://x.example/?a=1&amp;b=2">打开</a>' in message["text"]["content"]
    urgent = Reply("楼道堆物起火隐患", urgent=True)
    [marked] = app_messages(urgent, "zh", rich=True, task_id="t")
    assert marked["msgtype"] == "markdown" and "【紧急】" in marked["markdown"]["content"]
    [plain] = app_messages(urgent, "zh", rich=False, task_id="t")
    assert plain["text"]["content"].startswith("【紧急】")
    pieces = split_text("\n".join(["第一行内容" * 20] * 40))
    assert len(pieces) > 1 and all(len(p.encode()) <= TEXT_BYTES for p in pieces)
    assert split_text("字" * 1000) == ["字" * 682, "字" * 318]


async def test_after_stopping_a_send_is_retried_later_not_lost(api: WeComApi) -> None:
    await api.close()
    with pytest.raises(TemporaryFailure, match="stopping"):
        await api.send_text("zhangsan", "hi")
