"""人员 on the workbench: admins see roles and groups and grant roles; nobody else does."""

from __future__ import annotations

import httpx

from bot.app import App
from bot.roles import Role
from tests.conftest import take_mail
from tests.platforms.workbench.conftest import sign_in


async def sign_in_to(person, client: httpx.AsyncClient, user_id: str) -> str:  # type: ignore[no-untyped-def]
    await sign_in(person, client, user_id)
    return (await client.get("/people")).text


def csrf_of(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def test_an_admin_grants_a_role_and_the_person_is_told(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    page = await sign_in_to(person, client, "admin")
    assert "console:sanmen-director" in page and "三门居委会主任" in page
    assert "西二居民区居民群" in page and "居民群</td>" in page
    csrf = csrf_of(page)
    bad = await client.post(
        "/people/grant", data={"csrf": csrf, "who": "zhangsan", "role": "staff"}
    )
    assert bad.status_code == 400 and "平台:ID" in bad.text
    no_committee = await client.post(
        "/people/grant", data={"csrf": csrf, "who": "console:li", "role": "director"}
    )
    assert no_committee.status_code == 400 and "请选择居委会" in no_committee.text
    done = await client.post(
        "/people/grant",
        data={"csrf": csrf, "who": "console:li", "role": "director", "committee": "西二"},
    )
    assert done.status_code == 303
    li = await app.users.find("console", "li")
    assert li is not None and li.role is Role.DIRECTOR and li.committee_name == "西二"
    (told,) = await take_mail(app, "li")
    assert "居委会主任" in told.reply.text


async def test_staff_cannot_grant_roles(app: App, person, client) -> None:  # type: ignore[no-untyped-def]
    page = await sign_in_to(person, client, "staff")
    assert "只供管理员" in page
    refused = await client.post(
        "/people/grant", data={"csrf": csrf_of(page), "who": "console:staff", "role": "admin"}
    )
    assert refused.status_code == 403
    staff = await app.users.find("console", "staff")
    assert staff is not None and staff.role is Role.STAFF
