"""What ``juwei run`` puts on the scheduler besides notices: the staff digests."""

from __future__ import annotations

from bot.runner import system_jobs
from bot.scheduler import Scheduler


async def test_digests_are_scheduled_daily_and_on_mondays(app) -> None:
    scheduler = Scheduler(app, paused=True)
    system_jobs(scheduler)
    await scheduler.start()
    try:
        jobs = scheduler.jobs()
        daily = jobs["system:hazard-daily"].astimezone(app.tz)
        weekly = jobs["system:hazard-weekly"].astimezone(app.tz)
    finally:
        await scheduler.stop()
    assert (daily.hour, daily.minute) == (8, 30)
    assert (weekly.weekday(), weekly.hour, weekly.minute) == (0, 9, 0)
