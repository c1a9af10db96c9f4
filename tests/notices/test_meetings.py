"""/meeting: announced at once, reminded 1 day and 2 hours before; reschedule and cancel follow."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.notices.meetings import MeetingService
from bot.notices.repo import NoticeRepo, Status, Targets
from bot.notices.scheduler import Scheduler
from bot.outbox import reply_from_json
from tests.notices.fakes import outbox_rows, texts

SH = ZoneInfo("Asia/Shanghai")
RESIDENT_GROUPS = {"sanmen-residents", "gaoxiong-residents", "xier-residents"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH).astimezone(UTC)


def shown(moment: datetime | None) -> str:
    assert moment is not None
    return moment.astimezone(SH).strftime("%m-%d %H:%M")


@pytest.fixture
async def scheduler(app):  # type: ignore[no-untyped-def]
    started = Scheduler(app, paused=True)
    await started.start()
    yield started
    await started.stop()


async def messages(app, marker: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    found = {}
    for row in await outbox_rows(app):
        text = reply_from_json(str(row["payload"])).text
        if marker in text:
            found[str(row["chat_id"])] = text
    return found


async def call_meeting(staff) -> list:  # type: ignore[no-untyped-def]
    await staff.send("/meeting")
    await staff.send("三季度消防安全委员会会议")
    await staff.send("7月25日 14:00")
    targets = await staff.send("社区平安办会议室")
    assert "所有居民群（3个）" in [o.label for o in targets[-1].options]
    summary = await staff.send("所有居民群")
    assert "请核对" in summary[-1].text and "2026-07-25 14:00" in summary[-1].text
    return await staff.send("确认提交")


async def reminder_jobs(app, scheduler, meeting_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    reminders = await MeetingService(app).reminders(meeting_id)
    jobs = scheduler.jobs()
    return [shown(jobs.get(f"notice:{n.id}")) for n in reminders if f"notice:{n.id}" in jobs]


async def test_a_meeting_is_announced_and_reminded_a_day_and_two_hours_before(
    app, person, scheduler, clock: FakeClock
) -> None:
    done = texts(await call_meeting(person("staff")))
    assert "已通知 3 个群" in done and "/reschedule 1" in done
    announced = await messages(app, "【会议通知】")
    assert set(announced) == RESIDENT_GROUPS
    assert "2026-07-25 14:00" in announced["sanmen-residents"]
    assert "社区平安办会议室" in announced["sanmen-residents"]
    assert await reminder_jobs(app, scheduler, 1) == ["07-24 14:00", "07-25 12:00"]

    clock.set(at("2026-07-24 14:00"))
    await scheduler.sweep()
    assert set(await messages(app, "明天开会")) == RESIDENT_GROUPS
    clock.set(at("2026-07-25 12:00"))
    await scheduler.sweep()
    assert set(await messages(app, "今天开会")) == RESIDENT_GROUPS
    assert await reminder_jobs(app, scheduler, 1) == []


async def test_rescheduling_moves_the_reminders_and_tells_the_groups(
    app, person, scheduler, clock: FakeClock
) -> None:
    staff = person("staff")
    await call_meeting(staff)
    ask = texts(await staff.send("/reschedule 1"))
    assert "三季度消防安全委员会会议" in ask and "2026-07-25 14:00" in ask
    await staff.send("7月27日 15:00")
    moved = texts(await staff.send("确认提交"))
    assert "已改到 2026-07-27 15:00" in moved
    assert await reminder_jobs(app, scheduler, 1) == ["07-26 15:00", "07-27 13:00"]
    told = await messages(app, "【会议改期】")
    assert set(told) == RESIDENT_GROUPS
    assert "原定 2026-07-25 14:00，改为 2026-07-27 15:00" in told["xier-residents"]

    # The old reminder times pass without anything being sent.
    clock.set(at("2026-07-24 14:30"))
    await scheduler.sweep()
    assert await messages(app, "明天开会") == {}

    # A reminder already sent is sent again for the new time.
    clock.set(at("2026-07-26 15:00"))
    await scheduler.sweep()
    assert len(await messages(app, "明天开会")) == 3
    await MeetingService(app).reschedule(1, at("2026-07-29 09:30"))
    assert await reminder_jobs(app, scheduler, 1) == ["07-28 09:30", "07-29 07:30"]
    clock.set(at("2026-07-28 09:30"))
    await scheduler.sweep()
    rows = [
        r for r in await outbox_rows(app) if "明天开会" in reply_from_json(str(r["payload"])).text
    ]
    assert len(rows) == 6 and "2026-07-29 09:30" in reply_from_json(str(rows[-1]["payload"])).text


async def test_cancelling_stops_the_reminders_and_tells_the_groups(
    app, person, scheduler, clock: FakeClock
) -> None:
    staff = person("staff")
    await call_meeting(staff)
    listed = await staff.send("/meetings")
    assert "三季度消防安全委员会会议" in listed[0].text
    assert [o.value for o in listed[0].options] == ["meeting:move:1", "meeting:cancel:1"]
    sure = await staff.press("meeting:cancel:1")
    assert sure[0].options[0].value == "meeting:cancelyes:1"
    assert "已取消" in texts(await staff.press("meeting:cancelyes:1"))
    assert set(await messages(app, "【会议取消】")) == RESIDENT_GROUPS
    assert await reminder_jobs(app, scheduler, 1) == []
    reminders = await MeetingService(app).reminders(1)
    assert {n.status for n in reminders} == {Status.CANCELLED}
    clock.set(at("2026-07-24 14:00"))
    await scheduler.sweep()
    assert await messages(app, "明天开会") == {}
    assert "没有找到" in texts(await staff.send("/cancelmeeting 1"))
    assert "没有即将召开" in texts(await staff.send("/meetings"))


async def test_the_move_button_starts_rescheduling(app, person, scheduler) -> None:
    staff = person("staff")
    await call_meeting(staff)
    ask = await staff.press("meeting:move:1")
    assert "改到什么时候" in texts(ask)


async def test_saving_a_meeting_twice_makes_one(app) -> None:
    service = MeetingService(app)
    args = dict(
        title="年中工作会议", starts_at=at("2026-07-30 09:00"), place="街道三楼会议室",
        targets=Targets(everyone=True), created_by="console:staff", instance="run-1",
    )  # fmt: skip
    first, sent = await service.create(**args)  # type: ignore[arg-type]
    second, again = await service.create(**args)  # type: ignore[arg-type]
    assert first.id == second.id and sent is not None and again is None
    assert len(await NoticeRepo(app.db, app.clock).for_meeting(first.id)) == 3


async def test_residents_cannot_call_meetings(person) -> None:
    assert "权限" in texts(await person("lin").send("/meeting"))
    assert "权限" in texts(await person("lin").press("meeting:cancelyes:1"))


async def test_a_move_or_a_cancellation_reads_with_one_heading(app, person, scheduler) -> None:
    staff = person("staff")
    await call_meeting(staff)
    await staff.send("/reschedule 1")
    await staff.send("7月27日 15:00")
    await staff.send("确认提交")
    await staff.send("/cancelmeeting 1")
    for marker in ("【会议改期】", "【会议取消】"):
        told = (await messages(app, marker))["sanmen-residents"]
        assert told.startswith(marker), told
        assert told.count("三季度消防安全委员会会议") == 1, told


async def test_a_reminder_is_not_sent_once_the_meeting_has_begun(app, person, clock) -> None:
    await call_meeting(person("staff"))  # 2026-07-25 14:00; reminded at 12:00
    clock.set(at("2026-07-25 14:30"))  # the bot was down from before 12:00 until now
    restarted = Scheduler(app, paused=True)
    outcome = await restarted.start()
    await restarted.stop()
    assert await messages(app, "今天开会") == {}
    # The day-before reminder, and the 12:00 one: within the grace period but after the start.
    assert outcome.missed == 2


async def test_a_cancelled_meetings_reminder_never_goes_out(
    app, person, scheduler, clock: FakeClock
) -> None:
    await call_meeting(person("staff"))
    # A cancellation cut short: the meeting is marked cancelled, its reminders still active.
    await app.db.execute("UPDATE meetings SET status = 'cancelled' WHERE id = 1")
    clock.set(at("2026-07-24 14:00"))
    await scheduler.sweep()
    assert await messages(app, "明天开会") == {}
    assert {n.status for n in await MeetingService(app).reminders(1)} == {Status.CANCELLED}


async def test_a_cancellation_cut_short_can_be_run_again(app, person, monkeypatch) -> None:
    await call_meeting(person("staff"))
    service = MeetingService(app)
    tell = MeetingService._tell

    async def crash(*args: object) -> None:
        raise RuntimeError("the process stopped")

    monkeypatch.setattr(MeetingService, "_tell", crash)
    with pytest.raises(RuntimeError):
        await service.cancel(1)
    monkeypatch.setattr(MeetingService, "_tell", tell)
    cancelled = await service.cancel(1)
    assert cancelled is not None and cancelled.cancelled
    assert set(await messages(app, "【会议取消】")) == RESIDENT_GROUPS
    assert await service.cancel(1) is None


async def test_a_bare_hour_for_a_meeting_is_the_afternoon_and_the_summary_says_so(
    app, person
) -> None:
    staff = person("staff")
    for said in ("/meeting", "三季度消防安全委员会会议", "7月25日3点", "社区平安办会议室"):
        await staff.send(said)
    summary = texts(await staff.send("所有居民群"))
    assert "2026-07-25 15:00（没写上午下午，按下午理解" in summary
    await staff.send("确认提交")
    (meeting,) = await MeetingService(app).upcoming()
    assert meeting.starts_at == at("2026-07-25 15:00")


async def test_a_meeting_hour_with_its_period_is_taken_as_written(app, person) -> None:
    staff = person("staff")
    for said in ("/meeting", "三季度消防安全委员会会议", "7月25日上午9点", "社区平安办会议室"):
        await staff.send(said)
    summary = texts(await staff.send("所有居民群"))
    assert "2026-07-25 09:00" in summary and "按下午理解" not in summary
