"""/poll (意见征询) in chat: codes, answers and changes, the deadline, lock-out and privacy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.messages import Chat, ChatKind, Reply
from bot.polls.service import ALWAYS, Polls
from tests.polls.conftest import Building, make_building


def texts(replies: Sequence[Reply]) -> str:
    return "\n".join(r.text for r in replies)


async def answer(who, code: str, choice: str) -> str:  # type: ignore[no-untyped-def]
    shown = texts(await who.send(f"/poll {code}"))
    shown += texts(await who.send(choice))
    return shown + texts(await who.send("确认提交"))


async def test_a_household_code_shows_building_room_and_question_and_records_the_answer(
    app, person, five_story: Building
) -> None:
    resident = person("r301")
    asked = await resident.send(f"/poll {five_story.codes['301'].lower()}")  # any case
    assert "三门小区5号楼 301室" in asked[0].text and "加装电梯意向征询" in asked[0].text
    assert "意向征询" in asked[0].text and "不是正式表决" in asked[0].text
    assert [o.label for o in asked[0].options] == ["同意", "不同意", "弃权"]
    summary = await resident.send("同意")
    assert "三门小区5号楼 301室" in summary[0].text and "同意" in summary[0].text
    done = texts(await resident.send("确认提交"))
    assert "已记录：三门小区5号楼 301室「同意」" in done
    assert "截止后公布" in done  # the running totals are not for residents yet
    tally = await Polls.of(app).tally(five_story.poll)
    assert tally.participated.count == 1 and tally.agreed.count == 1


async def test_typing_the_menu_word_asks_for_the_code_then_takes_it(
    app, person, five_story: Building
) -> None:
    resident = person("r101")
    assert "户号码" in texts(await resident.send("意见征询"))
    assert "101室" in texts(await resident.send(five_story.codes["101"]))
    await resident.send("不同意")
    assert "「不同意」" in texts(await resident.send("确认提交"))


async def test_the_groups_link_opens_the_poll_and_asks_for_a_code_of_that_poll_only(
    app, person, five_story: Building
) -> None:
    other = await make_building(app)
    resident = person("r201")
    assert "户号码" in texts(await resident.send(f"/start poll_{five_story.poll.id}"))
    assert "不正确" in texts(await resident.send(other.codes["201"]))
    assert "201室" in texts(await resident.send(five_story.codes["201"]))


async def test_an_answer_changed_before_the_deadline_replaces_the_earlier_one(
    app, clock, person, five_story: Building
) -> None:
    resident = person("r501")
    await answer(resident, five_story.codes["501"], "同意")
    clock.advance(timedelta(days=2))
    neighbour = person("r501-spouse")  # the same household, from another account
    again = await neighbour.send(f"/poll {five_story.codes['501']}")
    assert "之前的意见是「同意」" in texts(again)
    await neighbour.send("弃权")
    assert "已修改" in texts(await neighbour.send("确认提交"))
    tally = await Polls.of(app).tally(five_story.poll)
    assert tally.participated.count == 1 and tally.abstained == 1 and tally.agreed.count == 0


async def test_after_the_deadline_answers_are_refused_and_nothing_changes(
    app, clock, person
) -> None:
    five_story = await make_building(app, lasts=timedelta(minutes=20))
    early = person("r101")
    await answer(early, five_story.codes["101"], "同意")
    late = person("r201")
    await late.send(f"/poll {five_story.codes['201']}")
    await late.send("同意")  # the form waits at its summary while the deadline passes
    await early.send(f"/poll {five_story.codes['101']}")
    await early.send("不同意")
    clock.advance(timedelta(minutes=21))
    assert "已截止" in texts(await late.send("确认提交"))
    assert "已截止" in texts(await early.send("确认提交"))
    assert "已截止" in texts(await person("r301").send(f"/poll {five_story.codes['301']}"))
    rows = {h.room: h.choice for h in await Polls.of(app).households(five_story.poll.id)}
    assert rows == {"101": "agree", "201": None, "301": None, "401": None, "501": None, "601": None}


async def test_a_wrong_code_is_refused_without_naming_any_code(
    app, person, five_story: Building
) -> None:
    said = texts(await person("guess").send("/poll ABCD2345"))
    assert "户号码不正确" in said
    assert not any(code in said for code in five_story.codes.values())
    assert "101" not in said


async def test_five_wrong_codes_within_an_hour_lock_the_person_out_for_an_hour(
    app, clock, person, five_story: Building
) -> None:
    guesser = person("guesser")
    await guesser.send("/poll")
    for n in range(4):
        assert "户号码不正确" in texts(await guesser.send(f"WRONG{n:03d}"))
        clock.advance(timedelta(minutes=5))
    assert "一小时后再试" in texts(await guesser.send("WRONG999"))
    # Locked: even the right code is refused, and nothing is revealed about it.
    right = texts(await guesser.send(five_story.codes["401"]))
    assert "一小时后再试" in right and "401" not in right
    clock.advance(timedelta(minutes=59))
    assert "一小时后再试" in texts(await guesser.send("/poll " + five_story.codes["401"]))
    clock.advance(timedelta(minutes=2))
    assert "401室" in texts(await guesser.send("/poll " + five_story.codes["401"]))
    # Someone else was never locked.
    assert "601室" in texts(await person("r601").send("/poll " + five_story.codes["601"]))


async def test_wrong_codes_spread_over_more_than_an_hour_do_not_lock(
    app, clock, person, five_story: Building
) -> None:
    careless = person("careless")
    for n in range(8):
        assert "户号码不正确" in texts(await careless.send(f"/poll WRONG{n:03d}"))
        clock.advance(timedelta(minutes=20))
    assert "101室" in texts(await careless.send("/poll " + five_story.codes["101"]))


async def test_status_with_missing_rooms_and_owners_is_for_staff_and_that_directors_only(
    app, person, five_story: Building
) -> None:
    await answer(person("r101"), five_story.codes["101"], "同意")
    poll_id = five_story.poll.id
    director = texts(await person("sanmen-director").send(f"/poll status {poll_id}"))
    assert "参与：1/6 户" in director and "尚未答复的 5 户" in director
    assert "601室　王五" in director and "201室　李四" in director
    assert "101室" not in director  # answered: not on the list of doors to knock on
    staff = texts(await person("staff").send(f"/poll status {poll_id}"))
    assert "601室　王五" in staff
    other = texts(await person("gaoxiong-director").send(f"/poll status {poll_id}"))
    assert "只有街道工作人员和本居委会主任" in other and "王五" not in other
    resident = texts(await person("r101").send(f"/poll status {poll_id}"))
    assert "居委会主任" in resident and "王五" not in resident and "参与" not in resident
    group = Chat("console", "directors-group", ChatKind.GROUP)
    in_group = texts(await person("sanmen-director", chat=group).send(f"/poll status {poll_id}"))
    assert "私聊" in in_group and "王五" not in in_group and "601" not in in_group


async def test_residents_see_the_totals_only_after_the_deadline(
    app, clock, person, five_story: Building
) -> None:
    resident = person("r101")
    await answer(resident, five_story.codes["101"], "同意")
    before = texts(await resident.send(f"/poll result {five_story.poll.id}"))
    assert "截止后公布" in before and "参与" not in before
    clock.advance(timedelta(days=8))
    after = texts(await resident.send(f"/poll result {five_story.poll.id}"))
    assert "参与：1/6 户" in after and "同意：1/1 户" in after
    assert "张三" not in after and "101" not in after  # totals, never who


async def test_a_poll_with_public_totals_shows_them_on_answering(app, person) -> None:
    building = await make_building(app, totals=ALWAYS)
    done = await answer(person("r201"), building.codes["201"], "同意")
    assert "参与：1/6 户" in done and "李四" not in done


async def test_a_code_typed_in_a_group_is_not_read(app, person, five_story: Building) -> None:
    group = Chat("console", "sanmen-residents", ChatKind.GROUP)
    said = texts(await person("r101", chat=group).send(f"/poll {five_story.codes['101']}"))
    assert "私聊" in said and "101室" not in said
    assert (await Polls.of(app).tally(five_story.poll)).participated.count == 0


async def test_a_simple_poll_takes_one_answer_per_resident_and_counts_each_option(
    app, person
) -> None:
    committee = await app.committees.resident_by_name("三门")
    assert committee is not None
    service = Polls.of(app)
    poll = await service.create_simple(
        title="重阳节活动选哪天？",
        committee_id=committee.id,
        options=["周六上午", "周日下午"],
        chat_ids=[],
        deadline=app.clock.now() + timedelta(days=3),
        totals_public=ALWAYS,
        by="test",
    )
    alice = person("alice")
    await alice.send("/join")
    await alice.send("三门")
    await alice.send("王阿姨")
    await alice.send("跳过")
    await alice.send("确认提交")
    asked = await alice.send(f"/poll {poll.id}")
    assert "重阳节活动选哪天" in texts(asked)
    assert [o.label for o in asked[-1].options] == ["周六上午", "周日下午"]
    await alice.send("周日下午")
    assert "周日下午：1 人" in texts(await alice.send("确认提交"))
    await alice.send(f"/poll {poll.id}")
    await alice.send("周六上午")
    changed = texts(await alice.send("确认提交"))
    assert "已修改" in changed and "周六上午：1 人" in changed and "周日下午：0 人" in changed
    stranger = texts(await person("nobody").send(f"/poll {poll.id}"))
    assert "面向三门居民区" in stranger
    assert await service.option_counts(poll) == [("周六上午", 1), ("周日下午", 0)]


async def test_the_faq_answer_on_vote_thresholds_points_to_consultations(app, person) -> None:
    said = texts(await person("asker").send("需要多少业主同意才能装电梯"))
    assert "2/3" in said and "3/4" in said
    assert "意见征询" in said and "/poll" in said
