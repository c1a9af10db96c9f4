"""/events, /mysignups, /newevent and the staff commands, as people on the console."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from bot.app import App
from bot.clock import FakeClock
from bot.events.model import NewEvent
from bot.events.service import Events
from bot.messages import Chat, ChatKind, Reply
from tests.conftest import Person, take_mail

Make = Callable[..., Person]

START = datetime(2026, 7, 25, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai


def texts(replies: Sequence[Reply]) -> str:
    return "\n".join(r.text for r in replies)


async def make_event(app: App, **changes: object) -> int:
    details = {"title": "拥军慰问活动", "starts_at": START, "place": "三门居委会活动室"}
    details.update(changes)
    event = await Events.of(app).create(NewEvent(**details), by="test")  # type: ignore[arg-type]
    return event.id


async def mail(app, chat: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.reply.text for p in await take_mail(app, chat)]


async def test_sign_up_from_the_list_with_a_party(app: App, person: Make) -> None:
    await make_event(app, title="消防演练", starts_at=START + timedelta(days=1))
    event_id = await make_event(app, capacity=10, max_party=3)
    alice = person("alice", "王阿姨")
    first = await alice.send("/events")
    assert "请选择要报名的活动" in texts(first)
    labels = [o.label for o in first[-1].options]
    assert labels[0].startswith(f"#{event_id} 拥军慰问活动")  # the earliest first
    assert "称呼" in texts(await alice.send("1"))
    party = await alice.send("王阿姨")  # no phone asked: this event does not need one
    assert "几位" in texts(party) and [o.label for o in party[-1].options] == ["1", "2", "3"]
    summary = await alice.send("2")
    assert "拥军慰问活动" in summary[0].text and "人数：2" in summary[0].text
    done = await alice.send("确认提交")
    reply = done[-1]
    assert "报名成功" in reply.text and "人数：2 人" in reply.text
    assert reply.document is not None and reply.document.mime_type == "text/calendar"
    assert reply.document.data is not None
    (item,) = Calendar.from_ical(reply.document.data).walk("VEVENT")
    assert item.decoded("DTSTART") == START and str(item["SUMMARY"]) == "拥军慰问活动"
    roster = await Events.of(app).roster(event_id)
    assert roster is not None and [(x.signup.name, x.signup.party) for x in roster.confirmed] == [
        ("王阿姨", 2)
    ]


async def test_phone_asked_only_when_required_and_offered_from_join(app: App, person: Make) -> None:
    event_id = await make_event(app, phone_required=True)
    bob = person("bob", "Bob")
    await bob.send("/join")
    await bob.send("三门")
    await bob.send("老李")
    await bob.send("13812345678")
    await bob.send("确认提交")
    card = await bob.send(f"/events {event_id}")
    assert "拥军慰问活动" in card[0].text and "称呼" in texts(card)
    assert [o.label for o in card[-1].options] == ["老李"]
    phone = await bob.press("老李")
    assert "手机号" in texts(phone) and [o.value for o in phone[-1].options] == ["13812345678"]
    bad = await bob.send("12345")
    assert "11位" in texts(bad)
    summary = await bob.press("13812345678")
    assert "13812345678" in summary[0].text
    done = await bob.send("1")
    assert "报名成功" in texts(done)
    roster = await Events.of(app).roster(event_id)
    assert roster is not None and roster.confirmed[0].signup.phone == "13812345678"


async def test_full_event_puts_people_on_the_waiting_list(app: App, person: Make) -> None:
    event_id = await make_event(app, capacity=1)
    for n, name in enumerate(["甲", "乙", "丙"]):
        who = person(f"w{n}")
        await who.send(f"/events {event_id}")
        await who.send(name)
        done = await who.send("确认提交")
    assert "候补名单第 2 位" in texts(done)
    listing = await person("w9").send("/events")
    assert "已满" in listing[-1].options[0].label


async def test_signing_up_again_offers_party_change_or_cancel(app: App, person: Make) -> None:
    event_id = await make_event(app, capacity=3, max_party=3)
    carol = person("carol")
    await carol.send(f"/events {event_id}")
    await carol.send("卡罗")
    await carol.send("1")
    await carol.send("确认提交")
    again = await carol.send(f"/events {event_id}")
    assert "您已报名成功，共 1 人" in texts(again)
    assert [o.value for o in again[-1].options] == ["party", "cancel"]
    assert "几位" in texts(await carol.send("修改人数"))
    await carol.send("3")
    changed = await carol.send("确认提交")
    assert "已修改" in texts(changed) and "共 3 人" in texts(changed)
    # From the list, the same event is marked and leads to the same choice.
    listing = await carol.send("/events")
    assert "已报名" in listing[-1].options[0].label
    action = await carol.send("1")
    assert "修改人数" in texts(action)
    await carol.send("取消报名")
    cancelled = await carol.send("确认提交")
    assert "已取消「拥军慰问活动」的报名" in texts(cancelled)
    assert await Events.of(app).seats_taken(event_id) == 0


async def test_mysignups_cancel_promotes_and_tells_the_next(app: App, person: Make) -> None:
    event_id = await make_event(app, capacity=1)
    dan, eve = person("dan"), person("eve")
    for who, name in ((dan, "老丁"), (eve, "小叶")):
        await who.send(f"/events {event_id}")
        await who.send(name)
        await who.send("确认提交")
    listing = await dan.send("/mysignups")
    assert "已报名 1 人" in texts(listing) and "签到码" in texts(listing)
    await dan.send("1")
    await dan.send("取消报名")
    done = await dan.send("确认提交")
    assert "已取消" in texts(done)
    told = await mail(app, "eve")
    assert any("从候补转为报名成功" in t for t in told)
    assert "没有报名任何活动" in texts(await dan.send("/mysignups"))
    eve_now = await eve.send("/mysignups")
    assert "已报名 1 人" in texts(eve_now)


async def test_deadline_and_cancelled_event_answer_clearly(
    app: App, person: Make, clock: FakeClock
) -> None:
    closing = await make_event(app, deadline=START - timedelta(days=3))
    dropped = await make_event(app, title="夏季消防宣传")
    await Events.of(app).cancel_event(dropped)
    clock.set(START - timedelta(days=2))
    fay = person("fay")
    late = await fay.send(f"/events {closing}")
    assert "报名已于 2026-07-22 14:00 截止" in texts(late)
    gone = await fay.send(f"/events {dropped}")
    assert "已经取消" in texts(gone)
    assert "没有可以报名的活动" in texts(await fay.send("/events"))
    assert "没有找到这个活动" in texts(await fay.send("/events 999"))
    assert await app.db.scalar("SELECT COUNT(*) FROM signups") == 0


async def test_an_event_closing_mid_flow_is_refused_at_the_end(
    app: App, person: Make, clock: FakeClock
) -> None:
    deadline = START - timedelta(days=3)
    event_id = await make_event(app, deadline=deadline)
    clock.set(deadline - timedelta(minutes=10))
    gus = person("gus")
    await gus.send(f"/events {event_id}")
    await gus.send("阿古")
    clock.set(deadline)
    done = await gus.send("确认提交")
    assert "截止" in texts(done)
    assert await app.db.scalar("SELECT COUNT(*) FROM signups") == 0


async def test_events_in_a_group_points_to_the_private_chat(app: App, person: Make) -> None:
    event_id = await make_event(app)
    group = Chat("console", "sanmen-residents", ChatKind.GROUP, "三门居民区居民群")
    app.deep_linkers["console"] = lambda payload: f"https://t.me/juwei_bot?start={payload}"
    replies = await person("hal", chat=group).send(f"/events {event_id}")
    assert replies[0].links[0].url == f"https://t.me/juwei_bot?start=ev_{event_id}"
    # The link opens the flow at that event.
    opened = await person("hal").send(f"/start ev_{event_id}")
    assert "拥军慰问活动" in opened[0].text and "称呼" in texts(opened)


async def test_staff_create_an_event_with_newevent(app: App, person: Make) -> None:
    resident = person("ivy")
    assert "需要「街道工作人员」权限" in texts(await resident.send("/newevent"))
    staff = person("staff")
    await staff.send("/newevent")
    await staff.send("消防安全培训")
    await staff.send("请穿便于活动的衣服")
    await staff.send("7月25日下午2点")
    end_refused = await staff.send("7月25日下午1点")
    assert "结束时间要晚于开始时间" in texts(end_refused)
    await staff.send("7月25日下午4点")
    await staff.send("街道社区文化活动中心")
    await staff.send("30")
    deadline_refused = await staff.send("7月26日 9:00")
    assert "不能晚于活动开始时间" in texts(deadline_refused)
    await staff.send("7月24日 18:00")
    await staff.send("2")
    await staff.send("三门")
    summary = await staff.send("需要")
    assert "消防安全培训" in summary[0].text and "三门居委会" in summary[0].text
    done = await staff.send("确认提交")
    assert "已发布" in texts(done)
    (event,) = await Events.of(app).listing()
    assert (event.capacity, event.max_party, event.phone_required) == (30, 2, True)
    assert event.committee_names == ("三门",)
    assert event.ends_at == START + timedelta(hours=2)
    assert event.deadline == START - timedelta(hours=20)


async def test_roster_checkin_announce_message_and_cancel(app: App, person: Make) -> None:
    event_id = await make_event(app, capacity=1)
    jay, kim = person("jay"), person("kim")
    for who, name in ((jay, "小杰"), (kim, "阿金")):
        await who.send(f"/events {event_id}")
        await who.send(name)
        await who.send("确认提交")
    staff = person("staff")
    assert "权限" in texts(await jay.send(f"/roster {event_id}"))
    roster = await staff.send(f"/roster {event_id}")
    body = texts(roster)
    assert "已报名 1 组共 1 人（名额 1）" in body and "候补 1 组共 1 人" in body
    assert "小杰" in body and "阿金" in body
    assert [o.value.split(":")[0] for o in roster[-1].options] == ["evci"]
    pressed = await staff.press(roster[-1].options[0].value)
    assert "签到成功：小杰" in texts(pressed)
    assert "已签到 1 人" in texts(await staff.send(f"/roster {event_id}"))
    kim_code = (await Events.of(app).roster(event_id)).waiting[0].signup.code  # type: ignore[union-attr]
    assert "候补名单" in texts(await staff.send(f"/checkin {kim_code}"))
    assert "没有这个签到码" in texts(await staff.send("/checkin ZZZZZZ"))

    announced = await staff.send(f"/announce {event_id} 三门")
    assert "已发到 1 个群" in texts(announced)
    posted = await mail(app, "sanmen-residents")
    assert "拥军慰问活动" in posted[0] and f"/events {event_id}" in posted[0]
    app.deep_linkers["console"] = lambda payload: f"https://t.me/juwei_bot?start={payload}"
    await staff.send(f"/announce {event_id}")  # all residents' groups, with a 报名 button
    parcels = await app.outbox.claim("console", "test", chat_id="xier-residents")
    assert parcels[0].reply.links[0].label == "报名"
    assert parcels[0].reply.links[0].url.endswith(f"start=ev_{event_id}")

    sent = await staff.send(f"/eventmsg {event_id} 请提前十分钟到场")
    assert "1 位报名者" in texts(sent)
    assert any("请提前十分钟到场" in t for t in await mail(app, "jay"))
    assert not any("请提前十分钟到场" in t for t in await mail(app, "kim"))

    cancelled = await staff.send(f"/cancelevent {event_id}")
    assert "已通知 2 位" in texts(cancelled)
    assert any("已取消" in t for t in await mail(app, "kim"))
    assert "之前已经取消" in texts(await staff.send(f"/cancelevent {event_id}"))


async def test_english_speakers_get_english(app: App, person: Make) -> None:
    event_id = await make_event(app)
    lee = person("lee")
    await lee.send("/lang en")
    await lee.send(f"/events {event_id}")
    await lee.send("Lee")
    done = await lee.send("1")
    assert "You're signed up!" in texts(done) and "Places: unlimited" in texts(done)


async def test_moving_the_start_past_the_end_is_re_asked_not_lost(app: App, person: Make) -> None:
    """Editing the start at the summary is checked against the end and deadline already given."""
    staff = person("staff")
    for said in ("/newevent", "消防安全培训", "跳过", "7月25日下午2点", "7月25日下午4点"):
        await staff.send(said)
    for said in ("街道社区文化活动中心", "30", "7月24日 18:00", "2", "三门", "需要", "修改"):
        await staff.send(said)
    await staff.send("开始时间")
    refused = texts(await staff.send("7月25日下午5点"))
    assert "结束时间要晚于开始时间" in refused
    assert "截止" in texts(await staff.send("7月24日 17:00"))
    summary = texts(await staff.send("7月25日下午3点"))
    assert "请核对" in summary and "消防安全培训" in summary
    assert "已发布" in texts(await staff.send("确认提交"))
    (event,) = await Events.of(app).listing()
    assert event.starts_at == datetime(2026, 7, 25, 7, 0, tzinfo=UTC)


async def test_roster_in_groups_and_at_the_door(app: App, person: Make, clock: FakeClock) -> None:
    """Names and codes stay out of every group; a just-started event is still listed."""
    event_id = await make_event(app)
    mo = person("mo")
    for said in (f"/events {event_id}", "莫阿姨", "确认提交"):
        await mo.send(said)
    for group in ("sanmen-residents", "staff-group"):  # people join and leave groups
        in_group = person("staff", chat=Chat("console", group, ChatKind.GROUP))
        shown = await in_group.send(f"/roster {event_id}")
        assert "私聊" in texts(shown) and f"/roster {event_id}" in texts(shown)
        assert "莫阿姨" not in texts(shown) and not shown[-1].options
    staff = person("staff")
    assert "用法" in texts(await staff.send("/roster 拥军"))
    clock.set(START + timedelta(minutes=10))
    at_the_door = await staff.send("/roster")
    assert "莫阿姨" in texts(at_the_door) and at_the_door[-1].options


async def test_a_party_size_said_in_a_sentence_is_understood(app: App, person: Make) -> None:
    event_id = await make_event(app, capacity=10, max_party=3)
    alice = person("alice", "王阿姨")
    await alice.send(f"/events {event_id}")
    await alice.send("王阿姨")
    summary = await alice.send("我和老伴两个人")
    assert "人数：2" in summary[0].text
    assert "报名成功" in texts(await alice.send("确认提交"))
    roster = await Events.of(app).roster(event_id)
    assert roster is not None and [x.signup.party for x in roster.confirmed] == [2]


async def test_a_short_answer_fitting_two_options_is_asked_again_naming_both(
    app: App, person: Make
) -> None:
    staff = person("staff")
    answers = ["/newevent", "消防安全培训", "请穿便于活动的衣服", "7月25日下午2点"]
    answers += ["7月25日下午4点", "街道社区文化活动中心", "30", "7月24日 18:00", "2", "三门"]
    for answer in answers:
        await staff.send(answer)
    again = texts(await staff.send("要"))
    assert "可能是指" in again and "需要" in again and "不需要" in again
    summary = await staff.send("需要")
    assert "消防安全培训" in summary[0].text


async def new_event_until(staff: Person, *answers: str) -> list[Reply]:
    """/newevent with a title and no description, then the given answers; the last replies."""
    replies: list[Reply] = []
    for said in ("/newevent", "消防安全培训", "跳过", *answers):
        replies = await staff.send(said)
    return replies


async def test_typing_1_at_an_optional_count_is_one_place_not_skip(app: App, person: Make) -> None:
    staff = person("staff")
    asked = await new_event_until(staff, "2026-12-12 09:30", "11:00", "社区文化活动中心")
    assert "最多多少人" in texts(asked) and [o.label for o in asked[-1].options] == ["跳过"]
    deadline = await staff.send("1")
    assert "报名截止时间" in texts(deadline)
    max_party = await staff.send("跳过")
    assert "最多可以带几人" in texts(max_party)
    await staff.send("1")  # one person per sign-up, typed, not 跳过
    await staff.send("全部")
    summary = texts(await staff.send("不需要"))
    assert "名额：1" in summary and "每次最多人数：1" in summary
    assert "（未填写）" not in summary.split("名额")[1].splitlines()[0]
    await staff.send("确认提交")
    (event,) = await Events.of(app).listing()
    assert event.capacity == 1 and event.max_party == 1


async def test_skip_at_a_count_still_means_unlimited(app: App, person: Make) -> None:
    staff = person("staff")
    await new_event_until(staff, "2026-12-12 09:30", "跳过", "社区文化活动中心")
    assert "报名截止时间" in texts(await staff.send("skip"))
    summary = texts(await new_event_until_summary(staff))
    assert "名额：（未填写）" in summary


async def new_event_until_summary(staff: Person) -> list[Reply]:
    """From the deadline on: no deadline, one person a sign-up, everyone, no phone."""
    replies: list[Reply] = []
    for said in ("跳过", "跳过", "全部", "不需要"):
        replies = await staff.send(said)
    return replies


async def test_a_number_typed_at_a_choice_picks_the_button_shown_with_that_number(
    app: App, person: Make
) -> None:
    """Committee options carry ids as values; 2 is the second button (三门), not id 2."""
    staff = person("staff")
    await new_event_until(staff, "2026-12-12 09:30", "跳过", "社区文化活动中心")
    for said in ("跳过", "跳过", "跳过"):
        await staff.send(said)
    summary = texts(await staff.send("2") + await staff.send("不需要"))
    assert "三门居委会" in summary


async def test_an_end_time_alone_is_on_the_day_it_starts(app: App, person: Make) -> None:
    for end, shown in (("11:00", "11:00"), ("11点", "11:00"), ("中午11点", "11:00")):
        staff = person("staff")
        replies = await new_event_until(staff, "2026-12-12 09:30", end)
        assert "结束时间要晚于开始时间" not in texts(replies), end
        assert "活动地点在哪里" in texts(replies), texts(replies)
        await staff.send("社区文化活动中心")
        await staff.send("跳过")  # places
        summary = texts(await new_event_until_summary(staff))
        assert f"结束时间：2026-12-12 {shown}" in summary, summary
        await staff.send("取消")


async def test_a_bare_hour_for_an_event_is_the_afternoon_and_the_summary_says_so(
    app: App, person: Make
) -> None:
    staff = person("staff")
    await new_event_until(staff, "12月12日3点", "5点半", "社区文化活动中心", "跳过")
    summary = texts(await new_event_until_summary(staff))
    assert "开始时间：2026-12-12 15:00（没写上午下午，按下午理解" in summary
    assert "结束时间：2026-12-12 17:30（没写上午下午" in summary
    # Corrected at the summary: a morning written out is taken as written, the note goes.
    await staff.send("修改")
    await staff.send("开始时间")
    fixed = texts(await staff.send("12月12日上午9点"))
    assert "开始时间：2026-12-12 09:00" in fixed
    assert "开始时间：2026-12-12 09:00（" not in fixed
    assert "已发布" in texts(await staff.send("确认提交"))
    (event,) = await Events.of(app).listing()
    assert event.starts_at == datetime(2026, 12, 12, 1, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2026, 12, 12, 9, 30, tzinfo=UTC)


async def test_events_before_joining_points_to_join_with_a_button(app: App, person: Make) -> None:
    sanmen = (await app.committees.residents())[0]
    await make_event(app, committee_ids=(sanmen.id,))
    newcomer = person("newcomer")
    replies = await newcomer.send("/events")
    assert "还没有加入居委会" in texts(replies) and "/join" in texts(replies)
    assert "现在没有可以报名的活动" not in texts(replies)
    (button,) = replies[-1].options
    assert button.label == "加入居委会"
    assert "请选择您所在的居民区" in texts(await newcomer.press(button.value))
    for said in ("三门", "小周", "跳过", "确认提交"):
        await newcomer.send(said)
    listed = await newcomer.send("/events")
    assert "请选择要报名的活动" in texts(listed)


async def test_events_before_joining_lists_events_open_to_everyone(app: App, person: Make) -> None:
    await make_event(app)
    assert "请选择要报名的活动" in texts(await person("newcomer").send("/events"))


async def test_a_member_with_nothing_to_sign_up_for_is_told_so(app: App, person: Make) -> None:
    member = person("member")
    for said in ("/join", "三门", "老周", "跳过", "确认提交"):
        await member.send(said)
    shown = texts(await member.send("/events"))
    assert "现在没有可以报名的活动" in shown and "还没有加入" not in shown


async def test_nothing_open_at_all_still_offers_join_to_someone_not_joined(
    app: App, person: Make
) -> None:
    replies = await person("newcomer").send("/events")
    assert "现在没有可以报名的活动" in texts(replies) and "还没有加入居委会" in texts(replies)
    assert [o.label for o in replies[-1].options] == ["加入居委会"]
