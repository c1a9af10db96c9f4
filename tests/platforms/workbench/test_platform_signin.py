"""Signing in without a link: WeCom's OAuth2 code and a Telegram Mini App's initData."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.wecom.api import WeComApi
from bot.platforms.workbench.wecom_signin import lookup
from bot.roles import Role
from bot.settings import Settings
from bot.workbench.initdata import sign
from tests.fakes.wecom_api import AGENT_ID, CORP_ID, SECRET, FakeWeCom, wecom_settings
from tests.platforms.workbench.conftest import browser

BOT_TOKEN = "123456:TEST-token-do-not-log"


@pytest.fixture
async def platform_app(tmp_path: Path, clock: FakeClock) -> AsyncIterator[App]:
    settings = Settings(
        db_path=tmp_path / "juwei.db",
        telegram_token=BOT_TOKEN,
        _env_file=None,
        **wecom_settings(),  # type: ignore[arg-type]
    )
    app = await App.open(settings, clock, demo=True)
    yield app
    await app.close()


def init_data(
    clock: FakeClock, user_id: int, *, token: str = BOT_TOKEN, age: timedelta = timedelta()
) -> dict[str, str]:
    pairs = {
        "auth_date": str(int((clock.now() - age).timestamp())),
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user_id, "first_name": "王"}, ensure_ascii=False),
    }
    return {**pairs, "hash": sign(pairs, token)}


async def test_telegram_init_data_signed_with_the_bot_token_signs_staff_in(
    platform_app: App, clock: FakeClock
) -> None:
    await platform_app.users.grant("telegram", "42", Role.STAFF, None, by="test")
    async with browser(platform_app) as client:
        signed = await client.post(
            "/telegram/signin", data={"init_data": urlencode(init_data(clock, 42))}
        )
        assert signed.status_code == 303 and "juwei_session=" in signed.headers["set-cookie"]
        assert (await client.get("/hazards")).status_code == 200


async def test_forged_or_stale_init_data_is_refused(platform_app: App, clock: FakeClock) -> None:
    await platform_app.users.grant("telegram", "42", Role.STAFF, None, by="test")
    other_user = init_data(clock, 7)
    other_user["user"] = json.dumps({"id": 42})  # the signature was for user 7
    attempts = [
        other_user,
        init_data(clock, 42, token="999:another-bot"),
        init_data(clock, 42, age=timedelta(days=1, seconds=1)),
        {"user": json.dumps({"id": 42}), "auth_date": "1"},
    ]
    async with browser(platform_app) as client:
        for data in attempts:
            refused = await client.post("/telegram/signin", data={"init_data": urlencode(data)})
            assert refused.status_code == 403 and "Telegram 登录没有成功" in refused.text
            assert "set-cookie" not in refused.headers
        assert (await client.get("/hazards")).headers["location"] == "/signin"


async def test_a_telegram_resident_is_told_what_to_do_instead(
    platform_app: App, clock: FakeClock
) -> None:
    await platform_app.users.ensure("telegram", "8")
    async with browser(platform_app) as client:
        refused = await client.post(
            "/telegram/signin", data={"init_data": urlencode(init_data(clock, 8))}
        )
    assert refused.status_code == 403 and "居民不能登录" in refused.text


def wecom_api(fake: FakeWeCom, clock: FakeClock) -> WeComApi:
    return WeComApi(
        base_url="https://qyapi.example",
        corp_id=CORP_ID,
        agent_id=AGENT_ID,
        secret=SECRET,
        clock=clock,
        transport=fake.transport,
    )


async def test_wecom_home_page_signs_a_member_in_through_oauth(
    platform_app: App, clock: FakeClock
) -> None:
    fake = FakeWeCom()
    fake.script("/cgi-bin/auth/getuserinfo", {"errcode": 0, "errmsg": "ok", "userid": "zhangsan"})
    await platform_app.users.grant("wecom", "zhangsan", Role.STAFF, None, by="test")
    api = wecom_api(fake, clock)
    async with browser(platform_app, lookup(api)) as client:
        start = await client.get("/wecom")
        assert start.status_code == 302
        target = urlsplit(start.headers["location"])
        query = parse_qs(target.query)
        assert target.netloc == "open.weixin.qq.com" and target.fragment == "wechat_redirect"
        assert query["appid"] == [CORP_ID] and query["scope"] == ["snsapi_base"]
        assert query["redirect_uri"] == ["http://127.0.0.1:8080/wecom"]
        state = query["state"][0]
        back = await client.get("/wecom", params={"code": "CODE-1", "state": state})
        assert back.status_code == 303 and back.headers["location"] == "/hazards"
        assert (await client.get("/hazards")).status_code == 200
    (call,) = fake.to("/cgi-bin/auth/getuserinfo")
    assert call.params["code"] == "CODE-1"
    await api.close()


async def test_a_wecom_code_the_api_rejects_or_a_wrong_state_signs_no_one_in(
    platform_app: App, clock: FakeClock
) -> None:
    fake = FakeWeCom()
    fake.script("/cgi-bin/auth/getuserinfo", {"errcode": 40029, "errmsg": "invalid code"})
    await platform_app.users.grant("wecom", "zhangsan", Role.STAFF, None, by="test")
    api = wecom_api(fake, clock)
    async with browser(platform_app, lookup(api)) as client:
        start = await client.get("/wecom")
        state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
        rejected = await client.get("/wecom", params={"code": "used", "state": state})
        assert rejected.status_code == 403 and "企业微信登录没有成功" in rejected.text
        wrong_state = await client.get("/wecom", params={"code": "CODE-2", "state": "x" * 32})
        assert wrong_state.status_code == 403
        assert (await client.get("/hazards")).headers["location"] == "/signin"
    assert len(fake.to("/cgi-bin/auth/getuserinfo")) == 1  # a wrong state never reaches WeCom
    await api.close()


async def test_telegram_staff_get_the_workbench_as_their_menu_button(
    tmp_path: Path, clock: FakeClock
) -> None:
    from bot.platforms.telegram import TelegramPlatform
    from bot.registry import build_router
    from tests.fakes.telegram_api import FakeBotApi

    async with FakeBotApi(BOT_TOKEN, bot_username="juwei_bot") as api:
        settings = Settings(
            db_path=tmp_path / "juwei.db",
            admins=("telegram:900",),
            telegram_token=BOT_TOKEN,
            telegram_base_url=api.base_url,
            public_url="https://juwei.example.cn",
            _env_file=None,
        )
        app = await App.open(settings, clock, demo=True)
        await app.users.ensure("telegram", "7")  # a resident: keeps the default button
        platform = TelegramPlatform(build_router(app))
        await platform.start()
        try:
            (call,) = api.calls_to("setChatMenuButton")
        finally:
            await platform.stop()
            await app.close()
    assert str(call.params["chat_id"]) == "900"
    button = call.params["menu_button"]
    if isinstance(button, str):
        button = json.loads(button)
    assert button["type"] == "web_app"
    assert button["web_app"]["url"] == "https://juwei.example.cn/telegram"
