"""活动 on the workbench: creating and editing an event with the /newevent flow's rules."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.clock import local
from bot.events.model import NewEvent
from bot.events.service import Events
from tests.platforms.workbench.conftest import csrf_of, fire_drill, sign_in


def at(app: App, days: float) -> str:
    return local(app.clock.now() + timedelta(days=days), app.tz)


async def event_count(app: App) -> int:
    return len(await Events.of(app).listing(include_past=True))


async def test_staff_create_an_event_for_one_committee_from_the_page(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    await sign_in(person, client, "staff")
    assert "/events/new" in (await client.get("/events")).text
    form = (await client.get("/events/new")).text
    sanmen = await app.committees.resident_by_name("三门")
    assert sanmen is not None
    done = await client.post(
        "/events/new",
        data={
            "csrf": csrf_of(form),
            "title": "夏季防汛讲座",
            "place": "三门居委会活动室",
            "start": at(app, 3),
            "end": "16:00",
            "capacity": "30",
            "max_party": "2",
            "phone_required": "yes",
            "committee": [str(sanmen.id)],
            "description": "请带好笔记本",
        },
    )
    assert done.status_code == 303
    page = (await client.get(done.headers["location"])).text
    assert "夏季防汛讲座" in page and "三门居委会活动室" in page and "30" in page
    (event,) = await Events.of(app).listing()
    assert event.committee_names == ("三门",) and event.phone_required and event.max_party == 2


async def test_a_bad_field_is_shown_in_chinese_on_the_form_and_nothing_is_saved(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    await sign_in(person, client, "staff")
    csrf = csrf_of((await client.get("/events/new")).text)
    good = {"csrf": csrf, "title": "消防演练", "place": "高雄居委会", "start": at(app, 2)}
    cases = {
        "start": ("2020-01-01 10:00", "已经过去了"),
        "capacity": ("0", "请输入 1 到 10000 之间的数字"),
        "deadline": (at(app, 5), "报名截止时间不能晚于活动开始时间"),
        "title": ("", "活动名称和地点都要填写"),
        "max_party": ("很多", "请输入一个数字"),
    }
    for field, (value, said) in cases.items():
        refused = await client.post("/events/new", data={**good, field: value})
        assert refused.status_code == 400, field
        assert said in refused.text and 'class="error"' in refused.text, field
        assert f'value="{value}"' in refused.text or field == "title"  # typed values stay
    assert await event_count(app) == 0


async def test_editing_the_start_tells_people_and_moves_their_reminders(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    service = Events.of(app)
    event = await fire_drill(app, capacity=1)
    first = await app.users.ensure("console", "r1")
    second = await app.users.ensure("console", "r2")
    await service.sign_up(event.id, first, name="王阿姨")
    await service.sign_up(event.id, second, name="李伯伯")  # waits for a place
    await sign_in(person, client, "staff")
    form = (await client.get(f"/events/{event.id}/edit")).text
    assert 'value="社区消防演练"' in form and 'value="1"' in form
    later = app.clock.now() + timedelta(days=4)
    done = await client.post(
        f"/events/{event.id}/edit",
        data={
            "csrf": csrf_of(form),
            "title": "社区消防演练（改期）",
            "place": "三门居委会活动室",
            "start": local(later, app.tz),
            "capacity": "2",
            "max_party": "1",
        },
    )
    assert done.status_code == 303
    moved = await service.get(event.id)
    assert moved is not None and moved.starts_at == later and moved.capacity == 2
    roster = await service.roster(event.id)
    assert roster is not None and [line.signup.name for line in roster.confirmed] == [
        "王阿姨",
        "李伯伯",
    ]
    rows = await app.db.fetchall(
        "SELECT not_before FROM outbox WHERE status = 'pending' AND dedup_key LIKE ?"
        " ORDER BY not_before",
        (f"ev:{event.id}:remind:%",),
    )
    assert {r["not_before"] for r in rows} == {
        (later - timedelta(days=1)).isoformat(),
        (later - timedelta(hours=2)).isoformat(),
    }
    told = await app.outbox.claim("console", "test", chat_id="r1")
    assert any("时间有变动" in p.reply.text for p in told)
    fewer = await client.post(
        f"/events/{event.id}/edit",
        data={
            **dict(title="x演练", place="三门", start=local(later, app.tz)),
            "capacity": "1",
            "csrf": csrf_of(form),
        },
    )
    assert fewer.status_code == 400 and "已经有 2 人报名成功" in fewer.text
    kept = await service.get(event.id)
    assert kept is not None and kept.title == "社区消防演练（改期）" and kept.capacity == 2


async def test_directors_and_posts_without_csrf_cannot_create_or_edit_events(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    event = await Events.of(app).create(
        NewEvent(title="健康讲座", starts_at=app.clock.now() + timedelta(days=2), place="西二"),
        by="test",
    )
    await sign_in(person, client, "sanmen-director")
    page = (await client.get(f"/events/{event.id}")).text
    assert "/edit" not in page
    assert (await client.get("/events/new")).status_code == 403
    data = {"csrf": csrf_of(page), "title": "改掉", "place": "西二", "start": at(app, 3)}
    assert (await client.post("/events/new", data=data)).status_code == 403
    assert (await client.post(f"/events/{event.id}/edit", data=data)).status_code == 403
    await sign_in(person, client, "staff")
    no_csrf = {k: v for k, v in data.items() if k != "csrf"}
    assert (await client.post("/events/new", data=no_csrf)).status_code == 403
    assert (await client.post(f"/events/{event.id}/edit", data=no_csrf)).status_code == 403
    unchanged = await Events.of(app).get(event.id)
    assert unchanged is not None and unchanged.title == "健康讲座"
    assert await event_count(app) == 1
