"""/report (上报隐患) through the router and engine: every input kind, the same-place question."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest

from bot.chats import Tag
from bot.hazards.model import Category, Status
from bot.hazards.repo import Filters, NewReport
from bot.hazards.service import HazardService
from bot.messages import Chat, ChatKind, FileRef, Location
from bot.roles import Role
from bot.users import User
from conversations.steps import DONE, SKIP

REF = re.compile(r"YH-20260718-\d{4}")  # the fixture clock is 2026-07-18 10:00 in Shanghai


def texts(replies) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(r.text for r in replies)


async def queued(app, chat: str):  # type: ignore[no-untyped-def]
    """What waits for a console chat, taken as delivered."""
    parcels = await app.outbox.claim("console", "test", chat_id=chat)
    for parcel in parcels:
        await app.outbox.mark_sent(parcel.id)
    return parcels


async def photo(who, name: str):  # type: ignore[no-untyped-def]
    return await who.deliver({"photo": FileRef("console", name, name, "image/jpeg")})


async def file_report(
    who,
    *,
    category: str = "1",
    committee: str = "三门",
    address: str = "三门小区 5号楼 2单元 一楼楼道",
    description: str = "楼道里停了三辆电动车在充电",
    urgency: str = "一般",
):  # type: ignore[no-untyped-def]
    await who.send("/report")
    await who.send(category)
    await who.send(committee)
    await who.send(address)
    await who.send(description)
    await who.send("跳过")
    await who.send(urgency)
    return await who.send("确认提交")


@pytest.mark.both_engines  # the console story on both engines
async def test_every_step_by_number_label_text_and_photos(app, person) -> None:
    alice = person("alice", "王阿姨")
    first = await alice.send("/report")
    assert len(first[0].options) == 7 and "电动自行车" in first[0].options[0].label
    committees = await alice.send("1")  # a category by its number
    assert [o.label for o in committees[0].options] == ["三门居委会", "高雄居委会", "西二居委会"]
    assert "具体位置" in texts(await alice.send("高雄"))  # a committee by its label
    assert "描述" in texts(await alice.send("高雄新村 12号楼 3单元 楼道"))
    assert "照片" in texts(await alice.send("楼道里堆满了纸箱和旧家具"))
    assert "第 1 张" in texts(await photo(alice, "p1.jpg"))
    assert "第 2 张" in texts(await photo(alice, "p2.jpg"))
    urgency = await alice.press(DONE)
    assert [o.value for o in urgency[0].options] == ["urgent", "normal"]
    summary = await alice.send("2")
    assert "照片：2 张" in summary[0].text and "高雄居委会" in summary[0].text
    done = await alice.send("确认提交")
    ref = REF.search(texts(done))
    assert ref is not None and "119" not in texts(done)

    report = await HazardService.of(app).by_ref(ref.group())
    assert report is not None
    assert (report.category, report.committee_name, report.status) == (
        Category.EBIKE,
        "高雄",
        Status.SUBMITTED,
    )
    assert report.address == "高雄新村 12号楼 3单元 楼道" and report.photo_count == 2
    assert not report.urgent and report.latitude is None
    announced = await queued(app, "staff-group")
    assert len(announced) == 1 and ref.group() in announced[0].reply.text
    assert "王阿姨" not in announced[0].reply.text and not announced[0].reply.urgent
    assert await queued(app, "gaoxiong-residents") == []


async def test_location_skip_and_urgent(app, person) -> None:
    bob = person("bob")
    await bob.send("/report")
    await bob.send("5")
    await bob.send("1")
    short = await bob.send("5号")
    assert "至少需要 4 个字" in texts(short)  # re-asked with the reason
    await bob.deliver({"location": Location(31.2043, 121.4921, "")})
    too_short = await bob.send("漏气")
    assert "至少需要 5 个字" in texts(too_short)
    await bob.send("闻到很重的燃气味")
    not_photo = await bob.send("没有")
    assert "请发送照片" in texts(not_photo)
    await bob.press(SKIP)
    await bob.send("紧急")
    done = await bob.send("1")
    assert "119" in texts(done)
    report = (await HazardService.of(app).search(Filters()))[0]
    assert report.urgent and report.photo_count == 0
    assert (report.latitude, report.longitude) == (31.2043, 121.4921)
    announced = await queued(app, "staff-group")
    assert announced[0].reply.urgent and "紧急" in announced[0].reply.text


async def test_back_and_cancel_save_nothing(app, person) -> None:
    carol = person("carol")
    await carol.send("/report")
    await carol.send("2")
    back = await carol.send("上一步")
    assert "隐患类别" in back[0].text and "群租房" in back[0].text
    await carol.send("群租房")
    cancelled = await carol.send("取消")
    assert "已取消" in texts(cancelled)
    assert await HazardService.of(app).search(Filters()) == []


async def test_own_committee_first_and_a_director_reports_for_their_own(app, person) -> None:
    dan = person("dan")
    await dan.send("/join")
    await dan.send("西二")
    await dan.send("老丁")
    await dan.send("跳过")
    await dan.send("确认提交")
    await dan.send("/report")
    options = await dan.send("1")
    assert options[0].options[0].label == "西二居委会" and len(options[0].options) == 3
    director = person("gaoxiong-director")
    await director.send("/report")
    only = await director.send("1")
    assert [o.label for o in only[0].options] == ["高雄居委会"]


async def test_in_a_group_it_moves_to_the_private_chat(app, person) -> None:
    group = Chat("console", "sanmen-residents", ChatKind.GROUP, "三门居民区居民群")
    eve = person("eve", chat=group)
    replies = await eve.send("/report")
    assert "私聊" in replies[0].text


async def fill_report(
    who,
    *,
    category: str = "1",
    address: str = "三门小区5号楼2单元一楼",
    description: str = "又看到有人在楼道里给电动车充电",
):  # type: ignore[no-untyped-def]
    """Everything up to the urgency answer; what comes back is the next question."""
    await who.send("/report")
    await who.send(category)
    await who.send("三门")
    await who.send(address)
    await who.send(description)
    await photo(who, "second.jpg")
    await who.press(DONE)
    return await who.send("一般")


async def test_same_place_is_one_yes_no_step_before_the_summary_and_yes_adds_a_supplement(
    app, person
) -> None:
    first = person("first", "张三")
    filed = texts(await file_report(first))
    ref = REF.search(filed).group()  # type: ignore[union-attr]
    await queued(app, "staff-group")

    second = person("second")
    question = await fill_report(second)  # written differently, same place
    assert "【上报隐患 7/7】" in texts(question) and "同一处" in texts(question)
    shown = texts(question)
    assert ref in shown and "电动自行车" in shown and "待受理" in shown
    # Never the other person's words or exact address.
    assert "三辆电动车" not in texts(question) and "一楼楼道" not in texts(question)
    assert [o.label for o in question[-1].options] == ["是", "否"]
    summary = await second.send("是同一处")
    assert "是否同一处：是" in texts(summary) and "确认提交" in summary[-1].options[0].label
    done = await second.send("确认提交")
    assert f"补充到报告 {ref}" in texts(done)

    service = HazardService.of(app)
    assert len(await service.search(Filters())) == 1
    report = await service.by_ref(ref)
    assert report is not None and report.photo_count == 1
    history = await service.history(report)
    assert [e.kind for e in history] == ["filed", "supplement"]
    assert history[1].note == "又看到有人在楼道里给电动车充电"
    told = await queued(app, "staff-group")
    assert len(told) == 1 and "补充" in told[0].reply.text


@pytest.mark.parametrize(("said", "files_new"), [("是", False), ("否", True), ("不是", True)])
async def test_same_place_takes_plain_yes_and_no(app, person, said: str, files_new: bool) -> None:
    await file_report(person("first"))
    second = person("second")
    await fill_report(second, address="三门小区 5号楼 2单元 二楼")
    summary = await second.send(said)
    assert f"是否同一处：{'否' if files_new else '是'}" in texts(summary)
    done = texts(await second.send("确认提交"))
    if files_new:
        assert REF.search(done).group().endswith("0002")  # type: ignore[union-attr]
    else:
        assert "补充到报告 YH-20260718-0001" in done


@pytest.mark.both_engines  # the console story on both engines
async def test_a_supplementing_resident_hears_later_progress(app, person) -> None:
    ref = REF.search(texts(await file_report(person("first")))).group()  # type: ignore[union-attr]
    second = person("second")
    await fill_report(second)
    await second.send("是")
    await second.send("确认提交")
    await queued(app, "second")
    service = HazardService.of(app)
    report = await service.by_ref(ref)
    assert report is not None
    await service.move(None, report.id, Status.ACCEPTED, "明天上门查看")
    told = await queued(app, "second")
    assert len(told) == 1
    assert ref in told[0].reply.text and "已受理" in told[0].reply.text
    assert "明天上门查看" in told[0].reply.text and not told[0].reply.options


async def test_never_asked_for_elderly_people_living_alone(app, person) -> None:
    await file_report(person("first"), category="6", description="独居的李老伯家里煤气味很重")
    second = person("second")
    summary = await fill_report(second, category="6", address="三门小区 5号楼 2单元 一楼楼道")
    assert "同一处" not in texts(summary) and "请核对" in texts(summary)
    done = texts(await second.send("确认提交"))
    assert REF.search(done).group().endswith("0002")  # type: ignore[union-attr]


async def test_editing_the_address_away_drops_the_question(app, person) -> None:
    await file_report(person("first"))
    second = person("second")
    await fill_report(second)
    await second.send("是")
    await second.send("修改")
    await second.send("地址")
    summary = await second.send("西藏南路 1200 弄 8 号后门")
    assert "同一处" not in texts(summary)
    done = texts(await second.send("确认提交"))
    assert REF.search(done).group().endswith("0002")  # type: ignore[union-attr]


async def test_no_question_for_other_category_place_committee_or_old_reports(
    app, person, clock
) -> None:
    await file_report(person("first"))
    for who, kwargs in (
        ("a", {"category": "2"}),
        ("b", {"committee": "高雄"}),
        ("c", {"address": "西藏南路 1200 弄 8 号后门"}),
    ):
        assert REF.search(texts(await file_report(person(who), **kwargs)))  # type: ignore[arg-type]
    clock.advance(timedelta(days=31))
    done = await file_report(person("late"))
    assert "同一处" not in texts(done) and "YH-20260818" in texts(done)


@pytest.mark.parametrize("word", ["电瓶车", "电动车", "电驴", "楼道里电瓶车充电"])
async def test_everyday_words_for_e_bikes_pick_the_e_bike_category(app, person, word: str) -> None:
    alice = person("alice")
    await alice.send("/report")
    committees = await alice.send(word)
    assert "居委会" in texts(committees) and len(committees[-1].options) == 3
    await alice.send("三门")
    await alice.send("三门小区 5号楼 楼道")
    await alice.send("楼道里停了电动车")
    await alice.send("跳过")
    summary = await alice.send("一般")
    assert "类别：电动自行车违规停放/充电" in texts(summary)


async def test_a_word_that_fits_two_categories_is_asked_again_naming_both(app, person) -> None:
    alice = person("alice")
    await alice.send("/report")
    again = texts(await alice.send("电瓶车和杂物"))
    assert "可能是指" in again and "电动自行车" in again and "消防通道/楼道堆物" in again
    assert "请选择" in again or "类别" in again


def clutter_at_sanmen(user: User) -> NewReport:
    """A plain report, filed straight through the service."""
    return NewReport(
        Category.OTHER, 1, "三门小区 1号楼", None, None, "门口堆了杂物", False,
        user.id, user.ref, [],
    )  # fmt: skip


@pytest.mark.both_engines  # the console story on both engines
async def test_finish_twice_files_once(app, person) -> None:
    service = HazardService.of(app)
    user = await app.users.ensure("console", "zed")
    new = clutter_at_sanmen(user)
    one = await service.file(new, "instance-1")
    two = await service.file(new, "instance-1")
    assert one.ref == two.ref
    assert len(await queued(app, "staff-group")) == 1


@pytest.mark.both_engines  # the console story on both engines
async def test_concurrent_reports_get_distinct_numbers(app) -> None:
    service = HazardService.of(app)
    user = await app.users.ensure("console", "zed")
    new = clutter_at_sanmen(user)
    reports = await asyncio.gather(*(service.file(new, f"run-{n}") for n in range(12)))
    refs = sorted(r.ref for r in reports)
    assert refs == [f"YH-20260718-{n:04d}" for n in range(1, 13)]


async def test_elderly_reports_never_reach_groups_residents_read(app, person) -> None:
    mixed = Chat("console", "mixed-group", ChatKind.GROUP, "三门工作与居民群")
    await app.chats.bind(mixed, None, [Tag.STAFF, Tag.RESIDENTS])
    await file_report(
        person("amy"), category="独居孤寡老人安全", description="楼上独居老人两天没开门了"
    )
    assert len(await queued(app, "staff-group")) == 1
    assert await queued(app, "mixed-group") == []
    await file_report(person("ben"), category="2", description="这套房子住了十几个人")
    assert len(await queued(app, "mixed-group")) == 1


async def test_english_reporter(app, person) -> None:
    hal = person("hal")
    await hal.send("/lang en")
    first = await hal.send("/report")
    assert "What kind of hazard" in first[0].text
    await hal.send("7")
    await hal.send("1")
    await hal.send("Sanmen compound, building 3")
    await hal.send("Gas pipe is rusty and smells")
    await hal.send("skip")
    await hal.send("Urgent")
    done = await hal.send("1")
    assert "filed as YH-" in texts(done) and "call 119" in texts(done)
    staff = await queued(app, "staff-group")
    assert "（紧急）" in staff[0].reply.text and staff[0].reply.urgent  # the group's language


async def test_role_of_reporter_does_not_matter(app, person) -> None:
    await app.users.grant("console", "clerk", Role.STAFF, None, by="test")
    assert REF.search(texts(await file_report(person("clerk"))))
