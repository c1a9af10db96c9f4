"""Hazard photos kept by us: sent through the fake Telegram Bot API, the fake WeCom and the
console, stored under the media dir, listed by ``juwei hazards show --json``, sent again from
our copy once the platform reference has expired, noted when they could not be saved, and
copied by ``juwei backup``."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.media import MAX_BYTES
from bot.platforms.wecom.platform import WeComPlatform
from bot.registry import build_router
from bot.roles import Role
from bot.settings import Settings
from tests.conftest import juwei
from tests.fakes.telegram_api import UploadedFile
from tests.fakes.wecom_api import FakeWeCom, message_xml, wecom_settings
from tests.platforms.test_telegram import (  # noqa: F401 - fixtures used by name
    Harness,
    api,
    router_for,
    tg,
)
from tests.platforms.wecom.test_callback import WeComUser

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40
REF = re.compile(r"YH-\d{8}-\d{4}")
STEPS_BEFORE_PHOTOS = (
    "/report",
    "1",
    "三门",
    "三门小区 5号楼 2单元 一楼楼道",
    "楼道里有电动车在飞线充电",
)
STEPS_AFTER_PHOTOS = ("完成", "一般", "确认提交")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def media_file(root: Path, digest: str) -> Path:
    return root / "data" / "media" / digest[:2] / digest[2:]


def shown(db: Path, ref: str) -> dict[str, Any]:
    result = juwei(db, "hazards", "show", ref, "--json")
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# -- Telegram ---------------------------------------------------------------------------------


async def telegram_report(bot: Harness, user: int, **photo: Any) -> tuple[str, list[str]]:
    """Files a report through the fake Bot API with one photo; its ref and what was said."""
    for step in STEPS_BEFORE_PHOTOS:
        await bot.ask(user, step)
    bot.api.photo(user, **photo)
    said = [m["text"] for m in await bot.said(user)]
    if "照片未能保存" in said[0]:
        said += [m["text"] for m in await bot.said(user)]
    for step in STEPS_AFTER_PHOTOS:
        said.append((await bot.ask(user, step))["text"])
    found = REF.search(said[-1])
    assert found is not None, said
    return found.group(0), said


async def test_a_telegram_photo_is_stored_and_listed_by_hazards_show(
    tg: Harness,  # noqa: F811
    tmp_path: Path,
) -> None:
    ref, said = await telegram_report(tg, 5, file_id="AgPhoto1", data=JPEG)
    assert "已收到第 1 张照片" in said[0]
    kept = media_file(tmp_path, sha(JPEG))
    assert kept.read_bytes() == JPEG
    data = shown(tmp_path / "juwei.db", ref)
    assert data["photos"] == [
        {"sha256": sha(JPEG), "size": len(JPEG), "mime": "image/jpeg", "saved": True, "note": None}
    ]
    also = json.loads(juwei(tmp_path / "juwei.db", "reports", "show", ref, "--json").stdout)
    assert also["photos"] == data["photos"]


async def test_a_telegram_photo_is_sent_from_our_copy_once_its_file_id_is_gone(
    tg: Harness,  # noqa: F811
) -> None:
    ref, _ = await telegram_report(tg, 5, file_id="AgPhoto2", data=JPEG)
    await tg.app.users.grant("telegram", "9", Role.STAFF, None, by="test")
    tg.api.forget_file("AgPhoto2")  # e.g. the bot's token changed: Telegram answers 400

    tg.api.text(9, f"/reports {ref}")
    [sent] = await tg.api.wait_for(
        "sendPhoto", lambda c: c.ok and c.params.get("chat_id") == 9, timeout=10
    )
    upload = sent.params["photo"]
    assert isinstance(upload, UploadedFile) and upload.data == JPEG
    refused = [c for c in tg.api.calls_to("sendPhoto") if not c.ok]
    assert [c.params["photo"] for c in refused] == ["AgPhoto2"]  # the cache was tried first
    assert "现场照片 1/1" in sent.result["caption"]


async def test_a_telegram_photo_too_big_for_the_store_is_noted_and_the_report_filed(
    tg: Harness,  # noqa: F811
    tmp_path: Path,
) -> None:
    big = JPEG + b"\x00" * MAX_BYTES
    ref, said = await telegram_report(tg, 5, file_id="AgBig", data=big)
    assert any("照片未能保存" in text for text in said)
    assert tg.sleeps == []  # refused by its size: not fetched again
    assert not (tmp_path / "data" / "media").exists() or not any(
        p.is_file() for p in (tmp_path / "data" / "media").rglob("*")
    )
    (photo,) = shown(tmp_path / "juwei.db", ref)["photos"]
    assert photo["saved"] is False and photo["note"] == "照片未能保存"


# -- WeCom ----------------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db_path=tmp_path / "juwei.db", _env_file=None, **wecom_settings())


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
async def wecom_app(app: App, fake: FakeWeCom, sleeps: list[float]) -> AsyncIterator[WeComPlatform]:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    platform = WeComPlatform(build_router(app), http=fake.transport, sleep=sleep)
    await platform.start()
    yield platform
    await platform.stop()


def staff(platform: WeComPlatform, clock: FakeClock) -> WeComUser:
    person = WeComUser(platform, clock, "wangqing")
    person.msg_id = 5000  # WeCom's MsgIds are unique across people
    return person


async def wecom_report(person: WeComUser, fake: FakeWeCom, media_id: str) -> str:
    for step in STEPS_BEFORE_PHOTOS:
        await person.say(step)
    created = int(person.clock.now().timestamp())
    image = message_xml(
        person.user_id, created, msg_type="image", PicUrl="http://p", MediaId=media_id, MsgId=9001
    )
    await person.post(image)
    for step in STEPS_AFTER_PHOTOS:
        await person.say(step)
    found = REF.search("\n".join(fake.texts()))
    assert found is not None, fake.texts()
    return found.group(0)


async def test_a_wecom_photo_is_stored_and_sent_again_after_its_media_id_expired(
    app: App, wecom_app: WeComPlatform, fake: FakeWeCom, clock: FakeClock, tmp_path: Path
) -> None:
    fake.media["MID-1"] = JPEG
    ref = await wecom_report(WeComUser(wecom_app, clock), fake, "MID-1")
    assert [c.params["media_id"] for c in fake.to("/cgi-bin/media/get")] == ["MID-1"]
    assert media_file(tmp_path, sha(JPEG)).read_bytes() == JPEG
    (photo,) = shown(tmp_path / "juwei.db", ref)["photos"]
    assert (photo["sha256"], photo["size"], photo["mime"]) == (sha(JPEG), len(JPEG), "image/jpeg")

    fake.expired_media.add("MID-1")  # as WeCom answers once 3 days have passed
    await app.users.grant("wecom", "wangqing", Role.STAFF, None, by="test")
    await staff(wecom_app, clock).say(f"/reports {ref}")
    images = [b for b in fake.sent if b["msgtype"] == "image" and b["touser"] == "wangqing"]
    [new_id] = [b["image"]["media_id"] for b in images]
    assert new_id != "MID-1" and fake.media[new_id] == JPEG  # uploaded again from our copy


async def test_a_wecom_photo_that_cannot_be_fetched_is_retried_then_noted(
    app: App,
    wecom_app: WeComPlatform,
    fake: FakeWeCom,
    clock: FakeClock,
    tmp_path: Path,
    sleeps: list[float],
) -> None:
    fake.expired_media.add("MID-GONE")
    ref = await wecom_report(WeComUser(wecom_app, clock), fake, "MID-GONE")
    assert len(fake.to("/cgi-bin/media/get")) == 3 and sleeps == [1.0, 2.0]
    assert any(text.startswith("照片未能保存") for text in fake.texts())
    assert any(ref in text for text in fake.texts())  # filed all the same

    (photo,) = shown(tmp_path / "juwei.db", ref)["photos"]
    assert photo == {
        "sha256": None,
        "size": None,
        "mime": None,
        "saved": False,
        "note": "照片未能保存",
    }
    await app.users.grant("wecom", "wangqing", Role.STAFF, None, by="test")
    count = len(fake.sent)
    await staff(wecom_app, clock).say(f"/reports {ref}")
    card = [text for text in fake.texts()[count:]]
    assert any("其中 1 张照片未能保存" in text for text in card)
    assert any("现场照片 1/1：照片未能保存" in text for text in card)
    assert not [b for b in fake.sent[count:] if b["msgtype"] == "image"]


async def test_a_wecom_file_that_is_not_an_image_is_not_kept(
    wecom_app: WeComPlatform, fake: FakeWeCom, clock: FakeClock, tmp_path: Path
) -> None:
    fake.media["MID-PDF"] = b"%PDF-1.4 looks like a photo.jpg"
    ref = await wecom_report(WeComUser(wecom_app, clock), fake, "MID-PDF")
    assert len(fake.to("/cgi-bin/media/get")) == 1  # the same bytes would come back
    (photo,) = shown(tmp_path / "juwei.db", ref)["photos"]
    assert photo["saved"] is False
    assert not (tmp_path / "data" / "media").exists()


# -- console and backup -----------------------------------------------------------------------


def console_report(db: Path, photo: str) -> str:
    script = "\n".join([*STEPS_BEFORE_PHOTOS, f"/photo {photo}", *STEPS_AFTER_PHOTOS, ""])
    filed = juwei(db, "console", "--json", "--user", "alice", stdin=script)
    assert filed.returncode == 0, filed.stderr
    found = REF.search(filed.stdout)
    assert found is not None, filed.stdout
    return found.group(0)


def test_console_photo_reads_a_local_file(tmp_path: Path) -> None:
    (tmp_path / "stairs.jpg").write_bytes(JPEG)
    ref = console_report(tmp_path / "juwei.db", "stairs.jpg")
    (photo,) = shown(tmp_path / "juwei.db", ref)["photos"]
    assert photo["sha256"] == sha(JPEG) and photo["mime"] == "image/jpeg"


def test_backup_copies_the_media_next_to_the_database(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    ref = console_report(db, "charging.jpg")  # a bare name: a tiny PNG stands in
    (photo,) = shown(db, ref)["photos"]
    original = media_file(tmp_path, photo["sha256"])

    made = juwei(db, "backup", str(tmp_path / "backup" / "b.db"))
    assert made.returncode == 0, made.stderr
    copied = tmp_path / "backup" / "b.db.media" / photo["sha256"][:2] / photo["sha256"][2:]
    assert copied.read_bytes() == original.read_bytes()
    assert sha(copied.read_bytes()) == photo["sha256"]
    assert (tmp_path / "backup" / "b.db").exists()

    again = juwei(db, "backup", str(tmp_path / "backup" / "b.db"))
    assert again.returncode == 2 and "已存在" in again.stderr
