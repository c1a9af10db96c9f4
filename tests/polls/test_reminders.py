"""Reminders 3 days and 1 day before the deadline, and the result at it: once each, to the
building's residents' group, outside quiet hours, with totals and never who answered what."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.app import App
from bot.clock import FakeClock
from bot.polls import reminders
from bot.polls.service import Polls
from tests.conftest import take_mail
from tests.polls.conftest import make_building

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 7, day, hour, minute, tzinfo=SHANGHAI)


async def group_mail(app: App) -> list[str]:
    return [p.reply.text for p in await take_mail(app, "sanmen-residents")]


async def test_reminders_and_the_result_reach_the_residents_group_once_outside_quiet_hours(
    app: App, clock: FakeClock, person
) -> None:
    clock.set(at(18, 10))
    building = await make_building(app)  # closes 25 July 10:00
    service = Polls.of(app)
    households = {h.room: h.id for h in await service.households(building.poll.id)}
    resident = await app.users.seen(person("r101").sender)
    await service.answer(building.poll, resident, "agree", households["101"])
    await service.answer(building.poll, resident, "disagree", households["201"])

    assert await reminders.sweep(app) == 0  # a week ahead: nothing yet
    clock.set(at(22, 9, 55))
    assert await reminders.sweep(app) == 0  # not quite 3 days before
    clock.set(at(22, 10, 5))
    assert await reminders.sweep(app) == 1
    [three_days] = await group_mail(app)
    assert "意见征询提醒" in three_days and "2/6 户参与" in three_days
    assert "张三" not in three_days and "同意" not in three_days and "101" not in three_days
    assert await reminders.sweep(app) == 0  # exactly once

    await service.answer(building.poll, resident, "agree", households["301"])
    clock.set(at(24, 10, 30))
    assert await reminders.sweep(app) == 1
    [one_day] = await group_mail(app)
    assert "3/6 户参与" in one_day

    clock.set(at(25, 22))  # closed at 10:00; the bot was down all day, now quiet hours
    assert await reminders.sweep(app) == 1
    assert await reminders.sweep(app) == 0
    assert await group_mail(app) == []
    clock.set(at(26, 8, 5))
    [result] = await group_mail(app)
    assert "意见征询结果" in result and "参与：3/6 户" in result and "未达到" in result
    assert "张三" not in result and "王五" not in result and "601" not in result
    # Other committees' groups and the staff group hear nothing of it.
    for chat in ("gaoxiong-residents", "staff-group"):
        assert await take_mail(app, chat) == []


async def test_a_bot_that_was_down_sends_only_the_nearest_reminder(
    app: App, clock: FakeClock
) -> None:
    clock.set(at(18, 10))
    await make_building(app)
    clock.set(at(24, 12))  # both the 3-day and the 1-day moment have passed
    assert await reminders.sweep(app) == 1
    [only] = await group_mail(app)
    assert "0/6 户参与" in only


async def test_juwei_run_sweeps_the_consultations_every_ten_minutes(app: App) -> None:
    from bot.notices.scheduler import Scheduler
    from bot.platforms.runner import system_jobs

    scheduler = Scheduler(app, paused=True)
    system_jobs(scheduler)
    await scheduler.start()
    try:
        upcoming = scheduler.jobs()["system:polls"]
    finally:
        await scheduler.stop()
    assert upcoming is not None and upcoming.minute % 10 == 0 and upcoming.second == 0


async def test_a_simple_poll_put_to_a_group_is_reminded_there_with_its_count(
    app: App, clock: FakeClock
) -> None:
    from datetime import timedelta

    from bot.messages import Address

    clock.set(at(18, 10))
    group = await app.chats.find(Address("console", "gaoxiong-residents"))
    assert group is not None
    await Polls.of(app).create_simple(
        title="活动时间选哪天",
        committee_id=None,
        options=["周六", "周日"],
        chat_ids=[group.id],
        deadline=at(20, 18),
        totals_public="after",
        by="test",
    )
    clock.set(at(19, 18) + timedelta(minutes=5))
    assert await reminders.sweep(app) == 1
    [reminder] = [p.reply.text for p in await take_mail(app, "gaoxiong-residents")]
    assert "活动时间选哪天" in reminder and "0 人参与" in reminder and "/poll 1" in reminder
    assert await group_mail(app) == []  # 三门's group was not asked
