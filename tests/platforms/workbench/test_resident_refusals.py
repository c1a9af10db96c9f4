"""The new workbench actions refuse residents: someone whose role became 居民 is signed out of
every page and action at once, and nothing they post is saved or sent."""

from __future__ import annotations

from datetime import timedelta

import httpx

from bot.app import App
from bot.events.model import NewEvent
from bot.events.service import Events
from bot.notices.meetings import MeetingService
from bot.notices.repo import NoticeRepo, Targets
from bot.roles import Role
from tests.platforms.workbench.conftest import csrf_of


async def test_a_staff_member_made_resident_can_open_or_post_nothing_new(
    app: App,
    person,
    client: httpx.AsyncClient,
) -> None:
    event = await Events.of(app).create(
        NewEvent(title="健康讲座", starts_at=app.clock.now() + timedelta(days=2), place="西二"),
        by="test",
    )
    meeting, _ = await MeetingService(app).create(
        title="月度例会",
        starts_at=app.clock.now() + timedelta(days=3),
        place="街道会议室",
        targets=Targets(everyone=True),
        created_by="console:staff",
    )
    (reply,) = await person("staff").send("/web")
    await client.get(reply.links[0].url)
    csrf = csrf_of((await client.get("/notices")).text)
    await app.users.grant("console", "staff", Role.RESIDENT, None, by="test")
    notices_before = len(await NoticeRepo(app.db, app.clock).all())

    for path in ("/events/new", f"/events/{event.id}/edit", "/notices/compose"):
        opened = await client.get(path)
        assert opened.status_code == 303 and opened.headers["location"] == "/signin", path
    for path in ("/inspections/1/progress.xlsx", "/polls/1/codes.csv"):
        assert (await client.get(path)).status_code == 303, path
    posts = {
        "/events/new": {"title": "改掉", "place": "西二", "start": "2026-08-01 10:00"},
        f"/events/{event.id}/edit": {"title": "改掉", "place": "西二", "start": "2026-08-01 10:00"},
        "/notices/compose/send": {"text": "测试群发内容", "everyone": "yes", "instance": "a" * 32},
        f"/notices/meetings/{meeting.id}/cancel": {},
    }
    for path, data in posts.items():
        refused = await client.post(path, data={**data, "csrf": csrf})
        assert refused.status_code == 401 and "/web" in refused.text, path

    kept = await Events.of(app).get(event.id)
    assert kept is not None and kept.title == "健康讲座"
    assert len(await Events.of(app).listing()) == 1
    assert len(await NoticeRepo(app.db, app.clock).all()) == notices_before
    still = await MeetingService(app).get(meeting.id)
    assert still is not None and not still.cancelled
