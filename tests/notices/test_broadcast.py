"""/broadcast: compose → targets with counts → exact preview → confirm → sent, report, 收到."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.messages import Chat, ChatKind, FileRef, Reply
from bot.notices.scheduler import Scheduler
from bot.outbox import reply_from_json
from bot.platforms.console import ConsoleIdentity
from bot.platforms.postman import Postman
from tests.conftest import juwei
from tests.notices.fakes import Recorder, outbox_rows, texts

SH = ZoneInfo("Asia/Shanghai")
RESIDENT_GROUPS = {"sanmen-residents", "gaoxiong-residents", "xier-residents"}
TEXT = "本周六上午9点在小区门口开展消防安全宣传，欢迎居民参加。"


def number(sending: str) -> int:
    """The notice number in 通知 #N 开始发送…"""
    match = re.search(r"#(\d+)", sending)
    assert match is not None, sending
    return int(match.group(1))


def group(chat_id: str) -> Chat:
    return Chat("console", chat_id, ChatKind.GROUP)


async def compose(staff, *, ack: str = "不需要", urgent: str = "普通") -> list[Reply]:  # type: ignore[no-untyped-def]
    """Walks the flow to its summary; returns the replies to the last answer."""
    await staff.send("/broadcast")
    await staff.send(TEXT)
    targets = await staff.send("跳过")
    labels = [o.label for o in targets[-1].options]
    assert labels[:4] == [
        "所有群（5个）",
        "所有居民群（3个）",
        "居委会主任群（1个）",
        "街道工作人员群（1个）",
    ]
    assert "三门居委会的群（1个）" in labels
    await staff.send("所有居民群")
    await staff.send(ack)
    return await staff.send(urgent)


async def deliver(app) -> Recorder:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    await Postman(app.outbox, app.chats, recorder, worker="test").deliver_due()
    return recorder


async def test_preview_is_exactly_what_the_groups_get(app, person) -> None:
    staff = person("staff")
    replies = await compose(staff, ack="需要，没确认的群到时提醒一次")
    intro, preview, summary = replies[0], replies[1], replies[-1]
    assert "3 个群" in intro.text
    assert "请核对" in summary.text and "所有居民群（3个）" in summary.text
    assert summary.options[0].label == "确认提交"
    sending = texts(await staff.send("确认提交"))
    assert "开始发送到 3 个群" in sending
    assert "0 个群" not in sending  # nothing held, nothing unreachable: not said
    rows = await outbox_rows(app)
    assert {r["chat_id"] for r in rows} == RESIDENT_GROUPS
    sent = reply_from_json(str(rows[0]["payload"]))
    assert sent.text == preview.text and TEXT in sent.text
    assert [o.label for o in sent.options] == [o.label for o in preview.options] == ["收到"]
    assert preview.options[0].value == "ack:preview"
    assert "预览" in texts(await staff.press("ack:preview"))


async def test_a_photo_goes_with_it(app, person) -> None:
    staff = person("staff")
    await staff.send("/broadcast")
    await staff.send(TEXT)
    await staff.deliver({"photo": FileRef("console", "poster.jpg", "poster.jpg", "image/jpeg")})
    await staff.send("所有居民群")
    await staff.send("不需要")
    replies = await staff.send("普通")
    assert replies[1].photo is not None and replies[1].photo.ref is not None
    await staff.send("确认提交")
    sent = reply_from_json(str((await outbox_rows(app))[0]["payload"]))
    assert sent.photo == replies[1].photo


async def test_sender_gets_progress_then_a_delivery_report(app, person) -> None:
    scheduler = Scheduler(app, paused=True)
    await scheduler.start()
    try:
        staff = person("staff")
        await compose(staff)
        notice_id = number(texts(await staff.send("确认提交")))
        recorder = Recorder(refuse={"xier-residents"})
        await Postman(app.outbox, app.chats, recorder, worker="t").deliver_due()
        await scheduler.sweep()
        report = [reply_from_json(str(r["payload"])).text for r in await outbox_rows(app, "staff")]
        assert len(report) == 1
        assert "共 3 个群：已发出 2，失败 0，群已不可用 1，等待发送 0" in report[0]
        await scheduler.sweep()
        assert len(await outbox_rows(app, "staff")) == 1  # one report only
        shown = texts(await staff.send(f"/notices {notice_id}"))
        assert "已发出 2" in shown
    finally:
        await scheduler.stop()


async def test_progress_while_sending(app, person) -> None:
    staff = person("staff")
    await compose(staff)
    await staff.send("确认提交")
    claimed = await app.outbox.claim("console", "slow", chat_id="sanmen-residents")
    await app.outbox.mark_sent(claimed[0].id)
    scheduler = Scheduler(app, paused=True)
    await scheduler.start()
    try:
        await scheduler.sweep()
        (progress,) = await outbox_rows(app, "staff")
        assert "已发出 1/3" in reply_from_json(str(progress["payload"])).text
    finally:
        await scheduler.stop()


async def test_quiet_hours_hold_it_unless_urgent(app, person, clock: FakeClock) -> None:
    clock.set(datetime(2026, 7, 18, 22, 30, tzinfo=SH).astimezone(UTC))
    staff = person("staff")
    replies = await compose(staff)
    assert "免打扰" in texts(replies) and "08:00" in texts(replies)
    assert "3 个群等免打扰时段结束后发出" in texts(await staff.send("确认提交"))
    assert len((await deliver(app)).sent) == 0
    clock.set(datetime(2026, 7, 19, 8, 0, tzinfo=SH).astimezone(UTC))
    assert {chat for chat, _ in (await deliver(app)).sent} == RESIDENT_GROUPS

    clock.set(datetime(2026, 7, 19, 23, 0, tzinfo=SH).astimezone(UTC))
    await compose(staff, urgent="紧急，夜间也立即发")
    await staff.send("确认提交")
    urgent = await deliver(app)
    assert {chat for chat, _ in urgent.sent} == RESIDENT_GROUPS
    assert all(reply.urgent for _, reply in urgent.sent)


async def test_acknowledgements_and_one_reminder_to_groups_that_have_not(
    app, person, clock: FakeClock
) -> None:
    staff = person("staff")
    await compose(staff, ack="需要，没确认的群到时提醒一次")
    notice_id = number(texts(await staff.send("确认提交")))
    sent = await deliver(app)
    assert len(sent.sent) == 3
    button = sent.sent[0][1].options[0]
    assert button.label == "收到" and button.value.startswith("ack:")

    wang = person("wang", "王阿姨", chat=group("sanmen-residents"))
    assert "王阿姨 已确认收到" in texts(await wang.press(button.value))
    assert "已经确认过" in texts(await wang.press(button.value))
    clock.advance(timedelta(minutes=1))
    li = person("li", "李师傅", chat=group("gaoxiong-residents"))
    assert "李师傅 已确认收到" in texts(await li.send("收到"))  # WeCom: no buttons, just the word
    assert texts(await li.send("收到")) == ""  # silent: people say 收到 to each other too

    shown = texts(await staff.send(f"/notices {notice_id}"))
    assert "已确认收到（2人）：王阿姨（三门居民区居民群）、李师傅（高雄居民区居民群）" in shown
    assert "还没有人确认的群（1个）：西二居民区居民群" in shown

    scheduler = Scheduler(app, paused=True)
    await scheduler.start()
    try:
        clock.advance(timedelta(minutes=118))
        await scheduler.sweep()
        assert (
            await outbox_rows(app, "xier-residents")
            and len(await outbox_rows(app, "xier-residents")) == 1
        )
        clock.advance(timedelta(minutes=2))
        await scheduler.sweep()
        await scheduler.sweep()
        reminders = [
            (r["chat_id"], reply_from_json(str(r["payload"])))
            for r in await outbox_rows(app)
            if str(r["dedup_key"]).startswith("ack-remind:")
        ]
        assert [chat for chat, _ in reminders] == ["xier-residents"]
        assert "还没有人确认收到" in reminders[0][1].text and TEXT in reminders[0][1].text
        assert reminders[0][1].options[0].value == button.value
        status = reply_from_json(str((await outbox_rows(app, "staff"))[-1]["payload"])).text
        assert "还没有人确认的群（1个）：西二居民区居民群" in status
    finally:
        await scheduler.stop()

    zhao = person("zhao", "赵老师", chat=group("xier-residents"))
    assert "已确认收到" in texts(await zhao.press(button.value))


async def test_residents_cannot_broadcast_and_empty_targets_are_refused(app, person) -> None:
    assert "权限" in texts(await person("lin").send("/broadcast"))
    await app.chats.deactivate(group("staff-group").address, "removed")
    staff = person("staff")
    await staff.send("/broadcast")
    await staff.send(TEXT)
    await staff.send("跳过")
    refused = texts(await staff.send("街道工作人员群"))
    assert "还没有机器人所在的群" in refused


async def test_the_reminder_counts_from_when_quiet_hours_let_it_out(
    app, person, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 7, 18, 22, 30, tzinfo=SH).astimezone(UTC))
    staff = person("staff")
    await compose(staff, ack="需要，没确认的群到时提醒一次")
    await staff.send("确认提交")
    scheduler = Scheduler(app, paused=True)
    await scheduler.start()

    async def reminded() -> set[str]:
        await scheduler.sweep()
        return {
            str(r["chat_id"])
            for r in await outbox_rows(app)
            if str(r["dedup_key"]).startswith("ack-remind:")
        }

    try:
        clock.set(datetime(2026, 7, 19, 1, 0, tzinfo=SH).astimezone(UTC))
        assert await reminded() == set()  # nobody has it yet: nothing to remind of
        clock.set(datetime(2026, 7, 19, 8, 0, tzinfo=SH).astimezone(UTC))
        assert len((await deliver(app)).sent) == 3
        clock.set(datetime(2026, 7, 19, 9, 59, tzinfo=SH).astimezone(UTC))
        assert await reminded() == set()
        clock.set(datetime(2026, 7, 19, 10, 0, tzinfo=SH).astimezone(UTC))
        assert await reminded() == RESIDENT_GROUPS
    finally:
        await scheduler.stop()


async def test_a_button_pressed_in_a_chat_the_notice_did_not_reach_records_nothing(
    app, person
) -> None:
    staff = person("staff")
    await compose(staff, ack="需要，没确认的群到时提醒一次")
    notice_id = number(texts(await staff.send("确认提交")))
    button = (await deliver(app)).sent[0][1].options[0]
    outsider = person("zhou", "周先生", chat=group("directors-group"))
    assert "没有需要确认" in texts(await outsider.press(button.value))
    assert "已确认收到（0人）" in texts(await staff.send(f"/notices {notice_id}"))


async def test_a_shou_dao_before_the_notice_reaches_the_group_is_not_counted(
    app, person, clock: FakeClock
) -> None:
    """Held by quiet hours, the notice is not in the group yet: 收到 there acknowledges nothing."""
    clock.set(datetime(2026, 7, 18, 22, 30, tzinfo=SH).astimezone(UTC))
    staff = person("staff")
    await compose(staff, ack="需要，没确认的群到时提醒一次")
    notice_id = number(texts(await staff.send("确认提交")))
    held = reply_from_json(str((await outbox_rows(app, "sanmen-residents"))[0]["payload"]))
    wang = person("wang", "王阿姨", chat=group("sanmen-residents"))
    assert texts(await wang.send("收到")) == ""  # silent, as for any 收到 between neighbours
    assert "没有需要确认" in texts(await wang.press(held.options[0].value))
    report = texts(await staff.send(f"/notices {notice_id}"))
    assert "已发出 0" in report and "已确认收到（0人）" in report

    clock.set(datetime(2026, 7, 19, 8, 0, tzinfo=SH).astimezone(UTC))
    assert len((await deliver(app)).sent) == 3
    assert "王阿姨 已确认收到" in texts(await wang.send("收到"))
    report = texts(await staff.send(f"/notices {notice_id}"))
    assert "已发出 3" in report and "已确认收到（1人）：王阿姨（三门居民区居民群）" in report


async def test_the_report_names_groups_by_title_after_someone_spoke_there_on_the_console(
    app, person
) -> None:
    """A console session in a group used to rename it to its id (sanmen-residents)."""
    staff = person("staff")
    await compose(staff, ack="需要，没确认的群到时提醒一次")
    notice_id = number(texts(await staff.send("确认提交")))
    await deliver(app)
    in_group = ConsoleIdentity("wang", "王阿姨", chat_id="sanmen-residents", group=True)
    assert "已确认收到" in texts(await person("wang", "王阿姨", chat=in_group.chat).send("收到"))
    done = juwei(app.settings.db_path, "notices", "report", str(notice_id))
    assert done.returncode == 0, done.stderr
    printed = done.stdout
    assert "王阿姨（三门居民区居民群）" in printed and "sanmen-residents" not in printed
    assert "高雄居民区居民群" in printed  # not acknowledged yet, named by title too
