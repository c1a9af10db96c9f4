"""The WeCom callback end to end: signed, encrypted callbacks in, message/send calls out."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.inbox import Received
from bot.platforms.web import build_web_app
from bot.platforms.wecom.platform import WeComPlatform
from bot.platforms.wecom.xml import MAX_BODY_BYTES, parse_message
from bot.registry import build_router
from bot.settings import Settings
from tests.fakes.wecom_api import (
    FakeWeCom,
    crypto,
    message_xml,
    signed_get,
    signed_post,
    wecom_settings,
)

USER = "zhangsan"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db_path=tmp_path / "juwei.db", _env_file=None, **wecom_settings())


class WeComUser:
    """A person in the WeCom app, talking to the bot through encrypted callbacks."""

    def __init__(self, platform: WeComPlatform, clock: FakeClock, user_id: str = USER) -> None:
        self.platform = platform
        self.clock = clock
        self.user_id = user_id
        self.web = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=build_web_app(platform.routes, lambda: True)),
            base_url="http://bot.example",
        )
        self.msg_id = 1000

    async def post(self, plaintext: str, **kwargs: object) -> httpx.Response:
        query, body = signed_post(plaintext, **kwargs)  # type: ignore[arg-type]
        response = await self.web.post(f"/wecom/callback?{query}", content=body)
        await self.platform.idle()
        return response

    def _created(self) -> int:
        return int(self.clock.now().timestamp())

    async def say(self, content: str) -> httpx.Response:
        self.msg_id += 1
        xml = message_xml(self.user_id, self._created(), Content=content, MsgId=self.msg_id)
        return await self.post(xml)

    async def press(
        self, key: str, response_code: str = "rc-1", task_id: str = "t1"
    ) -> httpx.Response:
        xml = message_xml(
            self.user_id,
            self._created(),
            msg_type="event",
            Event="template_card_event",
            EventKey=key,
            TaskId=task_id,
            CardType="button_interaction",
            ResponseCode=response_code,
        )
        self.clock.advance(timedelta(seconds=1))
        return await self.post(xml)


@contextlib.asynccontextmanager
async def restarted(
    settings: Settings, clock: FakeClock, fake: FakeWeCom
) -> AsyncIterator[WeComUser]:
    """The same person after the bot restarted on the same database file."""
    app = await App.open(settings, clock)
    platform = WeComPlatform(build_router(app), http=fake.transport)
    await platform.start()
    try:
        yield WeComUser(platform, clock)
    finally:
        await platform.stop()
        await app.close()


@pytest.fixture
def zhang(wecom: WeComPlatform, clock: FakeClock) -> WeComUser:
    return WeComUser(wecom, clock)


async def test_join_by_number_through_encrypted_callbacks(
    app: App, fake: FakeWeCom, zhang: WeComUser
) -> None:
    first = await zhang.say("/join")
    assert first.status_code == 200 and first.content == b""  # answered at once, no body
    card = fake.sent[-1]
    assert card["touser"] == USER and card["agentid"] == 1000002
    assert card["msgtype"] == "template_card"
    buttons = card["template_card"]["button_list"]
    assert [b["text"] for b in buttons] == ["三门居委会", "高雄居委会", "西二居委会"]
    await zhang.say("2")
    assert "称呼" in fake.texts()[-1]
    await zhang.say("王阿姨")
    assert "手机号" in "".join(fake.texts()[-2:])
    await zhang.say("138 1234 5678")
    summary = "\n".join(fake.texts()[-2:])
    assert "高雄居委会" in summary and "13812345678" in summary
    await zhang.say("1")
    assert "已加入高雄居委会" in "\n".join(fake.texts())
    user = await app.users.find("wecom", USER)
    assert user is not None
    assert (user.committee_name, user.display_name, user.phone) == ("高雄", "王阿姨", "13812345678")


async def test_join_by_label_and_card_buttons(app: App, fake: FakeWeCom, zhang: WeComUser) -> None:
    await zhang.say("/join")
    await zhang.say("西二")  # a label, typed
    await zhang.say("老张")
    skip = fake.sent[-1]["template_card"]["button_list"]
    await zhang.press(skip[-1]["key"], response_code="rc-skip")  # 跳过, as a card button
    updates = fake.to("/cgi-bin/message/update_template_card")
    assert updates[-1].body == {
        "userids": [USER],
        "agentid": 1000002,
        "response_code": "rc-skip",
        "button": {"replace_name": "已选择"},
    }
    await zhang.say("确认提交")
    user = await app.users.find("wecom", USER)
    assert user is not None and (user.committee_name, user.display_name) == ("西二", "老张")


async def test_numbered_list_when_rich_messages_are_off(
    tmp_path: Path, clock: FakeClock, fake: FakeWeCom
) -> None:
    plain = Settings(
        db_path=tmp_path / "plain.db",
        _env_file=None,
        **wecom_settings(wecom_rich_messages=False),
    )
    app = await App.open(plain, clock, demo=True)
    wecom = WeComPlatform(build_router(app), http=fake.transport)
    await wecom.start()
    try:
        li = WeComUser(wecom, clock, "lisi")
        await li.say("/join")
        assert fake.sent[-1]["msgtype"] == "text"
        assert "1. 三门居委会\n2. 高雄居委会\n3. 西二居委会" in fake.texts()[-1]
        await li.say("3")
        assert "称呼" in fake.texts()[-1]
    finally:
        await wecom.stop()
        await app.close()


async def test_url_verification_returns_the_echostr(zhang: WeComUser) -> None:
    good = await zhang.web.get(f"/wecom/callback?{signed_get('1616140317555161061')}")
    assert (good.status_code, good.text) == (200, "1616140317555161061")
    tampered = signed_get("42").replace("msg_signature=", "msg_signature=0")
    assert (await zhang.web.get(f"/wecom/callback?{tampered}")).status_code == 403


async def test_a_retried_callback_is_processed_once(
    app: App, fake: FakeWeCom, zhang: WeComUser, settings: Settings, clock: FakeClock
) -> None:
    xml = message_xml(USER, int(clock.now().timestamp()), Content="/start", MsgId=777)
    assert (await zhang.post(xml)).status_code == 200
    assert (await zhang.post(xml)).status_code == 200  # WeCom's retry
    welcomes = [t for t in fake.texts() if "居委小助手" in t]
    assert len(welcomes) == 1

    # After a restart on the same database file the retry is still recognised.
    await zhang.platform.stop()
    async with restarted(settings, clock, fake) as same:
        retry = await same.post(xml)
        assert retry.status_code == 200
        assert len([t for t in fake.texts() if "居委小助手" in t]) == 1


async def test_a_tampered_signature_is_refused_and_nothing_processed(
    app: App, fake: FakeWeCom, zhang: WeComUser, clock: FakeClock
) -> None:
    xml = message_xml(USER, int(clock.now().timestamp()), Content="/start", MsgId=1)
    query, body = signed_post(xml)
    forged = query.replace("msg_signature=", "msg_signature=f")
    response = await zhang.web.post(f"/wecom/callback?{forged}", content=body)
    await zhang.platform.idle()
    assert response.status_code == 403
    assert fake.calls == []
    assert await app.db.scalar("SELECT COUNT(*) FROM inbox") == 0
    assert await app.users.find("wecom", USER) is None


@pytest.mark.parametrize("case", ["malformed", "oversized", "wrong_receive_id", "no_signature"])
async def test_bad_requests_get_400(
    app: App, fake: FakeWeCom, zhang: WeComUser, clock: FakeClock, case: str
) -> None:
    xml = message_xml(USER, int(clock.now().timestamp()), Content="hi", MsgId=5)
    query, body = signed_post(xml)
    if case == "malformed":
        body = b"<xml><Encrypt>unclosed"
    elif case == "oversized":
        body = b"<xml>" + b" " * MAX_BODY_BYTES + b"</xml>"
    elif case == "wrong_receive_id":
        query, body = signed_post(xml, sealer=crypto("wwsomeoneelse"))
    else:
        query = ""
    response = await zhang.web.post(f"/wecom/callback?{query}", content=body)
    assert response.status_code == 400
    assert fake.calls == []
    assert await app.db.scalar("SELECT COUNT(*) FROM inbox") == 0
    # The server still answers afterwards.
    assert (await zhang.say("/start")).status_code == 200


async def test_location_image_menu_click_and_first_visit_greeting(
    app: App, fake: FakeWeCom, zhang: WeComUser, clock: FakeClock
) -> None:
    enter = message_xml(USER, int(clock.now().timestamp()), msg_type="event", Event="enter_agent")
    await zhang.post(enter)
    assert "居委小助手" in fake.texts()[0]  # greeted on the first visit
    clock.advance(timedelta(minutes=1))
    count = len(fake.sent)
    enter = message_xml(USER, int(clock.now().timestamp()), msg_type="event", Event="enter_agent")
    await zhang.post(enter)
    assert len(fake.sent) == count  # not on every visit

    click = message_xml(
        USER, int(clock.now().timestamp()), msg_type="event", Event="click", EventKey="help"
    )
    await zhang.post(click)
    assert "/join" in fake.texts()[-1]

    seen: list[object] = []
    original = zhang.platform.router.handle

    async def spy(incoming):  # type: ignore[no-untyped-def]
        seen.append(incoming)
        return await original(incoming)

    zhang.platform.router.handle = spy  # type: ignore[method-assign]
    photo = message_xml(
        USER,
        int(clock.now().timestamp()),
        msg_type="image",
        PicUrl="http://p",
        MediaId="MID",
        MsgId=9001,
    )
    await zhang.post(photo)
    where = message_xml(
        USER,
        int(clock.now().timestamp()),
        msg_type="location",
        Location_X="31.2121",
        Location_Y="121.4965",
        Scale="15",
        Label="半淞园路",
        MsgId=9002,
    )
    await zhang.post(where)
    assert seen[0].photo.file_id == "MID"  # type: ignore[attr-defined]
    location = seen[1].location  # type: ignore[attr-defined]
    assert (location.latitude, location.longitude, location.label) == (
        31.2121,
        121.4965,
        "半淞园路",
    )


async def test_a_failed_reply_waits_in_the_outbox(
    app: App, fake: FakeWeCom, zhang: WeComUser, clock: FakeClock
) -> None:
    fake.script("/cgi-bin/message/send", {"errcode": -1, "errmsg": "system busy"})
    await zhang.say("/start")
    clock.advance(timedelta(minutes=10))  # past the postman's back-off
    parcels = await app.outbox.claim("wecom", "test")
    assert len(parcels) == 2  # the welcome and the help, neither lost
    assert "居委小助手" in parcels[0].reply.text


async def test_one_persons_callbacks_never_run_side_by_side(
    wecom: WeComPlatform, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A third message arriving while the second waits its turn still waits for the second."""
    gates = {n: asyncio.Event() for n in (1, 2, 3)}
    running: list[int] = []
    overlaps: list[tuple[int, ...]] = []

    async def handle(received: Received) -> None:
        n = int(parse_message(received.payload).content or 0)
        running.append(n)
        overlaps.append(tuple(running))
        await gates[n].wait()
        running.remove(n)

    monkeypatch.setattr(wecom.worker, "_handle", handle)
    now = int(clock.now().timestamp())
    for n in (1, 2):
        xml = message_xml(USER, now, Content=n, MsgId=n)
        await wecom.accept(parse_message(xml), xml)
    await asyncio.sleep(0)
    gates[1].set()
    await asyncio.sleep(0)  # the first is done; the second has been woken but not yet run
    xml = message_xml(USER, now, Content=3, MsgId=3)
    await wecom.accept(parse_message(xml), xml)
    for _ in range(5):
        await asyncio.sleep(0)
    gates[2].set()
    gates[3].set()
    await wecom.idle()
    assert overlaps == [(1,), (2,), (3,)]


async def test_a_card_answers_once_however_often_its_buttons_are_pressed(
    app: App, fake: FakeWeCom, zhang: WeComUser, settings: Settings, clock: FakeClock
) -> None:
    await zhang.say("/join")
    card = fake.sent[-1]["template_card"]
    gaoxiong = card["button_list"][1]["key"]
    await zhang.press(gaoxiong, response_code="rc-1", task_id=card["task_id"])
    asked = len(fake.sent)
    assert "称呼" in fake.texts()[-1]
    # A second tap before the card greyed out.
    await zhang.press(gaoxiong, response_code="rc-2", task_id=card["task_id"])
    assert len(fake.sent) == asked  # not taken as the name "2", nothing said
    user = await app.users.find("wecom", USER)
    assert user is None or user.display_name != gaoxiong

    # Still once after a restart.
    await zhang.platform.stop()
    async with restarted(settings, clock, fake) as same:
        await same.press(gaoxiong, "rc-3", card["task_id"])
        assert len(fake.sent) == asked


async def test_a_busy_database_gets_503_at_once_and_the_message_is_handled_once_later(
    app: App, fake: FakeWeCom, zhang: WeComUser, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the database: WeCom hears 503 within its 5 s (and retries), the
    person hears 系统有点忙 once, and the message is answered once when the lock frees."""
    monkeypatch.setattr("bot.platforms.wecom.platform.ACCEPT_WAIT_SECONDS", 0.2)
    told = asyncio.Event()
    fake.on_request = lambda call: told.set() if call.path.endswith("/message/send") else None
    holder = sqlite3.connect(app.settings.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    xml = message_xml(USER, int(clock.now().timestamp()), Content="/help", MsgId=8001)
    query, body = signed_post(xml)
    try:
        first = await zhang.web.post(f"/wecom/callback?{query}", content=body)
        retry = await zhang.web.post(f"/wecom/callback?{query}", content=body)  # WeCom's retry
        assert (first.status_code, retry.status_code) == (503, 503)
        await asyncio.wait_for(told.wait(), 5)
        assert "系统有点忙" in fake.texts()[-1]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    await zhang.platform.idle()
    third = await zhang.web.post(f"/wecom/callback?{query}", content=body)  # a late retry
    await zhang.platform.idle()
    assert third.status_code == 200
    texts = fake.texts()
    assert len([t for t in texts if "系统有点忙" in t]) == 1
    assert len([t for t in texts if "/join" in t]) == 1  # the help, once
    assert await app.db.scalar("SELECT COUNT(*) FROM inbox") == 1
