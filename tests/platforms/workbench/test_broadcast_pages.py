"""通知 on the workbench: the broadcast composer (preview, quiet hours, send once) and meetings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from bot.app import App
from bot.chats import Tag
from bot.clock import FakeClock
from bot.notices.delivery import render
from bot.notices.meetings import MeetingService
from bot.notices.repo import NoticeRepo, Targets
from tests.notices.fakes import outbox_rows
from tests.platforms.workbench.conftest import browser, csrf_of, sign_in

TEXT = "本周六上午9点在小区门口开展消防安全宣传，欢迎居民参加。"


async def sign_in_to(person, client: httpx.AsyncClient, user_id: str) -> str:  # type: ignore[no-untyped-def]
    await sign_in(person, client, user_id)
    return csrf_of((await client.get("/notices")).text)


async def sanmen_id(app: App) -> str:
    sanmen = await app.committees.resident_by_name("三门")
    assert sanmen is not None
    return str(sanmen.id)


async def test_staff_preview_a_broadcast_exactly_as_sent_then_send_it_once(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    csrf = await sign_in_to(person, client, "staff")
    assert "/notices/compose" in (await client.get("/notices")).text
    form = {"csrf": csrf, "text": TEXT, "tag": "residents", "committee": await sanmen_id(app)}
    shown = await client.post("/notices/compose", data={**form, "ack": "yes"})
    assert shown.status_code == 200 and "1 个群会收到" in shown.text
    assert 'id="held"' not in shown.text  # 10:00: nobody waits
    instance = shown.text.split('name="instance" value="', 1)[1].split('"', 1)[0]
    assert len(instance) == 32
    sent = await client.post(
        "/notices/compose/send", data={**form, "ack": "yes", "instance": instance}
    )
    assert sent.status_code == 303
    notice_id = int(sent.headers["location"].rsplit("/", 1)[1])
    saved = await NoticeRepo(app.db, app.clock).get(notice_id)
    assert saved is not None and saved.ack and saved.created_by == "console:staff"
    expected = render(app, saved, None).text
    assert expected.split("\n", 1)[0] in shown.text
    report = await client.get(sent.headers["location"])
    assert "等待发送 1" in report.text
    again = await client.post(
        "/notices/compose/send", data={**form, "ack": "yes", "instance": instance}
    )
    assert again.headers["location"] == sent.headers["location"]
    rows = [r for r in await outbox_rows(app) if TEXT in str(r["payload"])]
    assert [r["chat_id"] for r in rows] == ["sanmen-residents"]


async def test_the_preview_warns_when_residents_groups_wait_for_the_morning(
    app: App,
    clock: FakeClock,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    clock.set(datetime(2026, 7, 18, 14, 30, tzinfo=UTC))  # 22:30 in Shanghai
    csrf = await sign_in_to(person, client, "staff")
    form = {"csrf": csrf, "text": TEXT, "tag": "residents"}
    quiet = await client.post("/notices/compose", data=form)
    assert 'id="held"' in quiet.text and "3 个居民群会在 08:00 收到" in quiet.text
    urgent = await client.post("/notices/compose", data={**form, "urgent": "yes"})
    assert urgent.status_code == 200 and 'id="held"' not in urgent.text
    staff_only = await client.post("/notices/compose", data={**form, "tag": "staff"})
    assert 'id="held"' not in staff_only.text


async def test_bad_broadcasts_are_explained_and_nothing_is_sent(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    csrf = await sign_in_to(person, client, "staff")
    before = len(await NoticeRepo(app.db, app.clock).all())
    short = await client.post("/notices/compose", data={"csrf": csrf, "text": "好", "tag": "staff"})
    assert short.status_code == 400 and "内容太短了" in short.text
    nobody = await client.post(
        "/notices/compose",
        data={"csrf": csrf, "text": TEXT, "tag": "staff", "committee": await sanmen_id(app)},
    )
    assert nobody.status_code == 400 and "还没有机器人所在的群" in nobody.text
    forged = await client.post(
        "/notices/compose/send",
        data={"csrf": csrf, "text": TEXT, "tag": "everybody", "instance": "x" * 32},
    )
    assert forged.status_code == 400 and "请从页面上的选项里选择" in forged.text
    no_targets = await client.post("/notices/compose", data={"csrf": csrf, "text": TEXT})
    assert no_targets.status_code == 400
    assert len(await NoticeRepo(app.db, app.clock).all()) == before
    assert not [r for r in await outbox_rows(app) if TEXT in str(r["payload"])]


async def test_directors_and_posts_without_csrf_cannot_broadcast(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    await sign_in_to(person, client, "staff")
    data = {"text": TEXT, "everyone": "yes", "instance": "a" * 32}
    assert (await client.post("/notices/compose/send", data=data)).status_code == 403
    (reply,) = await person("sanmen-director").send("/web")
    await client.get(reply.links[0].url)
    assert (await client.get("/notices/compose")).status_code == 403
    page = (await client.get("/events")).text
    refused = await client.post("/notices/compose/send", data={**data, "csrf": csrf_of(page)})
    assert refused.status_code == 403
    assert not [r for r in await outbox_rows(app) if TEXT in str(r["payload"])]


async def test_staff_see_upcoming_meetings_with_reminders_and_cancel_one(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    starts = app.clock.now() + timedelta(days=3)
    meeting, _ = await MeetingService(app).create(
        title="三季度消防安全委员会会议",
        starts_at=starts,
        place="街道三楼会议室",
        targets=Targets(tags=(Tag.DIRECTORS,)),
        created_by="console:staff",
    )
    csrf = await sign_in_to(person, client, "staff")
    listed = (await client.get("/notices")).text
    assert "三季度消防安全委员会会议" in listed and "街道三楼会议室" in listed
    assert "2026-07-20 10:00" in listed and "2026-07-21 08:00" in listed  # 1 day, 2 hours before
    (reply,) = await person("sanmen-director").send("/web")
    async with browser(app) as director:
        await director.get(reply.links[0].url)
        d_csrf = csrf_of((await director.get("/events")).text)
        no = await director.post(f"/notices/meetings/{meeting.id}/cancel", data={"csrf": d_csrf})
        assert no.status_code == 403
    assert (await client.post(f"/notices/meetings/{meeting.id}/cancel")).status_code == 403
    still = await MeetingService(app).get(meeting.id)
    assert still is not None and not still.cancelled
    done = await client.post(f"/notices/meetings/{meeting.id}/cancel", data={"csrf": csrf})
    assert done.status_code == 303
    after = (await client.get(done.headers["location"])).text
    assert "会议已取消" in after and "街道三楼会议室" not in after
    told = [r for r in await outbox_rows(app, "directors-group") if "会议取消" in str(r["payload"])]
    assert len(told) == 1
    again = await client.post(f"/notices/meetings/{meeting.id}/cancel", data={"csrf": csrf})
    assert again.status_code == 404
