"""What ``juwei run`` puts on the scheduler besides notices: the staff digests."""

from __future__ import annotations

import asyncio
import socket

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.messages import Address, Reply
from bot.notices.scheduler import Scheduler
from bot.platforms.runner import serve, system_jobs
from bot.registry import build_router
from bot.settings import Settings, SettingsError


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def port_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"http_port": _free_port()})


async def test_a_busy_http_port_is_one_clear_setting_error(
    port_settings: Settings, clock: FakeClock
) -> None:
    app = await App.open(port_settings, clock, demo=True)
    router = build_router(app)
    try:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", port_settings.http_port))
            taken.listen()
            with pytest.raises(SettingsError, match=f"JUWEI_HTTP_PORT.*{port_settings.http_port}"):
                await asyncio.wait_for(serve(router, [], asyncio.Event()), 5)
    finally:
        await app.close()


async def test_a_background_task_that_fails_is_logged_at_once(
    port_settings: Settings,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("no such table: notices")

    monkeypatch.setattr("bot.platforms.runner.run_scheduler", broken)
    app = await App.open(port_settings, clock, demo=True)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(build_router(app), [], stop))
    try:
        for _ in range(200):
            if "no such table" in caplog.text:
                break
            await asyncio.sleep(0.01)
        assert "scheduler" in caplog.text and "no such table: notices" in caplog.text
    finally:
        stop.set()
        await asyncio.wait_for(running, 5)
        await app.close()


def test_what_start_up_built_is_kept_out_of_full_garbage_collections() -> None:
    import gc

    from bot.platforms.runner import settle_heap

    gc.unfreeze()
    settle_heap()
    try:
        assert gc.get_freeze_count() > 1000  # modules, catalogues, the router …
        assert gc.get_count()[2] == 0
    finally:
        gc.unfreeze()


@pytest.mark.sqlite_only("WAL checkpoints are SQLite's")
async def test_the_bot_checkpoints_its_log_on_a_thread_and_gives_the_job_back_when_it_stops(
    app: App,
) -> None:
    from bot.platforms.runner import _checkpoint_wal, checkpoint

    async def auto_pages() -> int:
        return int(await app.db.scalar("PRAGMA wal_autocheckpoint"))

    stop = asyncio.Event()
    task = asyncio.create_task(_checkpoint_wal(app.db, stop, every=3600))
    for _ in range(100):  # let the task take its first step
        if await auto_pages() == 0:  # commits no longer copy the log themselves
            break
        await asyncio.sleep(0)
    assert await auto_pages() == 0
    for n in range(50):
        await app.outbox.put(Address("console", "staff-group"), Reply(f"第{n}条"), dedup_key=f"{n}")
    busy, pages, copied = await asyncio.to_thread(checkpoint, app.db.path)
    assert busy == 0 and pages > 0 and copied == pages  # the whole log, without stopping anyone
    stop.set()
    await task
    assert await auto_pages() == 1000


class _Postman:
    def __init__(self) -> None:
        self.woken = 0

    def wake(self) -> None:
        self.woken += 1

    async def run(self, stop: asyncio.Event) -> None:
        await stop.wait()


class _Platform:
    name = "stub"

    def __init__(self) -> None:
        self.routes: list[object] = []
        self.postman = _Postman()
        self.started = asyncio.Event()

    async def start(self) -> None:
        self.started.set()

    async def stop(self) -> None:
        pass


async def test_the_background_postman_is_woken_for_notices_and_not_for_answers(
    port_settings: Settings, clock: FakeClock
) -> None:
    app = await App.open(port_settings, clock, demo=True)
    platform = _Platform()
    stop = asyncio.Event()
    running = asyncio.create_task(serve(build_router(app), [platform], stop))  # type: ignore[list-item]
    try:
        await asyncio.wait_for(platform.started.wait(), 5)
        group = Address("console", "staff-group")
        await app.outbox.put(group, Reply("今晚停水"), dedup_key="notice")
        assert platform.postman.woken == 1
        # An answer is sent by the worker that committed it; the postman stays out of its way.
        await app.outbox.put(group, Reply("收到", answers=""), dedup_key="answer")
        assert platform.postman.woken == 1
    finally:
        stop.set()
        await asyncio.wait_for(running, 5)
        await app.close()
