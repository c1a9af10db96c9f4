"""常见问题 (and /faq without a question): the most-asked questions, grouped by topic, as
buttons that answer when pressed."""

from __future__ import annotations

from bot.messages import Chat, ChatKind


def labels(reply) -> list[str]:  # type: ignore[no-untyped-def]
    return [o.label for o in reply.options]


async def test_faq_alone_lists_questions_by_topic_as_buttons(person) -> None:
    replies = await person("wang").send("常见问题")
    assert len(replies) == 2
    elevator, fire = replies
    assert "点一下就能看到回答" in elevator.text and "【加装电梯】" in elevator.text
    assert "【消防安全】" in fire.text
    assert 0 < len(elevator.options) <= 5 and 0 < len(fire.options) <= 5
    # a new database: the knowledge base's own order, basic questions first
    assert labels(elevator)[0] == "加装电梯需要多少业主同意？"
    assert all(o.value.startswith("faq:show:") for o in elevator.options + fire.options)
    assert [r.text for r in await person("li").send("/faq")] == [r.text for r in replies]


async def test_the_most_asked_questions_come_first(person) -> None:
    asker = person("zhang")
    for _ in range(3):
        await asker.send("加梯能用公积金吗")
    for _ in range(4):
        await asker.send("电瓶车能不能停在楼道里充电")
    fire, elevator = await person("li").send("/faq")
    assert "【消防安全】" in fire.text and "点一下就能看到回答" in fire.text, "busiest topic first"
    assert labels(fire)[0] == "电动自行车不能停在哪里、不能在哪里充电？"
    assert labels(elevator)[0] == "加装电梯可以用住房公积金吗？"


async def test_pressing_a_listed_question_answers_it_and_counts_as_asked(app, person) -> None:
    wang = person("wang")
    menu = await wang.send("常见问题")
    scope = next(o for o in menu[0].options if o.value == "faq:show:vote-scope")
    replies = await wang.press(scope.value)
    assert "依据：" in replies[0].text and "有帮助吗" in replies[-1].text
    await wang.press(replies[-1].options[0].value)  # 有帮助
    row = await app.db.fetchone(
        "SELECT q.entry_id, f.helpful FROM faq_questions q"
        " JOIN faq_feedback f ON f.question_id = q.id"
    )
    assert row["entry_id"] == "vote-scope" and row["helpful"] == 1
    again = await person("li").send("常见问题")
    assert labels(again[0])[0] == "加装电梯是整个小区投票，还是一个门洞投票？"


async def test_an_unknown_listed_question_is_a_stale_button(person) -> None:
    replies = await person("wang").press("faq:show:no-such-entry")
    assert "失效" in replies[0].text


async def test_the_list_in_english_and_in_a_group(person) -> None:
    en = person("amy")
    await en.send("/lang en")
    replies = await en.send("/faq")
    assert "[Elevators in old buildings]" in replies[0].text and "tap one" in replies[0].text
    group = Chat("console", "sanmen-residents", ChatKind.GROUP)
    in_group = await person("qian", chat=group).send("/faq")
    assert "【加装电梯】" in in_group[0].text and in_group[0].options
