"""Reviewing topics (every move, allowed and refused), merging, 附议, /topics and the agenda."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from bot.messages import Sender
from bot.topics.agenda import Agenda, render
from bot.topics.reviews import TopicReviews
from bot.topics.service import TRANSITIONS, Status, Topic, TopicError, TopicService
from tests.conftest import take_mail

S = Status
ALLOWED = {(S.SUBMITTED, S.ACCEPTED), (S.SUBMITTED, S.MERGED), (S.SUBMITTED, S.DECLINED)}
ALLOWED |= {(S.ACCEPTED, S.DONE)}
PATH_TO = {
    S.SUBMITTED: (),
    S.ACCEPTED: (S.ACCEPTED,),
    S.MERGED: (S.MERGED,),
    S.DECLINED: (S.DECLINED,),
    S.DONE: (S.ACCEPTED, S.DONE),
}
DETAILS = "五号楼电梯运行噪音很大，晚上影响休息。"


def texts(replies) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(r.text for r in replies)


async def new_topic(app, who: str = "alice", name: str = "王阿姨", **kwargs) -> Topic:  # type: ignore[no-untyped-def]
    user = await app.users.seen(Sender("console", who, name))
    fields = {"committee_id": 1, "title": "电梯噪音扰民", "anonymous": False} | kwargs
    committee_id, title = fields.pop("committee_id"), fields.pop("title")
    return await TopicService.of(app).submit(user, committee_id, title, DETAILS, **fields)


async def staff(app):  # type: ignore[no-untyped-def]
    return await app.users.find("console", "staff")


def needs(to: Status, into: str) -> dict[str, object]:
    """What each move asks for: a reason, an outcome, the surviving topic."""
    return {"note": "说明" if to in (S.DECLINED, S.DONE) else None, "into": into}


async def mail(app, chat: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.reply.text for p in await take_mail(app, chat)]


def test_transition_table_is_the_documented_one() -> None:
    table = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert table == ALLOWED


@pytest.mark.parametrize("start", list(Status))
async def test_every_move_from_each_status_is_allowed_or_refused(app, start: Status) -> None:
    service, reviewer = TopicService.of(app), await staff(app)
    reviews = TopicReviews.of(app)
    survivor = await new_topic(app, "keeper", title="保留的议题")
    for to in Status:
        topic = await new_topic(app, title=f"{start.value}到{to.value}")
        for step in PATH_TO[start]:
            await reviews.move(topic.ref, step, reviewer, **needs(step, survivor.ref))  # type: ignore[arg-type]
        await mail(app, "alice")
        if (start, to) in ALLOWED:
            moved = await reviews.move(topic.ref, to, reviewer, **needs(to, survivor.ref))  # type: ignore[arg-type]
            assert (moved.before, moved.topic.status) == (start, to)
            assert len(await mail(app, "alice")) == 1
        else:
            with pytest.raises(TopicError) as refused:
                await reviews.move(topic.ref, to, reviewer, **needs(to, survivor.ref))  # type: ignore[arg-type]
            assert refused.value.key == "topics.review.refused"
            assert (await service.get(topic.ref)).status is start  # type: ignore[union-attr]
            assert await mail(app, "alice") == []


async def test_moves_need_their_reason_outcome_and_target(app) -> None:
    reviews, reviewer = TopicReviews.of(app), await staff(app)
    topic = await new_topic(app)
    for to, key in (
        (S.DECLINED, "topics.review.needs_note.declined"),
        (S.MERGED, "topics.review.needs_target"),
    ):
        with pytest.raises(TopicError) as missing:
            await reviews.move(topic.ref, to, reviewer, note="  ")
        assert missing.value.key == key
    with pytest.raises(TopicError) as itself:
        await reviews.move(topic.ref, S.MERGED, reviewer, into=topic.ref)
    assert itself.value.key == "topics.review.merge_self"
    await reviews.move(topic.ref, S.ACCEPTED, reviewer)
    with pytest.raises(TopicError) as no_outcome:
        await reviews.move(topic.ref, S.DONE, reviewer)
    assert no_outcome.value.key == "topics.review.needs_note.done"


async def test_a_resident_or_director_cannot_review(app, person) -> None:
    topic = await new_topic(app)
    for who in ("dan", "sanmen-director"):
        someone = person(who)
        assert "街道工作人员" in texts(await someone.send(f"/review {topic.ref}"))
        assert "街道工作人员" in texts(await someone.send("审议议题"))
        assert "街道工作人员" in texts(await someone.press(f"tpr:{topic.ref}"))
        user = await app.users.find("console", who)
        with pytest.raises(TopicError) as refused:
            await TopicReviews.of(app).move(topic.ref, S.ACCEPTED, user)
        assert refused.value.key == "topics.review.staff_only"
    assert (await TopicService.of(app).get(topic.ref)).status is S.SUBMITTED  # type: ignore[union-attr]
    assert "审议" not in [o.label for r in await person("dan").send("/topics 1") for o in r.options]


async def test_staff_accept_in_chat_and_the_submitter_is_told_in_their_language(
    app, person
) -> None:
    alice = person("alice", "Alice")
    await alice.send("/lang en")
    topic = await new_topic(app, "alice", "Alice")
    reviewer = person("staff")
    moves = await reviewer.press(f"tpr:{topic.ref}")  # the button names the topic: not re-asked
    assert "电梯噪音扰民" in texts(moves)
    assert [o.label for o in moves[-1].options] == ["已采纳", "已合并", "暂不采纳"]
    assert "哪天" in texts(await reviewer.send("已采纳"))
    assert "已经过去" in texts(await reviewer.send("2026-07-01"))
    await reviewer.send("7月25日")
    await reviewer.send("跳过")
    summary = await reviewer.send("修改")
    assert "要修改" in summary[0].text
    await reviewer.send("说明")
    await reviewer.send("请物业公司到会说明情况")
    done = await reviewer.send("确认提交")
    assert "「待审」→「已采纳」" in texts(done)

    told = await mail(app, "alice")
    assert told == [
        f'Your topic {topic.ref} "电梯噪音扰民" was accepted by the 物业服务提升专委会 and will be'
        " discussed at the meeting on 2026-07-25.\nNote: 请物业公司到会说明情况"
    ]
    history = await TopicReviews.of(app).history(topic)
    assert [(h["from_status"], h["to_status"], h["reviewer"]) for h in history] == [
        ("submitted", "accepted", "console:staff")
    ]
    assert (
        history[0]["at"] == "2026-07-18T02:00:00+00:00"
        and history[0]["meeting_date"] == "2026-07-25"
    )


async def test_staff_decline_and_close_in_chat_ask_for_reason_and_outcome(app, person) -> None:
    declined, accepted = await new_topic(app, title="小区门口摆摊"), await new_topic(app)
    reviewer = person("staff")
    await reviewer.send(f"/review {declined.ref}")
    await reviewer.press(declined.ref)
    assert "理由" in texts(await reviewer.send("暂不采纳"))
    await reviewer.send("属于城管执法范围，已转交")
    await reviewer.send("确认提交")
    await TopicReviews.of(app).move(accepted.ref, S.ACCEPTED, await staff(app))
    await reviewer.send("/review")
    await reviewer.send(accepted.ref.lower())
    moves = await reviewer.send("已办结")
    assert "办理结果" in texts(moves)
    await reviewer.send("物业已更换电梯曳引机，噪音明显降低")
    await reviewer.send("确认提交")
    told = await mail(app, "alice")
    assert "暂不采纳" in told[0] and "理由：属于城管执法范围，已转交" in told[0]
    assert "采纳" in told[1] and "会议日期待定" in told[1]
    assert "告诉" not in told[1]  # no date is ever sent later, so none is promised
    assert "已办结" in told[2] and "办理结果：物业已更换电梯曳引机" in told[2]
    again = await reviewer.send(f"/review {accepted.ref}")
    assert (
        "要审议哪个议题" in texts(again) and again[-1].options == ()
    )  # a done topic is not prefilled
    assert "不能再变更" in texts(await reviewer.send(accepted.ref))


async def test_merge_points_the_submitter_at_the_surviving_topic(app, person) -> None:
    survivor = await new_topic(app, "alice", title="电梯噪音扰民")
    merged = await new_topic(app, "bob", "鲍师傅", title="五号楼电梯太吵")
    carol = person("carol")
    await carol.send(f"/support {merged.ref}")
    reviewer = person("staff")
    await reviewer.press(f"tpr:{merged.ref}")
    await reviewer.press(merged.ref)
    await reviewer.send("已合并")
    assert "不能把议题合并到它自己" in texts(await reviewer.send(merged.ref))
    assert "说明" in texts(await reviewer.send(survivor.ref))
    await reviewer.send("跳过")
    await reviewer.send("确认提交")

    service = TopicService.of(app)
    after = await service.get(merged.ref)
    assert after is not None and (after.status, after.merged_into) == (S.MERGED, survivor.ref)
    parcels = await app.outbox.claim("console", "test", chat_id="bob")
    told = parcels[0].reply
    assert survivor.ref in told.text and "电梯噪音扰民" in told.text
    target = await service.get(survivor.ref)
    assert target is not None and target.supports == 2  # carol's support and bob came along
    assert told.options[0].value == f"tp:v:{target.id}"
    card = await person("bob").press(told.options[0].value)
    assert survivor.ref in card[0].text and card[0].options[0].label == "取消附议"
    assert "已并入议题" in texts(await person("bob").press(f"tp:v:{merged.id}"))


async def test_merging_into_a_closed_topic_is_refused(app) -> None:
    reviews, reviewer = TopicReviews.of(app), await staff(app)
    closed, topic = await new_topic(app, title="已经关闭的议题"), await new_topic(app)
    await reviews.move(closed.ref, S.DECLINED, reviewer, note="重复")
    with pytest.raises(TopicError) as refused:
        await reviews.move(topic.ref, S.MERGED, reviewer, into=closed.ref)
    assert refused.value.key == "topics.review.merge_closed"


async def test_supporting_twice_counts_once_and_can_be_taken_back(app, person) -> None:
    topic = await new_topic(app)
    dan = person("dan")
    first = await dan.press(f"tp:s:{topic.id}")
    assert "共有 1 人附议" in texts(first) and first[0].options[0].value == f"tp:u:{topic.id}"
    assert "每人只算一次" in texts(await dan.press(f"tp:s:{topic.id}"))
    assert "每人只算一次" in texts(await dan.send(f"/support {topic.ref}"))
    assert (await TopicService.of(app).get(topic.ref)).supports == 1  # type: ignore[union-attr]
    assert "共有 0 人附议" in texts(await dan.send(f"/unsupport {topic.ref}"))
    assert "还没有附议" in texts(await dan.press(f"tp:u:{topic.id}"))
    assert "议题编号" in texts(await dan.send("/support"))
    assert "没有找到" in texts(await dan.send("/support YT-20990101-0001"))


async def test_closed_topics_cannot_be_supported_and_are_not_listed(app, person) -> None:
    reviews = TopicReviews.of(app)
    declined, open_one = await new_topic(app, title="小区门口摆摊"), await new_topic(app)
    await reviews.move(declined.ref, S.DECLINED, await staff(app), note="不属于专委会职责")
    assert "不能再附议" in texts(await person("dan").press(f"tp:s:{declined.id}"))
    listing = texts(await person("dan").send("/topics 物业服务提升专委会"))
    assert open_one.ref in listing and declined.ref not in listing


async def test_topics_lists_most_supported_first_with_counts(app, person) -> None:
    quiet, popular = await new_topic(app, title="垃圾分类点太远"), await new_topic(app)
    for who in ("u1", "u2"):
        await person(who).press(f"tp:s:{popular.id}")
    await person("u1").press(f"tp:s:{quiet.id}")
    choose = await person("dan").send("/topics")
    assert [o.value for o in choose[0].options] == ["tp:c:1", "tp:c:2", "tp:c:3"]
    listing = await person("u1").press("tp:c:1")
    assert "2 条" in listing[0].text
    assert popular.ref in listing[1].text and "附议 2 人" in listing[1].text
    assert quiet.ref in listing[2].text and "附议 1 人" in listing[2].text
    assert listing[1].options[0].label == "取消附议"  # u1 already supports it
    staff_view = await person("staff").send("/topics 1")
    assert [o.label for o in staff_view[1].options] == ["附议", "审议"]
    assert "没有正在征集" in texts(await person("dan").send("/topics 2"))
    assert "没有找到" in texts(await person("dan").send("/topics 不存在的委员会"))


async def agenda_topics(app) -> dict[str, Topic]:  # type: ignore[no-untyped-def]
    """Accepted topics for two meetings and none; supporters make the order."""
    service, reviewer = TopicService.of(app), await staff(app)
    reviews = TopicReviews.of(app)
    plan = {
        "one": ("2026-07-25", 1, False),
        "three": ("2026-07-25", 3, True),
        "two": ("2026-07-25", 2, False),
        "later": ("2026-08-01", 5, False),
        "undated": (None, 0, False),
    }
    made = {}
    for name, (meeting, supporters, anonymous) in plan.items():
        topic = await new_topic(
            app, f"by-{name}", f"提出人{name}", title=f"议题{name}", anonymous=anonymous
        )
        day = date.fromisoformat(meeting) if meeting else None
        await reviews.move(topic.ref, S.ACCEPTED, reviewer, meeting=day)
        for n in range(supporters):
            await service.support(topic.id, await app.users.ensure("console", f"fan{n}"))
        made[name] = topic
    await new_topic(app, title="还在待审的议题")
    other = await new_topic(app, committee_id=2, title="别的专委会的议题")
    await reviews.move(other.ref, S.ACCEPTED, reviewer, meeting=date(2026, 7, 25))
    return made


async def test_agenda_has_the_meetings_accepted_topics_most_supported_first(app) -> None:
    made = await agenda_topics(app)
    service = TopicService.of(app)
    meeting, chosen = await service.agenda(1, date(2026, 7, 25))
    assert meeting == date(2026, 7, 25)
    assert [t.title for t in chosen] == ["议题three", "议题two", "议题one", "议题undated"]
    assert await service.agenda(1, None) == (meeting, chosen)  # the next meeting by default
    _, august = await service.agenda(1, date(2026, 8, 1))
    assert [t.title for t in august] == ["议题later", "议题undated"]
    _, past = await service.agenda(1, date(2026, 7, 1))
    assert past == []

    agenda = Agenda("物业服务提升专委会", meeting, chosen, "zh", ZoneInfo("Asia/Shanghai"))
    md = render(agenda, "md")
    assert md.startswith("# 物业服务提升专委会 会议议程")
    refs = [made[n].ref for n in ("three", "two", "one", "undated")]
    assert [md.index(f"| {ref} |") for ref in refs] == sorted(
        md.index(f"| {ref} |") for ref in refs
    )
    assert "| 1 | " + made["three"].ref + " | 议题three | 3 | 匿名 |" in md
    assert "提出人three" not in md and DETAILS in md
    rows = list(csv.reader(io.StringIO(render(agenda, "csv"))))
    assert rows[0][:3] == ["序号", "编号", "议题"] and [r[1] for r in rows[1:]] == refs
    body = json.loads(render(agenda, "json"))
    assert body["meeting"] == "2026-07-25" and [t["supports"] for t in body["topics"]] == [
        3,
        2,
        1,
        0,
    ]
    assert body["topics"][0]["submitter"] == "匿名"


async def test_review_without_a_reference_offers_the_waiting_topics_and_counts_true_steps(
    app, person
) -> None:
    first, second = await new_topic(app, title="小区门口摆摊"), await new_topic(app)
    reviewer = person("staff")
    ask = await reviewer.send("/review")
    assert "【审议议题 第1步】" in texts(ask)  # what follows depends on the decision
    assert [o.value for o in ask[-1].options] == [first.ref, second.ref]
    assert "小区门口摆摊" in ask[-1].options[0].label
    moves = await reviewer.send("2")
    assert "【审议议题 第2步】" in texts(moves) and second.ref in texts(moves)
    meeting = await reviewer.send("已采纳")
    assert "【审议议题 3/4】" in texts(meeting)
    assert "【审议议题 4/4】" in texts(await reviewer.send("跳过"))


async def test_review_with_nothing_waiting_says_so(app, person) -> None:
    replies = await person("staff").send("/review")
    assert "没有等待审议的议题" in texts(replies)
    assert "要审议哪个议题" not in texts(replies)


async def test_a_decision_word_that_fits_two_moves_is_asked_again(app, person) -> None:
    topic = await new_topic(app)
    reviewer = person("staff")
    await reviewer.send(f"/review {topic.ref}")
    again = texts(await reviewer.send("采纳"))
    assert "可能是指" in again and "已采纳" in again and "暂不采纳" in again
    still = await TopicService.of(app).get(topic.ref)
    assert still is not None and still.status is S.SUBMITTED


async def test_a_submitter_cannot_support_their_own_topic(app, person) -> None:
    topic = await new_topic(app)
    alice = person("alice")
    refused = texts(await alice.press(f"tp:s:{topic.id}"))
    assert "您自己提交的议题" in refused
    assert "您自己提交的议题" in texts(await alice.send(f"/support {topic.ref}"))
    assert (await TopicService.of(app).get(topic.ref)).supports == 0  # type: ignore[union-attr]
    listing = await alice.send("/topics 1")
    assert topic.ref in listing[1].text and listing[1].options == ()
