"""The workbench in a (non-JavaScript) browser: sign in from the chat, list, act, export."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import httpx

from bot.app import App
from bot.clock import FakeClock
from bot.hazards.service import HazardService
from bot.messages import Chat, ChatKind
from bot.roles import Role
from tests.conftest import take_mail
from tests.platforms.workbench.conftest import browser, csrf_of, file_report


async def web_link(person, user_id: str) -> str:  # type: ignore[no-untyped-def]
    (reply,) = await person(user_id).send("/web")
    (link,) = reply.links
    assert "10 分钟" in reply.text
    return link.url


async def signed_in(client: httpx.AsyncClient, url: str) -> httpx.Response:
    opened = await client.get(url)
    assert opened.status_code == 303 and opened.headers["location"] == "/hazards"
    return await client.get("/hazards")


async def test_a_staff_link_opens_the_list_with_the_report(app: App, person, client) -> None:  # type: ignore[no-untyped-def]
    report = await file_report(app, "d1")
    url = await web_link(person, "staff")
    assert url.startswith("http://127.0.0.1:8080/signin/")
    cookie = (await client.get(url)).headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Secure" not in cookie
    page = await client.get("/hazards")
    assert page.status_code == 200
    assert report.ref in page.text and "电动自行车" in page.text


async def test_accepting_on_the_page_tells_the_reporter_and_names_the_workbench(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    report = await file_report(app, "d1")
    await take_mail(app, "d1")
    await signed_in(client, await web_link(person, "staff"))
    shown = await client.get(f"/hazards/{report.ref}")
    assert "楼道里有电动车在飞线充电" in shown.text and "受理" in shown.text
    moved = await client.post(
        f"/hazards/{report.ref}/move",
        data={"csrf": csrf_of(shown.text), "status": "accepted", "note": "明天上门查看"},
    )
    assert moved.status_code == 303
    after = await client.get(moved.headers["location"])
    assert "已改为「已受理」" in after.text and "（工作台）" in after.text
    stored = await HazardService.of(app).by_ref(report.ref)
    assert stored is not None and stored.status.value == "accepted"
    (told,) = await take_mail(app, "d1")
    assert report.ref in told.reply.text and "明天上门查看" in told.reply.text


async def test_a_post_without_the_csrf_token_changes_nothing(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    report = await file_report(app, "d1")
    await signed_in(client, await web_link(person, "staff"))
    for data in ({"status": "accepted"}, {"status": "accepted", "csrf": "forged"}):
        refused = await client.post(f"/hazards/{report.ref}/move", data=data)
        assert refused.status_code == 403 and "页面已过期" in refused.text
    stored = await HazardService.of(app).by_ref(report.ref)
    assert stored is not None and stored.status.value == "submitted"


async def test_a_refused_move_says_why_and_changes_nothing(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    report = await file_report(app, "d1")
    shown = await signed_in(client, await web_link(person, "staff"))
    csrf = csrf_of(shown.text)
    no_reason = await client.post(
        f"/hazards/{report.ref}/move", data={"csrf": csrf, "status": "rejected", "note": " "}
    )
    assert no_reason.status_code == 400 and 'role="alert"' in no_reason.text
    nonsense = await client.post(
        f"/hazards/{report.ref}/move", data={"csrf": csrf, "status": "flying"}
    )
    assert nonsense.status_code == 400 and "请从页面上的选项里选择" in nonsense.text
    stored = await HazardService.of(app).by_ref(report.ref)
    assert stored is not None and stored.status.value == "submitted"


async def test_a_link_works_once_and_for_ten_minutes(
    app: App,
    clock: FakeClock,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    url = await web_link(person, "staff")
    await signed_in(client, url)
    async with browser(app) as other:
        again = await other.get(url)
        assert again.status_code == 403 and "已经用过" in again.text
        late = await web_link(person, "staff")
        clock.advance(timedelta(minutes=10, seconds=1))
        expired = await other.get(late)
        assert expired.status_code == 403 and "已过期" in expired.text
        unknown = await other.get("/signin/not-a-token")
        assert unknown.status_code == 403
        assert (await other.get("/hazards")).headers["location"] == "/signin"


async def test_a_resident_gets_no_link_and_a_resident_link_is_refused(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    (reply,) = await person("d1").send("/web")
    assert not reply.links and "居民" in reply.text and "/report" in reply.text
    # A link made for someone who has since become a resident opens nothing.
    url = await web_link(person, "staff")
    await app.users.grant("console", "staff", Role.RESIDENT, None, by="test")
    refused = await client.get(url)
    assert refused.status_code == 403 and "居民不能登录" in refused.text


async def test_web_in_a_group_points_to_the_private_chat(person) -> None:  # type: ignore[no-untyped-def]
    group = Chat("console", "staff-group", ChatKind.GROUP)
    (reply,) = await person("staff", chat=group).send("/web")
    assert "signin" not in reply.text and all("signin" not in k.url for k in reply.links)


async def test_a_director_sees_and_acts_on_their_own_committee_only(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    own = await file_report(app, "d1", "三门")
    other = await file_report(app, "d2", "高雄")
    listed = await signed_in(client, await web_link(person, "sanmen-director"))
    assert own.ref in listed.text and other.ref not in listed.text
    assert (await client.get(f"/hazards/{other.ref}")).status_code == 404
    refused = await client.post(
        f"/hazards/{other.ref}/move",
        data={"csrf": csrf_of(listed.text), "status": "accepted", "note": "x"},
    )
    assert refused.status_code == 404
    # The director's own report: no 受理 (staff work), and the reporter's contact is shown.
    page = await client.get(f"/hazards/{own.ref}")
    assert 'id="do-accepted"' not in page.text and "上报人" in page.text
    stored = await HazardService.of(app).by_ref(other.ref)
    assert stored is not None and stored.status.value == "submitted"


async def test_a_role_change_or_eight_idle_hours_end_the_session(
    app: App,
    clock: FakeClock,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    await signed_in(client, await web_link(person, "staff"))
    clock.advance(timedelta(hours=7, minutes=59))
    assert (await client.get("/hazards")).status_code == 200  # in use: the idle time restarts
    clock.advance(timedelta(hours=8))
    assert (await client.get("/hazards")).headers["location"] == "/signin"

    await signed_in(client, await web_link(person, "staff"))
    await app.users.grant("console", "staff", Role.DIRECTOR, 1, by="test")
    assert (await client.get("/hazards")).headers["location"] == "/signin"


async def test_the_list_filters_and_exports_what_it_shows(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    sanmen = await file_report(app, "d1", "三门")
    gaoxiong = await file_report(app, "d2", "高雄")
    await signed_in(client, await web_link(person, "staff"))
    listed = await client.get("/hazards", params={"committee": "高雄"})
    assert gaoxiong.ref in listed.text and sanmen.ref not in listed.text
    words = await client.get("/hazards", params={"q": "不存在的字"})
    assert sanmen.ref not in words.text and "共 0 条" in words.text
    exported = await client.get("/hazards/export.csv", params={"committee": "高雄"})
    assert exported.status_code == 200
    assert exported.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [gaoxiong.ref]
    xlsx = await client.get("/hazards/export.xlsx")
    assert xlsx.content[:2] == b"PK"


async def test_page_text_is_escaped(app: App, person, client) -> None:  # type: ignore[no-untyped-def]
    user = await app.users.ensure("console", "d1")
    report = await file_report(app, "d1")
    await app.db.execute(
        "UPDATE hazard_reports SET description = ? WHERE id = ?",
        ("<script>alert(1)</script>", report.id),
    )
    assert user.role is Role.RESIDENT
    await signed_in(client, await web_link(person, "staff"))
    page = await client.get(f"/hazards/{report.ref}")
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;" in page.text


async def test_the_overview_counts_open_and_overdue_reports_per_committee(
    app: App,
    clock: FakeClock,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    await file_report(app, "d1", "三门")
    await file_report(app, "d2", "三门")
    await file_report(app, "d3", "高雄")
    clock.advance(timedelta(days=3))  # past the 24 hours to accept
    await file_report(app, "d4", "高雄")
    await signed_in(client, await web_link(person, "staff"))
    page = (await client.get("/")).text
    assert "<svg" in page and ">三门</text>" in page
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S):
        cells = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", row)]
        if len(cells) == 3:
            rows[cells[0]] = cells[1:]
    assert rows["三门"] == ["2", "2"] and rows["高雄"] == ["2", "1"] and rows["西二"] == ["0", "0"]


async def test_a_director_s_overview_shows_their_committee_only(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    await file_report(app, "d3", "高雄")
    await signed_in(client, await web_link(person, "sanmen-director"))
    page = (await client.get("/")).text
    assert "三门" in page and "高雄" not in page
