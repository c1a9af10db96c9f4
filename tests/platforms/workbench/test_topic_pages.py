"""议题 on the workbench: staff review with the same rules as /review; an anonymous submitter
stays hidden from directors; the agenda lists the accepted topics."""

from __future__ import annotations

import httpx

from bot.app import App
from bot.topics.service import TopicService
from tests.conftest import take_mail
from tests.platforms.workbench.conftest import sign_in


async def sign_in_to(person, client: httpx.AsyncClient, user_id: str) -> str:  # type: ignore[no-untyped-def]
    await sign_in(person, client, user_id)
    return (await client.get("/topics")).text


def csrf_of(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def a_topic(app: App, *, anonymous: bool = False) -> str:
    committee = (await app.committees.topic())[0]
    resident = await app.users.ensure("console", "r1")
    topic = await TopicService.of(app).submit(
        resident,
        committee.id,
        "小区停车难",
        "晚上车位不够，希望规划临时车位。",
        anonymous=anonymous,
    )
    await take_mail(app, "r1")
    return topic.ref


async def test_staff_accept_a_topic_for_a_meeting_and_it_joins_the_agenda(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    ref = await a_topic(app)
    listed = await sign_in_to(person, client, "staff")
    assert ref in listed and "小区停车难" in listed
    page = (await client.get(f"/topics/{ref}")).text
    bad = await client.post(
        f"/topics/{ref}/review",
        data={"csrf": csrf_of(page), "status": "accepted", "meeting": "八月五日"},
    )
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
    no_reason = await client.post(
        f"/topics/{ref}/review", data={"csrf": csrf_of(page), "status": "declined"}
    )
    assert no_reason.status_code == 400 and 'role="alert"' in no_reason.text
    accepted = await client.post(
        f"/topics/{ref}/review",
        data={"csrf": csrf_of(page), "status": "accepted", "meeting": "2026-08-05"},
    )
    assert accepted.status_code == 303
    shown = (await client.get(f"/topics/{ref}")).text
    assert "已采纳" in shown and "2026-08-05" in shown
    assert "已采纳（工作台）" in shown  # the history says where the review was made
    channel = await app.db.scalar("SELECT channel FROM topic_reviews ORDER BY id DESC LIMIT 1")
    assert channel == "workbench"
    committee = (await app.committees.topic())[0].name
    agenda = (await client.get("/topics", params={"committee": committee})).text
    assert "小区停车难" in agenda.split("会议议程", 1)[1]
    told = await take_mail(app, "r1")
    assert told and ref in told[0].reply.text


async def test_directors_see_topics_but_neither_review_nor_see_anonymous_names(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    await app.users.ensure("console", "r1")
    await app.db.execute("UPDATE users SET display_name = '王阿姨' WHERE external_id = 'r1'")
    ref = await a_topic(app, anonymous=True)
    await sign_in_to(person, client, "sanmen-director")
    page = (await client.get(f"/topics/{ref}")).text
    assert "小区停车难" in page and "王阿姨" not in page and 'id="review-accepted"' not in page
    refused = await client.post(
        f"/topics/{ref}/review", data={"csrf": csrf_of(page), "status": "accepted"}
    )
    assert refused.status_code == 403
    topic = await TopicService.of(app).get(ref)
    assert topic is not None and topic.status.value == "submitted"


async def test_merging_picks_the_surviving_topic_from_the_same_committees_open_topics(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    first, second = (await app.committees.topic())[:2]
    service = TopicService.of(app)
    resident = await app.users.ensure("console", "r1")

    async def submit(committee_id: int, title: str) -> str:
        topic = await service.submit(resident, committee_id, title, "详见标题。", anonymous=False)
        return topic.ref

    duplicate = await submit(first.id, "小区停车难")
    survivor = await submit(first.id, "夜间停车位不足")
    declined = await submit(first.id, "楼道堆物")
    elsewhere = await submit(second.id, "加装电梯费用分摊")
    await take_mail(app, "r1")
    await sign_in_to(person, client, "staff")
    decline_page = (await client.get(f"/topics/{declined}")).text
    await client.post(
        f"/topics/{declined}/review",
        data={"csrf": csrf_of(decline_page), "status": "declined", "note": "已由物业处理"},
    )
    page = (await client.get(f"/topics/{duplicate}")).text
    choices = page.split('id="merge-into"', 1)[1].split("</select>", 1)[0]
    assert f'value="{survivor}"' in choices and "夜间停车位不足" in choices
    assert declined not in choices and elsewhere not in choices and duplicate not in choices
    for forged in (elsewhere, declined, ""):
        refused = await client.post(
            f"/topics/{duplicate}/review",
            data={"csrf": csrf_of(page), "status": "merged", "into": forged},
        )
        assert refused.status_code == 400 and "请从列表里选择要合并到的议题" in refused.text
    unchanged = await service.get(duplicate)
    assert unchanged is not None and unchanged.status.value == "submitted"
    merged = await client.post(
        f"/topics/{duplicate}/review",
        data={"csrf": csrf_of(page), "status": "merged", "into": survivor},
    )
    assert merged.status_code == 303
    shown = (await client.get(f"/topics/{duplicate}")).text
    assert "已合并" in shown and f'href="/topics/{survivor}"' in shown
    told = await take_mail(app, "r1")
    assert told and survivor in told[-1].reply.text
