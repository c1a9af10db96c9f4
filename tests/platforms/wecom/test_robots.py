"""Group robots: bound groups, webhook bodies, 20 messages a minute, and backing off on 45009."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.chats import Tag
from bot.clock import FakeClock
from bot.messages import Address, Attachment, FileRef, Link, Reply
from bot.platforms.base import TemporaryFailure
from bot.platforms.postman import Postman
from bot.platforms.wecom.platform import WeComPlatform
from bot.platforms.wecom.robots import Robot, RobotSender, SlidingWindow
from bot.registry import build_router
from bot.settings import Settings, SettingsError
from tests.fakes.wecom_api import ROBOT_KEY, FakeWeCom, wecom_settings

ROBOTS = [
    {
        "key": ROBOT_KEY,
        "name": "sanmen-residents",
        "committee": "三门",
        "tags": ["residents"],
        "urgent_mentions": ["13800001111"],
    },
    {"key": "staff-key", "name": "staff", "tags": ["staff"]},
]
WEBHOOK = "/cgi-bin/webhook/send"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        db_path=tmp_path / "juwei.db", _env_file=None, **wecom_settings(wecom_robots=ROBOTS)
    )


@pytest.fixture
async def sender(fake: FakeWeCom, clock: FakeClock) -> AsyncIterator[RobotSender]:
    robots = RobotSender("https://qyapi.example", clock, transport=fake.transport)
    yield robots
    await robots.close()


ROBOT = Robot("sanmen-residents", ROBOT_KEY)


def text(n: int) -> dict[str, object]:
    return {"msgtype": "text", "text": {"content": f"通知 {n}"}}


async def test_twenty_messages_a_minute_per_robot(
    sender: RobotSender, fake: FakeWeCom, clock: FakeClock
) -> None:
    for n in range(10):
        await sender.send(ROBOT, text(n))
    clock.advance(timedelta(seconds=30))
    for n in range(10, 20):
        await sender.send(ROBOT, text(n))
    clock.advance(timedelta(seconds=15))
    with pytest.raises(TemporaryFailure) as info:
        await sender.send(ROBOT, text(20))
    assert info.value.retry_after == 15  # when the first ten leave the window
    assert len(fake.to(WEBHOOK)) == 20  # the 21st never reached WeCom
    await sender.send(Robot("staff", "staff-key"), text(0))  # another robot has its own window
    clock.advance(timedelta(seconds=15))
    for n in range(20, 30):
        await sender.send(ROBOT, text(n))
    with pytest.raises(TemporaryFailure):
        await sender.send(ROBOT, text(30))
    assert fake.to(WEBHOOK)[0].params == {"key": ROBOT_KEY}
    assert fake.to(WEBHOOK)[0].body == text(0)


def test_sliding_window_counts_on_the_injected_clock(clock: FakeClock) -> None:
    window = SlidingWindow(limit=2, window=timedelta(minutes=1))
    window.record(clock.now())
    window.record(clock.now() + timedelta(seconds=10))
    assert window.wait(clock.now() + timedelta(seconds=20)) == timedelta(seconds=40)
    assert window.wait(clock.now() + timedelta(seconds=60)) == timedelta(0)


async def test_45009_backs_off_and_doubles_while_it_lasts(
    sender: RobotSender, fake: FakeWeCom, clock: FakeClock
) -> None:
    busy = {"errcode": 45009, "errmsg": "api freq out of limit"}
    fake.script(WEBHOOK, busy)
    with pytest.raises(TemporaryFailure) as first:
        await sender.send(ROBOT, text(1))
    assert first.value.retry_after == 60
    clock.advance(timedelta(seconds=30))
    with pytest.raises(TemporaryFailure, match="backing off"):
        await sender.send(ROBOT, text(2))
    assert len(fake.to(WEBHOOK)) == 1  # nothing sent while backing off
    clock.advance(timedelta(seconds=30))
    fake.script(WEBHOOK, busy)
    with pytest.raises(TemporaryFailure) as second:
        await sender.send(ROBOT, text(3))
    assert second.value.retry_after == 120
    clock.advance(timedelta(seconds=120))
    await sender.send(ROBOT, text(4))
    assert fake.to(WEBHOOK)[-1].answer == {"errcode": 0, "errmsg": "ok"}


async def test_groups_are_bound_and_the_postman_posts_through_the_robot(
    app: App, fake: FakeWeCom, clock: FakeClock, wecom: WeComPlatform
) -> None:
    sanmen = await app.committees.resident_by_name("三门")
    assert sanmen is not None
    groups = await app.chats.groups(tags=[Tag.RESIDENTS], committee_ids=[sanmen.id])
    robot_groups = [g for g in groups if g.platform == "wecom"]
    assert [g.external_id for g in robot_groups] == ["robot:sanmen-residents"]
    staff = await app.chats.groups(tags=[Tag.STAFF])
    assert "robot:staff" in [g.external_id for g in staff]

    address = robot_groups[0].address
    await app.notifier.group(address, Reply("本周六上午九点消防安全培训"))
    await app.notifier.group(
        address, Reply("楼道电瓶车充电隐患", links=(Link("详情", "https://x.example/1"),))
    )
    await app.notifier.group(address, Reply("三号楼火情，请立即疏散", urgent=True))
    postman = Postman(app.outbox, app.chats, wecom.transport, worker="test")
    assert await postman.deliver_due() == 3
    bodies = [call.body for call in fake.to(WEBHOOK)]
    assert bodies[0] == {"msgtype": "text", "text": {"content": "本周六上午九点消防安全培训"}}
    assert bodies[1] == {
        "msgtype": "markdown",
        "markdown": {"content": "楼道电瓶车充电隐患\n[详情](https://x.example/1)"},
    }
    assert bodies[2] == {
        "msgtype": "text",
        "text": {
            "content": "【紧急】三号楼火情，请立即疏散",
            "mentioned_mobile_list": ["13800001111"],
        },
    }


async def test_the_postman_holds_back_what_the_limit_refuses(
    app: App, fake: FakeWeCom, clock: FakeClock, wecom: WeComPlatform
) -> None:
    address = Address("wecom", "robot:staff")
    for n in range(25):
        await app.notifier.group(address, Reply(f"通知 {n}"), dedup_key=f"n{n}")
    postman = Postman(app.outbox, app.chats, wecom.transport, worker="test")
    await postman.deliver_due()
    assert len(fake.to(WEBHOOK)) == 20
    clock.advance(timedelta(seconds=61))
    await postman.deliver_due()
    contents = [call.body["text"]["content"] for call in fake.to(WEBHOOK)]  # type: ignore[index]
    assert contents == [f"通知 {n}" for n in range(25)]


async def test_photos_go_as_images_with_their_checksum(
    app: App, fake: FakeWeCom, clock: FakeClock, wecom: WeComPlatform
) -> None:
    picture = b"\x89PNG fake picture"
    reply = Reply("隐患照片", photo=Attachment("a.png", data=picture, mime_type="image/png"))
    await wecom.transport.send("robot:staff", reply)
    image = fake.to(WEBHOOK)[-1].body
    assert image == {
        "msgtype": "image",
        "image": {
            "base64": base64.b64encode(picture).decode(),
            "md5": hashlib.md5(picture).hexdigest(),
        },
    }


async def test_a_robot_naming_an_unknown_committee_stops_the_start(
    tmp_path: Path, clock: FakeClock, fake: FakeWeCom
) -> None:
    bad = Settings(
        db_path=tmp_path / "bad.db",
        _env_file=None,
        **wecom_settings(wecom_robots=[{"key": "k", "name": "x", "committee": "不存在"}]),
    )
    app = await App.open(bad, clock, demo=True)
    wecom = WeComPlatform(build_router(app), http=fake.transport)
    try:
        with pytest.raises(SettingsError, match=r"JUWEI_WECOM_ROBOTS.*不存在"):
            await wecom.start()
    finally:
        await wecom.stop()
        await app.close()


async def test_attachments_from_elsewhere_are_named_not_dropped(
    app: App, fake: FakeWeCom, clock: FakeClock, wecom: WeComPlatform
) -> None:
    elsewhere = Attachment("楼道.jpg", ref=FileRef("telegram", "AgAC", "楼道.jpg"))
    await wecom.transport.send("robot:staff", Reply("隐患上报", photo=elsewhere))
    assert fake.to(WEBHOOK)[-1].body == {
        "msgtype": "text",
        "text": {"content": "隐患上报\n[图片：楼道.jpg]"},
    }
    sent_by_person = Attachment("p.jpg", ref=FileRef("wecom", "MID", "p.jpg"))
    await wecom.transport.send("robot:staff", Reply("现场照片", photo=sent_by_person))
    assert fake.to("/cgi-bin/media/get")[-1].params["media_id"] == "MID"
    assert fake.to(WEBHOOK)[-1].body["msgtype"] == "image"  # type: ignore[index]

    report = Attachment("台账.xlsx", data=b"PK\x03\x04", mime_type="application/vnd.ms-excel")
    await wecom.transport.send("zhangsan", Reply("本月台账", document=report))
    assert fake.to("/cgi-bin/media/upload")[-1].params["type"] == "file"
    assert [b["msgtype"] for b in fake.sent[-2:]] == ["text", "file"]
    assert fake.sent[-1]["file"] == {"media_id": "m-1"}


async def test_a_post_in_parts_stopped_half_way_sends_each_part_once(
    app: App, fake: FakeWeCom, clock: FakeClock, wecom: WeComPlatform
) -> None:
    address = Address("wecom", "robot:staff")
    for n in range(19):
        await app.notifier.group(address, Reply(f"通知 {n}"), dedup_key=f"n{n}")
    picture = Attachment("a.png", data=b"\x89PNG", mime_type="image/png")
    await app.notifier.group(address, Reply("隐患照片", photo=picture), dedup_key="photo")
    postman = Postman(app.outbox, app.chats, wecom.transport, worker="test")
    await postman.deliver_due()  # the 20th post of the minute is the text; the photo waits
    clock.advance(timedelta(seconds=61))
    await postman.deliver_due()
    kinds = [call.body["msgtype"] for call in fake.to(WEBHOOK)]  # type: ignore[index]
    assert kinds == ["text"] * 20 + ["image"]


async def test_a_reply_in_parts_stopped_half_way_sends_each_part_once(
    app: App, fake: FakeWeCom, clock: FakeClock, wecom: WeComPlatform
) -> None:
    report = Attachment("台账.xlsx", data=b"PK\x03\x04", mime_type="application/vnd.ms-excel")
    await app.outbox.put(Address("wecom", "zhangsan"), Reply("本月台账", document=report))
    busy = {"errcode": 45009, "errmsg": "api freq out of limit"}
    fake.script("/cgi-bin/message/send", {"errcode": 0, "errmsg": "ok"}, busy)
    postman = Postman(app.outbox, app.chats, wecom.transport, worker="test")
    await postman.deliver_due()
    clock.advance(timedelta(seconds=61))
    await postman.deliver_due()
    assert [b["msgtype"] for b in fake.sent] == ["text", "file"]
