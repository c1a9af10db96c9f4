"""The scheduler with an injected clock: jobs from rows, due occurrences, missed while down."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.chats import Tag
from bot.clock import FakeClock
from bot.db import Database
from bot.notices import campaign
from bot.notices.repo import Draft, Kind, NoticeRepo, Status, Targets
from bot.notices.schedule import Once, Recurring
from bot.notices.scheduler import Scheduler, run_scheduler
from bot.outbox import reply_from_json
from tests.notices.fakes import outbox_rows

# The scheduler works from the rows the same way on both engines.
pytestmark = pytest.mark.both_engines

SH = ZoneInfo("Asia/Shanghai")
EVERY_DAY = Recurring(times=(time(9, 0),), start="01-01", end="12-31")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH).astimezone(UTC)


def shown(moment: datetime | None) -> str:
    assert moment is not None
    return moment.astimezone(SH).strftime("%Y-%m-%d %a %H:%M")


def draft(schedule, targets: Targets, **extra) -> Draft:  # type: ignore[no-untyped-def]
    return Draft(
        kind=Kind.NOTICE, body="请各居委会报送本月消防检查情况。", targets=targets,
        schedule=schedule, created_by="cli", **extra,
    )  # fmt: skip


@pytest.fixture
async def scheduler(app):  # type: ignore[no-untyped-def]
    started = Scheduler(app, paused=True)
    yield started
    await started.stop()


async def test_jobs_are_rebuilt_from_rows_and_follow_every_change(app, scheduler) -> None:
    await scheduler.start()  # Saturday 2026-07-18 10:00
    summer = await campaign.ensure(app)
    assert summer is not None
    key = f"notice:{summer.id}"
    assert shown(scheduler.jobs()[key]) == "2026-07-20 Mon 09:00"
    assert "notices:sweep" in scheduler.jobs()
    planned = await NoticeRepo(app.db, app.clock).occurrences(summer.id)
    assert [(row["status"], row["due_at"]) for row in planned] == [
        ("planned", "2026-07-20T01:00:00+00:00")
    ]

    repo = NoticeRepo(app.db, app.clock)
    await repo.set_status(summer.id, Status.PAUSED)
    assert key not in scheduler.jobs()
    assert await repo.occurrences(summer.id) == []
    await repo.set_status(summer.id, Status.ACTIVE)
    assert shown(scheduler.jobs()[key]) == "2026-07-20 Mon 09:00"
    await campaign.set_days(app, ("tue", "fri"))
    assert shown(scheduler.jobs()[key]) == "2026-07-21 Tue 09:00"

    restarted = Scheduler(app, paused=True)
    await restarted.start()
    assert shown(restarted.jobs()[key]) == "2026-07-21 Tue 09:00"
    await restarted.stop()


async def test_a_notice_added_by_another_process_is_planned_at_the_next_sweep(
    app, scheduler, settings
) -> None:
    await scheduler.start()
    other = Database(settings.database)  # e.g. `juwei notices add` in another process
    await other.open()
    try:
        notice = await NoticeRepo(other, app.clock).add(
            draft(Once(at=at("2026-07-19 15:00")), Targets(tags=(Tag.DIRECTORS,)))
        )
    finally:
        await other.close()
    assert f"notice:{notice.id}" not in scheduler.jobs()
    await scheduler.sweep()
    assert shown(scheduler.jobs()[f"notice:{notice.id}"]) == "2026-07-19 Sun 15:00"


async def test_the_campaign_fires_only_inside_its_window_and_on_its_days(
    app, scheduler, clock: FakeClock
) -> None:
    await scheduler.start()
    clock.set(at("2027-05-29 00:00"))
    while clock.now() < at("2027-06-16 00:00"):
        await scheduler.sweep()
        clock.advance(timedelta(hours=1))
    rows = await outbox_rows(app)
    due = sorted({str(row["dedup_key"]).split(":")[2] for row in rows})
    assert [shown(datetime.fromisoformat(d)) for d in due] == [
        "2027-06-03 Thu 09:00",
        "2027-06-07 Mon 09:00",
        "2027-06-10 Thu 09:00",
        "2027-06-14 Mon 09:00",
    ]
    # Each occurrence once to each of the three residents' groups, and to nobody else.
    assert len(rows) == 4 * 3
    assert {row["chat_id"] for row in rows} == {
        "sanmen-residents",
        "gaoxiong-residents",
        "xier-residents",
    }


async def test_missed_while_down_inside_and_outside_the_grace_period(app, clock: FakeClock) -> None:
    clock.set(at("2026-07-20 08:00"))
    repo = NoticeRepo(app.db, app.clock)
    notice = await repo.add(draft(EVERY_DAY, Targets(tags=(Tag.DIRECTORS,))))
    clock.set(at("2026-07-22 12:00"))  # down since Monday 08:00

    first = Scheduler(app, paused=True)
    outcome = await first.start()
    await first.stop()
    assert (outcome.sent, outcome.missed) == (1, 2)
    statuses = {
        shown(datetime.fromisoformat(row["due_at"])): row["status"]
        for row in await repo.occurrences(notice.id)
    }
    assert statuses == {
        "2026-07-20 Mon 09:00": "missed",
        "2026-07-21 Tue 09:00": "missed",
        "2026-07-22 Wed 09:00": "sent",  # three hours late: within six
        "2026-07-23 Thu 09:00": "planned",
    }
    sent = await outbox_rows(app, "directors-group")
    assert len(sent) == 1 and "2026-07-22T01:00:00+00:00" in str(sent[0]["dedup_key"])
    (staff_note,) = await outbox_rows(app, "staff-group")
    note = reply_from_json(str(staff_note["payload"])).text
    assert "错过" in note and "2026-07-20 09:00" in note and "2026-07-21 09:00" in note

    again = Scheduler(app, paused=True)  # a restart sends nothing twice, lists nothing twice
    assert (await again.start()).sent == 0
    await again.stop()
    assert len(await outbox_rows(app)) == 2


async def test_quiet_hours_hold_residents_groups_unless_urgent(app, scheduler, clock) -> None:
    await scheduler.start()
    repo = NoticeRepo(app.db, app.clock)
    normal = await repo.add(draft(Once(at=at("2026-07-18 22:00")), Targets(everyone=True)))
    urgent = await repo.add(
        draft(Once(at=at("2026-07-18 22:00")), Targets(everyone=True), urgent=True)
    )
    clock.set(at("2026-07-18 22:00"))
    await scheduler.sweep()
    rows = await outbox_rows(app)
    held = {
        (str(r["dedup_key"]).split(":")[1], r["chat_id"]): shown(
            datetime.fromisoformat(str(r["not_before"]))
        )
        for r in rows
    }
    assert held[(str(normal.id), "sanmen-residents")] == "2026-07-19 Sun 08:00"
    assert held[(str(normal.id), "directors-group")] == "2026-07-18 Sat 22:00"
    assert held[(str(urgent.id), "sanmen-residents")] == "2026-07-18 Sat 22:00"
    assert (await repo.get(normal.id)).status is Status.DONE  # type: ignore[union-attr]


async def test_system_jobs_use_day_names_and_the_configured_zone(app, scheduler) -> None:
    ran: list[str] = []

    async def weekly() -> None:
        ran.append("weekly")
        raise RuntimeError("a failing job is logged, not raised")

    scheduler.add_system_job("weekly", day_of_week="mon", hour=9, minute=0, func=weekly)
    scheduler.add_system_job("daily", hour=18, minute=30, func=lambda: ran.append("daily"))
    with pytest.raises(ValueError):
        scheduler.add_system_job("numbers", day_of_week="0", hour=9, minute=0, func=weekly)
    await scheduler.start()
    jobs = scheduler.jobs()
    monday = jobs["system:weekly"]
    assert monday is not None and monday.astimezone(SH).strftime("%a %H:%M") == "Mon 09:00"
    assert jobs["system:daily"].astimezone(SH).strftime("%H:%M") == "18:30"  # type: ignore[union-attr]
    job = scheduler._aps.get_job("system:weekly")
    assert str(job.trigger.timezone) == "Asia/Shanghai"
    await job.func()
    assert ran == ["weekly"]


async def test_run_scheduler_runs_until_stopped(app) -> None:
    stop = asyncio.Event()
    configured: list[Scheduler] = []
    task = asyncio.create_task(run_scheduler(app, stop, configure=configured.append))
    for _ in range(200):  # started: on PostgreSQL after taking the scheduler's lead
        if configured and configured[0].jobs():
            break
        await asyncio.sleep(0.01)
    assert configured and configured[0].jobs()
    stop.set()
    await asyncio.wait_for(task, 2)
    assert not configured[0]._aps.running


async def test_run_scheduler_logs_a_failed_start_and_leaves_nothing_running(
    app, monkeypatch, caplog
) -> None:
    async def broken(app: object) -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(campaign, "ensure", broken)
    configured: list[Scheduler] = []
    await asyncio.wait_for(run_scheduler(app, asyncio.Event(), configure=configured.append), 2)
    assert "the scheduler stopped" in caplog.text and "database is locked" in caplog.text
    assert not configured[0]._aps.running
