"""/join through the router and the conversation engine, as a resident on the console."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.messages import Chat, ChatKind
from conversations.steps import SKIP


def texts(replies) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(r.text for r in replies)


async def test_join_by_number(app, router, person) -> None:
    alice = person("alice", "Alice")
    first = await alice.send("/join")
    assert [o.label for o in first[0].options] == ["三门居委会", "高雄居委会", "西二居委会"]
    assert "称呼" in texts(await alice.send("2"))
    assert "手机号" in texts(await alice.send("王阿姨"))
    summary = await alice.send("138 1234 5678")
    assert "高雄居委会" in summary[0].text and "13812345678" in summary[0].text
    done = await alice.send("1")
    assert "已加入高雄居委会" in texts(done)
    user = await app.users.find("console", "alice")
    assert (user.committee_name, user.display_name, user.phone) == ("高雄", "王阿姨", "13812345678")
    assert await router.engine.active(_ctx_key(app, alice)) is None


def _ctx_key(app, who):  # type: ignore[no-untyped-def]
    from bot.context import Context
    from bot.messages import Incoming

    return Context(app, Incoming(who.chat, who.sender), None, "zh", None)  # type: ignore[arg-type]


async def test_join_by_label_and_button(app, person) -> None:
    bob = person("bob")
    await bob.send("/join")
    await bob.send("西二")
    await bob.press("bob")  # the offered display name
    await bob.press(SKIP)
    await bob.send("确认提交")
    user = await app.users.find("console", "bob")
    assert (user.committee_name, user.display_name, user.phone) == ("西二", "bob", None)


async def test_back_keeps_earlier_answers_and_cancel_saves_nothing(app, person) -> None:
    carol = person("carol")
    await carol.send("/join")
    await carol.send("三门")
    back = await carol.send("上一步")
    assert "居民区" in back[0].text and "三门居委会" in back[0].text  # shows the kept answer
    await carol.send("高雄")
    cancelled = await carol.send("/cancel")
    assert "已取消" in texts(cancelled)
    user = await app.users.find("console", "carol")
    assert user.committee_id is None
    assert "没有正在填写" in texts(await carol.send("取消"))


async def test_invalid_answers_are_reasked_with_the_reason(app, person) -> None:
    dan = person("dan")
    await dan.send("/join")
    wrong = await dan.send("9")
    assert "1–3" in wrong[0].text and "三门居委会" in [o.label for o in wrong[-1].options]
    await dan.send("1")
    await dan.send("老丁")
    bad_phone = await dan.send("12345")
    assert "11位" in bad_phone[0].text
    skip_refused = await dan.send("/join")
    assert "正在填写" in texts(skip_refused)  # another command mid-flow does not lose it
    await dan.send("跳过")
    summary = await dan.send("修改")
    assert "要修改" in summary[0].text
    await dan.send("称呼")
    back_at_summary = await dan.send("丁师傅")
    assert "请核对" in back_at_summary[0].text and "丁师傅" in back_at_summary[0].text


async def test_idle_timeout_ends_the_flow(app, person, clock: FakeClock) -> None:
    eve = person("eve")
    await eve.send("/join")
    clock.advance(timedelta(minutes=31))
    replies = await eve.send("三门")
    assert "已超过 30 分钟" in texts(replies)
    assert (await app.users.find("console", "eve")).committee_id is None


async def test_a_command_after_the_timeout_runs(app, person, clock: FakeClock) -> None:
    """The stale flow is ended and said so, and the command typed is answered, not swallowed."""
    ivy = person("ivy")
    await ivy.send("/join")
    clock.advance(timedelta(minutes=31))
    replies = texts(await ivy.send("/mysignups"))
    assert "已超过 30 分钟" in replies and "没有报名任何活动" in replies
    assert "您正在填写" not in replies
    assert await app.conversations.load(_key("ivy", "ivy")) is None


async def test_sweeper_tells_idle_people_through_the_outbox(
    app, router, person, clock: FakeClock
) -> None:
    fay = person("fay")
    await fay.send("/join")
    clock.advance(timedelta(minutes=45))
    ended = await router.engine.sweep_idle(app.outbox, clock, "zh")
    assert ended == 1
    parcels = await app.outbox.claim("console", "test", chat_id="fay")
    assert len(parcels) == 1 and "自动结束" in parcels[0].reply.text
    assert await router.engine.sweep_idle(app.outbox, clock, "zh") == 0


async def test_join_in_a_group_points_to_the_private_chat(app, person) -> None:
    group = Chat("console", "sanmen-residents", ChatKind.GROUP, "三门居民区居民群")
    gina = person("gina", chat=group)
    replies = await gina.send("/join")
    assert "私聊" in replies[0].text
    assert await app.conversations.load(_key("sanmen-residents", "gina")) is None


def _key(chat: str, user: str):  # type: ignore[no-untyped-def]
    from bot.conversation_store import Key

    return Key("console", chat, user)


async def test_english_speakers_get_english(app, person) -> None:
    hal = person("hal")
    await hal.send("/lang en")
    replies = await hal.send("/join")
    assert "Which residents' committee" in replies[0].text
