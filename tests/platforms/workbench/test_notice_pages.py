"""通知 on the workbench: what is scheduled, and a broadcast's report refreshing while it sends."""

from __future__ import annotations

import re

from bot.app import App
from bot.platforms.postman import Postman
from tests.notices.fakes import Recorder, texts
from tests.platforms.workbench.conftest import sign_in

TEXT = "本周六上午9点在小区门口开展消防安全宣传，欢迎居民参加。"


async def test_staff_see_the_schedule_and_a_broadcast_report_that_refreshes_until_sent(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    staff = person("staff")
    await staff.send("/broadcast")
    await staff.send(TEXT)
    await staff.send("跳过")
    await staff.send("所有居民群")
    await staff.send("不需要")
    await staff.send("普通")
    sending = texts(await staff.send("确认提交"))
    found = re.search(r"#(\d+)", sending)
    assert found is not None
    notice_id = int(found.group(1))

    await sign_in(person, client, "staff")
    listed = await client.get("/notices")
    assert listed.status_code == 200 and "未来 7 天" in listed.text
    assert "<td>宣传</td>" in listed.text  # the summer campaign, on its July weekdays
    running = await client.get(f"/notices/{notice_id}")
    assert "等待发送 3" in running.text and 'http-equiv="refresh"' in running.text
    await Postman(app.outbox, app.chats, Recorder(), worker="t").deliver_due()
    done = await client.get(f"/notices/{notice_id}")
    assert "已发出 3" in done.text and 'http-equiv="refresh"' not in done.text
    assert (await client.get("/notices/999")).status_code == 404


async def test_directors_do_not_see_the_notices_pages(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    await sign_in(person, client, "sanmen-director")
    assert (await client.get("/notices")).status_code == 403
    assert (await client.get("/notices/1")).status_code == 403


async def test_staff_pause_and_resume_the_summer_campaign_from_the_page(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    await sign_in(person, client, "staff")
    listed = await client.get("/notices")
    assert "夏季消防安全提醒" in listed.text and "进行中" in listed.text
    assert "06-01–09-30" in listed.text and "周一、周四" in listed.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', listed.text)
    assert csrf is not None
    refused = await client.post("/notices/summer/pause", data={})
    assert refused.status_code == 403  # no CSRF token, nothing changes
    assert "进行中" in (await client.get("/notices")).text
    paused = await client.post("/notices/summer/pause", data={"csrf": csrf.group(1)})
    assert paused.status_code == 303
    page = (await client.get(paused.headers["location"])).text
    assert "已暂停" in page and "恢复" in page
    resumed = await client.post("/notices/summer/resume", data={"csrf": csrf.group(1)})
    assert "进行中" in (await client.get(resumed.headers["location"])).text
