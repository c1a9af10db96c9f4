"""活动 on the workbench: the list, and for staff the roster, check-in by code and exports."""

from __future__ import annotations

import csv
import io

import httpx

from bot.app import App
from bot.events.service import Events
from tests.platforms.workbench.conftest import fire_drill


async def signed_in(person, client: httpx.AsyncClient, user_id: str) -> str:  # type: ignore[no-untyped-def]
    (reply,) = await person(user_id).send("/web")
    await client.get(reply.links[0].url)
    page = (await client.get("/events")).text
    return page


async def an_event(app: App) -> int:
    service = Events.of(app)
    event = await fire_drill(app, capacity=2)
    for n, name in enumerate(("王阿姨", "李伯伯", "张老师"), 1):
        user = await app.users.ensure("console", f"r{n}")
        await service.sign_up(event.id, user, name=name, phone=f"1380000000{n}")
    return event.id


def csrf_of(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def test_staff_see_the_roster_with_the_waiting_list_and_check_people_in(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    event_id = await an_event(app)
    listed = await signed_in(person, client, "staff")
    assert "社区消防演练" in listed
    page = (await client.get(f"/events/{event_id}")).text
    assert "王阿姨" in page and "李伯伯" in page and "张老师" in page
    assert "候补 1" in page and "已报名 2 人，候补 1 人，已签到 0 人" in page
    roster = await Events.of(app).roster(event_id)
    assert roster is not None
    code = roster.confirmed[0].signup.code
    done = await client.post(
        f"/events/{event_id}/checkin", data={"csrf": csrf_of(page), "code": code}
    )
    assert done.status_code == 200 and "王阿姨" in done.text and "已签到 1 人" in done.text
    wrong = await client.post(
        f"/events/{event_id}/checkin", data={"csrf": csrf_of(page), "code": "000000"}
    )
    assert wrong.status_code == 400 and 'class="error"' in wrong.text
    exported = await client.get(f"/events/{event_id}/roster.csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row[2] for row in rows[1:]] == ["王阿姨", "李伯伯", "张老师"]
    ics = await client.get(f"/events/{event_id}/event.ics")
    assert ics.content.startswith(b"BEGIN:VCALENDAR") and "社区消防演练" in ics.text


async def test_a_director_sees_events_but_no_names_or_phones(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    event_id = await an_event(app)
    await signed_in(person, client, "sanmen-director")
    page = (await client.get(f"/events/{event_id}")).text
    assert "社区消防演练" in page and "王阿姨" not in page and "13800000001" not in page
    assert (await client.get(f"/events/{event_id}/roster.csv")).status_code == 403
    roster = await Events.of(app).roster(event_id)
    assert roster is not None
    refused = await client.post(
        f"/events/{event_id}/checkin",
        data={"csrf": csrf_of(page), "code": roster.confirmed[0].signup.code},
    )
    assert refused.status_code == 403
    after = await Events.of(app).roster(event_id)
    assert after is not None and after.checked_in == 0
