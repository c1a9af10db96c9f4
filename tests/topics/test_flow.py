"""/topic (提交议题): the flow in order, its checks, anonymity, references and the staff post."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.messages import Chat, ChatKind, FileRef
from bot.topics.service import Status, TopicService
from conversations.steps import SKIP

REF = re.compile(r"YT-\d{8}-\d{4}")


def texts(replies) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(r.text for r in replies)


async def submit(who, *, title="电梯噪音扰民", anonymous=False, photo=False) -> str:  # type: ignore[no-untyped-def]
    """Runs /topic to the end for the first committee; returns the reference it was given."""
    await who.send("/topic")
    await who.send("1")
    await who.send(title)
    await who.send("三门小区5号楼电梯运行噪音很大，晚上影响休息。")
    if photo:
        await who.deliver({"photo": FileRef("console", "lift.jpg")})
    else:
        await who.send("跳过")
    await who.send("匿名" if anonymous else "公开署名")
    done = await who.send("确认提交")
    found = REF.search(texts(done))
    assert found, texts(done)
    return found.group()


async def test_flow_asks_in_order_with_committee_descriptions(app, person) -> None:
    alice = person("alice", "王阿姨")
    first = await alice.send("/topic")
    labels = [o.label for o in first[0].options]
    assert labels[0].startswith("物业服务提升专委会（物业服务的难点")
    assert len(labels) == 3 and "老房加装电梯" in labels[1]
    assert "标题" in texts(await alice.send("优化宜居专委会"))  # typed name without description
    assert "至少需要 4 个字" in texts(await alice.send("电梯"))
    assert "最多 40 个字" in texts(await alice.send("很" * 41))
    assert "具体说说" in texts(await alice.send("老房加装电梯推进慢"))
    assert "至少需要 10 个字" in texts(await alice.send("太慢了"))
    assert "最多 1000 个字" in texts(await alice.send("慢" * 1001))
    photo = await alice.send("我们楼加装电梯的意见征询已经半年了，还没有进展。")
    assert "照片" in photo[0].text and "跳过" in photo[0].text
    assert [o.value for o in photo[0].options] == [SKIP]  # one photo: no 完成 to press
    visibility = await alice.send("跳过")
    assert [o.label for o in visibility[0].options] == ["公开署名", "匿名"]
    summary = await alice.send("1")
    assert "请核对" in summary[0].text and "公开署名" in summary[0].text
    assert "照片：（未填写）" in summary[0].text
    done = await alice.send("确认提交")
    assert "YT-20260718-0001" in texts(done) and "优化宜居专委会" in texts(done)

    topic = await TopicService.of(app).get("YT-20260718-0001")
    assert topic is not None
    assert (topic.committee, topic.title, topic.status) == (
        "优化宜居专委会",
        "老房加装电梯推进慢",
        Status.SUBMITTED,
    )
    assert topic.anonymous is False and topic.photo is None and topic.submitter_name == "王阿姨"


async def test_references_count_up_per_shanghai_day(app, person, clock) -> None:
    bob = person("bob")
    assert await submit(bob) == "YT-20260718-0001"
    assert await submit(bob, title="楼道堆物清理") == "YT-20260718-0002"
    clock.set(datetime(2026, 7, 18, 16, 30, tzinfo=UTC))  # 00:30 on the 19th in Shanghai
    assert await submit(bob, title="垃圾分类点太远") == "YT-20260719-0001"


async def test_anonymous_topic_with_photo_hides_the_name_from_all_but_staff(app, person) -> None:
    carol = person("carol", "李阿姨")
    ref = await submit(carol, anonymous=True, photo=True)
    topic = await TopicService.of(app).get(ref)
    assert topic is not None and topic.anonymous and topic.photo == FileRef("console", "lift.jpg")

    # The post to the staff group never names an anonymous submitter, but offers 审议.
    posts = await app.outbox.claim("console", "test", chat_id="staff-group")
    assert len(posts) == 1
    post = posts[0].reply
    assert ref in post.text and "匿名" in post.text and "李阿姨" not in post.text
    assert post.photo is not None and post.options[0].value == f"tpr:{ref}"

    listing = texts(await person("dan").send("/topics 1"))
    assert ref in listing and "提出人：匿名" in listing and "李阿姨" not in listing
    director = texts(await person("sanmen-director").send("/topics 1"))
    assert "李阿姨" not in director
    staff = texts(await person("staff").send("/topics 1"))
    assert "李阿姨（匿名提交，仅工作人员可见）" in staff
    group = Chat("console", "staff-group", ChatKind.GROUP, "工作群")
    in_group = texts(await person("staff", chat=group).send("/topics 1"))
    assert ref in in_group and "李阿姨" not in in_group


async def test_public_topic_shows_the_name(app, person) -> None:
    ref = await submit(person("erin", "赵先生"))
    posts = await app.outbox.claim("console", "test", chat_id="staff-group")
    assert "赵先生" in posts[0].reply.text
    assert "提出人：赵先生" in texts(await person("dan").send("/topics 1"))
    assert ref in texts(await person("dan").send("/topics 物业服务提升"))


async def test_saving_twice_for_one_flow_run_keeps_one_topic(app, person) -> None:
    user = await app.users.ensure("console", "fay")
    service = TopicService.of(app)
    first = await service.submit(
        user, 1, "电梯噪音扰民", "五号楼电梯噪音很大影响休息", anonymous=False, request_id="run-1"
    )
    again = await service.submit(
        user, 1, "电梯噪音扰民", "五号楼电梯噪音很大影响休息", anonymous=False, request_id="run-1"
    )
    assert first.ref == again.ref
    assert len(await service.find()) == 1


async def test_cancel_saves_nothing_and_back_keeps_answers(app, person) -> None:
    gus = person("gus")
    await gus.send("/topic")
    await gus.send("2")
    await gus.send("楼道堆物清理")
    back = await gus.send("上一步")
    assert "楼道堆物清理" in back[0].text
    assert "已取消" in texts(await gus.send("取消"))
    assert await TopicService.of(app).find() == []


async def test_in_a_group_it_moves_to_the_private_chat(app, router, person) -> None:
    group = Chat("console", "sanmen-residents", ChatKind.GROUP, "三门居民区居民群")
    replies = await person("hal", chat=group).send("/topic")
    assert "私聊" in replies[0].text
    assert await router.engine.active(_ctx(app, group, "hal")) is None


async def test_retired_committees_are_not_offered(app, person) -> None:
    from bot.topics.committees import TopicCommittees

    await TopicCommittees(app.db, app.clock).retire("零距离保障专委会")
    first = await person("ivy").send("/topic")
    assert [o.label.split("（")[0] for o in first[0].options] == [
        "物业服务提升专委会",
        "优化宜居专委会",
    ]


async def test_english_speakers_get_english(app, person) -> None:
    jan = person("jan")
    await jan.send("/lang en")
    first = await jan.send("/topic")
    assert "Which committee" in first[0].text
    await jan.send("1")
    await jan.send("Lift noise at night")
    await jan.send("The lift in building 5 is very loud at night.")
    await jan.send("skip")
    await jan.send("Anonymous")
    done = await jan.send("Confirm")
    assert "YT-20260718-0001" in texts(done) and "Anonymous" in texts(done)


def _ctx(app, chat, user_id):  # type: ignore[no-untyped-def]
    from bot.context import Context
    from bot.messages import Incoming, Sender

    return Context(app, Incoming(chat, Sender("console", user_id)), None, "zh", None)  # type: ignore[arg-type]
