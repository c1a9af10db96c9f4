"""Photos from another platform reach WeCom from our stored copy: a topic's photo posted to the
staff groups, through the outbox, to a group robot."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from bot.app import App
from bot.media import keep_photo
from bot.messages import FileRef, Incoming
from bot.platforms import console
from bot.platforms.wecom.platform import WeComPlatform
from bot.router import Router
from bot.settings import Settings
from tests.fakes.wecom_api import FakeWeCom, wecom_settings

ROBOTS = [{"key": "staff-key", "name": "staff", "tags": ["staff"]}]
WEBHOOK = "/cgi-bin/webhook/send"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        db_path=tmp_path / "juwei.db", _env_file=None, **wecom_settings(wecom_robots=ROBOTS)
    )


async def test_a_console_topic_photo_reaches_a_wecom_robot_group_from_our_copy(
    app: App,
    router: Router,
    person,
    fake: FakeWeCom,
    wecom: WeComPlatform,  # type: ignore[no-untyped-def]
) -> None:
    alice = person("alice", "王阿姨")
    for answer in ("/topic", "1", "电梯噪音扰民", "三门小区5号楼电梯运行噪音很大，晚上影响休息。"):
        await alice.send(answer)
    # What the console does with `/photo lift.jpg` before routing it.
    sent = Incoming(alice.chat, alice.sender, photo=FileRef("console", "lift.jpg"))
    kept = await keep_photo(app.media, sent, console.fetch)
    await router.handle(kept)
    await alice.send("公开署名")
    await alice.send("确认提交")

    parcels = [
        p for p in await app.outbox.claim("wecom", "test") if p.address.chat_id == "robot:staff"
    ]
    assert len(parcels) == 1
    assert parcels[0].reply.photo is not None and parcels[0].reply.photo.data is None  # a reference
    await wecom.transport.send("robot:staff", parcels[0].reply)

    image = fake.to(WEBHOOK)[-1].body
    assert image is not None and image["msgtype"] == "image"
    png = console.tiny_png("lift.jpg")
    assert base64.b64decode(image["image"]["base64"]) == png
    assert image["image"]["md5"] == hashlib.md5(png).hexdigest()
    assert not fake.to("/cgi-bin/media/get")  # nothing asked of WeCom: the bytes were ours
