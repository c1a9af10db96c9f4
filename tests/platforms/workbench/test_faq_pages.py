"""问答 on the workbench: staff answer a 转人工 question once; directors do not see the queue."""

from __future__ import annotations

from bot.app import App
from tests.conftest import take_mail
from tests.platforms.workbench.conftest import sign_in


def csrf_of(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def hand_over(person) -> None:  # type: ignore[no-untyped-def]
    li = person("li")
    replies = await li.send("今天天气怎么样")
    human = next(o for o in replies[-1].options if o.label == "转人工")
    await li.press(human.value)


async def test_staff_answer_a_handed_over_question_and_the_resident_hears_it_once(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    await hand_over(person)
    await take_mail(app, "li")
    await sign_in(person, client, "staff")
    page = (await client.get("/faq")).text
    assert "今天天气怎么样" in page and 'id="answer-1"' in page
    empty = await client.post("/faq/1/answer", data={"csrf": csrf_of(page), "answer": "  "})
    assert empty.status_code == 400 and "请填写答复" in empty.text
    sent = await client.post(
        "/faq/1/answer", data={"csrf": csrf_of(page), "answer": "今天多云，注意天气提醒。"}
    )
    assert sent.status_code == 200 and "已把答复" in sent.text and 'id="answer-1"' not in sent.text
    again = await client.post("/faq/1/answer", data={"csrf": csrf_of(page), "answer": "再说一遍"})
    assert again.status_code == 400 and "答复过了" in again.text
    (told,) = await take_mail(app, "li")
    assert "今天多云" in told.reply.text and "今天天气怎么样" in told.reply.text


async def test_a_director_sees_no_residents_questions(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    await hand_over(person)
    await sign_in(person, client, "sanmen-director")
    page = await client.get("/faq")
    assert page.status_code == 403 and "今天天气怎么样" not in page.text
    refused = await client.post(
        "/faq/1/answer", data={"csrf": csrf_of(page.text), "answer": "我来答"}
    )
    assert refused.status_code == 403
    row = await app.db.fetchone("SELECT status FROM faq_handovers WHERE id = 1")
    assert row is not None and row["status"] == "open"
