"""``juwei run``: every configured platform, their postmen, and the HTTP server, until SIGTERM.

A platform plugs in through the small ``Platform`` protocol: its HTTP routes (if any), a
transport the postman sends through, and start/stop. Stopping is orderly: platforms stop
taking updates and finish those in flight, postmen stop, the HTTP server closes, then the
database.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import uvicorn
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from bot.app import App
from bot.db import SqliteDatabase
from bot.hazards.digest import send_digests
from bot.inbox import InboxWorker
from bot.inspections.reminders import remind_nodes
from bot.messages import Address, Reply
from bot.notices.scheduler import Scheduler, run_scheduler
from bot.platforms.base import Transport
from bot.platforms.postman import Postman
from bot.platforms.web import build_web_app
from bot.platforms.wecom.api import WeComApi
from bot.platforms.workbench.site import workbench_routes
from bot.platforms.workbench.wecom_signin import UserIdLookup, lookup
from bot.polls.reminders import sweep as poll_reminders
from bot.registry import build_router
from bot.router import Router
from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0
CHECKPOINT_SECONDS = 1.0
AUTO_CHECKPOINT_PAGES = 1000  # SQLite's default, put back when the bot stops

TAKEOVER_SWEEP_SECONDS = 5.0


class Platform(Protocol):
    name: str
    transport: Transport
    postman: Postman  # sends this platform's outbox rows: answers right after their commit
    routes: list[BaseRoute]

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: the runner decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def system_jobs(scheduler: Scheduler) -> None:
    """Staff digests on the scheduler: overdue hazard reports daily, a summary on Mondays;
    inspection campaigns' time-node reminders daily, and
    consultations' reminders and results every 10 minutes."""
    app = scheduler.app
    scheduler.add_system_job(
        "hazard-daily", hour=8, minute=30, func=lambda: send_digests(app, "daily")
    )
    scheduler.add_system_job(
        "hazard-weekly",
        day_of_week="mon",
        hour=9,
        minute=0,
        func=lambda: send_digests(app, "weekly"),
    )
    scheduler.add_system_job("inspection-nodes", hour=9, minute=30, func=lambda: remind_nodes(app))
    scheduler.add_system_job("polls", hour="*", minute="*/10", func=lambda: poll_reminders(app))


def configured_platforms(router: Router) -> list[Platform]:
    """The platforms whose settings are present (imported only when used)."""
    platforms: list[Platform] = []
    settings = router.app.settings
    if settings.wecom_enabled:
        from bot.platforms.wecom.platform import WeComPlatform

        platforms.append(WeComPlatform(router))
    if settings.telegram_enabled:
        from bot.platforms.telegram import TelegramPlatform

        platforms.append(TelegramPlatform(router))
    return platforms


def _http_server(app: App, web: ASGIApp) -> _QuietServer:
    """The one HTTP server, on JUWEI_HTTP_HOST and JUWEI_HTTP_PORT."""
    config = uvicorn.Config(
        web,
        host=app.settings.http_host,
        port=app.settings.http_port,
        log_level="warning",
        lifespan="off",
    )
    return _QuietServer(config)


async def _listen(server: uvicorn.Server) -> None:
    """uvicorn exits the process when it cannot listen; say which setting to change instead."""
    try:
        await server.serve()
    except SystemExit:
        config = server.config
        raise SettingsError(
            f"JUWEI_HTTP_PORT: cannot listen on {config.host}:{config.port} "
            "(is another program using it?)"
        ) from None


def _report_failure(task: asyncio.Task[None]) -> None:
    """A background part that dies is logged when it dies, not when the bot stops."""
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("%s stopped working", task.get_name(), exc_info=error)


def checkpoint(path: Path) -> tuple[int, int, int]:
    """Copy what the write-ahead log holds into the database file, without waiting for or
    stopping anyone (PASSIVE); SQLite's (busy, log pages, pages copied)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    try:
        busy, pages, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(busy), int(pages), int(copied)
    finally:
        conn.close()


async def _checkpoint_wal(
    db: SqliteDatabase, stop: asyncio.Event, every: float = CHECKPOINT_SECONDS
) -> None:
    """Checkpoints on a thread of their own. Left to SQLite, every thousandth page committed
    made that commit copy the log into the file and sync it, 8–25 ms on the event loop's
    thread, which every conversation waited for."""
    await db.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
            try:
                await asyncio.to_thread(checkpoint, db.path)
            except sqlite3.Error as exc:  # busy: the next one catches up
                log.info("checkpoint skipped: %s", exc)
    finally:
        await db.execute(f"PRAGMA wal_autocheckpoint = {AUTO_CHECKPOINT_PAGES}")


async def _sweep_idle_flows(router: Router, stop: asyncio.Event) -> None:
    app = router.app
    while not stop.is_set():
        try:
            await router.engine.sweep_idle(app.outbox, app.clock, app.settings.default_language)
        except Exception:
            log.exception("ending idle conversations failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SWEEP_SECONDS)


def settle_heap() -> None:
    """What start-up built (modules, settings, catalogues, the router) lives as long as the
    process: frozen out of the garbage collector's reach, a full collection no longer walks it
    (about 35 ms each time, felt by everyone waiting for an answer at that moment)."""
    gc.collect()
    gc.freeze()


async def _take_over_stale(platforms: list[Platform], stop: asyncio.Event) -> None:
    """Several processes on one database: now and then take up what a stopped one left."""
    workers: list[InboxWorker] = [
        worker for p in platforms if isinstance(worker := getattr(p, "worker", None), InboxWorker)
    ]
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), TAKEOVER_SWEEP_SECONDS)
        for worker in workers:
            try:
                await worker.take_up_waiting()
            except Exception:
                log.exception("taking up a stopped process's updates failed")


async def serve(router: Router, platforms: list[Platform], stop: asyncio.Event) -> None:
    """Run until ``stop`` is set; the caller owns the app."""
    app = router.app
    routes = [route for platform in platforms for route in platform.routes]
    routes += workbench_routes(app, wecom_lookup(platforms))
    running = True
    web = build_web_app(routes, healthy=lambda: running)
    server = _http_server(app, web)
    server_task = asyncio.create_task(_listen(server), name="http")
    while not server.started:  # platforms start once their routes can be reached
        if server_task.done():
            server_task.result()
        await asyncio.sleep(0.01)
    for platform in platforms:
        await platform.start()
        log.info("%s started", platform.name)
    postmen = [platform.postman for platform in platforms]

    def wake_postmen(_: Address, reply: Reply) -> None:
        # An answer is sent by the worker that committed it, right away; woken for it too, the
        # background postman took answers of other people into its own pass and sent them one
        # after another, each waiting behind the rest (its pass every second still finds one
        # whose sending failed).
        if reply.answers is not None:
            return
        for postman in postmen:
            postman.wake()

    app.outbox.listen(wake_postmen)
    # Several processes: held while this one runs, so the others can tell when it has stopped
    # (its claims and updates are then taken over at once).
    alive = await app.db.lead(f"alive:{app.inbox.worker}") if app.db.shared else None
    tasks = [
        *(
            asyncio.create_task(postman.run(stop), name=f"{platform.name} postman")
            for platform, postman in zip(platforms, postmen, strict=True)
        ),
        asyncio.create_task(_sweep_idle_flows(router, stop), name="sweeper"),
        asyncio.create_task(run_scheduler(app, stop, configure=system_jobs), name="scheduler"),
    ]
    if isinstance(app.db, SqliteDatabase):  # PostgreSQL checkpoints on its own
        tasks.append(asyncio.create_task(_checkpoint_wal(app.db, stop), name="checkpoints"))
    if app.db.shared:
        tasks.append(asyncio.create_task(_take_over_stale(platforms, stop), name="takeover"))
    for task in tasks:
        task.add_done_callback(_report_failure)
    settle_heap()
    await stop.wait()
    running = False
    log.info("stopping")
    for platform in reversed(platforms):
        await platform.stop()
    await asyncio.gather(*tasks, return_exceptions=True)
    if alive is not None:
        await alive.release()
    server.should_exit = True
    await server_task


def wecom_lookup(platforms: list[Platform]) -> UserIdLookup | None:
    """WeCom OAuth2 sign-in uses the WeCom app's API client, when WeCom is configured."""
    for platform in platforms:
        api = getattr(platform, "api", None)
        if isinstance(api, WeComApi):
            return lookup(api)
    return None


async def serve_workbench(app: App, stop: asyncio.Event) -> None:
    """``juwei web``: only the workbench and /healthz, no chat platform, until ``stop``."""
    running = True
    web = build_web_app(workbench_routes(app), healthy=lambda: running)
    server = _http_server(app, web)
    server_task = asyncio.create_task(_listen(server), name="http")
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({server_task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    running = False
    server.should_exit = True
    stopped.cancel()
    await server_task


async def run_platforms(settings: Settings) -> int:
    # Only the configured platforms are served: demo console groups get nothing from here.
    app = await App.open(settings, console=False)
    router = build_router(app)
    try:
        platforms = configured_platforms(router)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(router, platforms, stop)
    finally:
        await app.close()
    return 0
