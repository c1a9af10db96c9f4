"""The scheduler: APScheduler 3 wakes us, our rows say what is due.

Jobs are never stored by APScheduler: at start-up they are rebuilt from the notices table,
and every change to a notice (in this process: at once; in another, such as a CLI command:
at the next sweep) re-plans that notice's one job, a date trigger at its next occurrence.
What is due is always worked out from the rows with ``bot.schedule`` and the injected
clock, so a late wake-up, a restart or a second process changes nothing: occurrences within
the grace period are sent once, older ones are recorded missed and listed for staff.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.chats import Tag
from bot.clock import from_db, local, to_db
from bot.db import Lead
from bot.i18n import text
from bot.messages import Reply
from bot.notices import acks, campaign, delivery
from bot.notices import repo as notices_module
from bot.notices.repo import Notice, NoticeRepo, Status
from bot.notices.schedule import WEEKDAYS, Relative, next_after, occurrences

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=31)  # how far back a restart looks for occurrences it missed
SWEEP_SECONDS = 60
# A system job (a digest) that wakes up to an hour late is still worth running; later, not.
SYSTEM_MISFIRE_SECONDS = 3600
# Another process holds the scheduler: ask again this often (a dead holder's lock is freed at
# once, so a new one runs the jobs within this many seconds).
LEAD_RETRY_SECONDS = 3.0

JobFunc = Callable[[], Awaitable[Any] | Any]


@dataclass(frozen=True)
class Outcome:
    sent: int = 0
    missed: int = 0


class Scheduler:
    def __init__(self, app: App, *, paused: bool = False) -> None:
        """``paused``: APScheduler never fires by itself (tests drive ``sweep`` with a clock)."""
        self.app = app
        self.repo = NoticeRepo(app.db, app.clock)
        self._aps = AsyncIOScheduler(timezone=app.tz)
        self._paused = paused
        self._planned: dict[int, datetime | None] = {}
        self._signature: tuple[int, str] | None = None
        self._lock = asyncio.Lock()

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> Outcome:
        """Catch up on what fell due while stopped, then plan every notice's next occurrence."""
        self._aps.start(paused=self._paused)
        await campaign.ensure(self.app)
        outcome = await self.catch_up()
        await self.rebuild()
        notices_module.on_change(self.app.db, self.sync)
        self._aps.add_job(
            self.sweep,
            IntervalTrigger(seconds=SWEEP_SECONDS, timezone=self.app.tz),
            id="notices:sweep",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=SWEEP_SECONDS,  # a skipped sweep is done by the next one
        )
        return outcome

    async def stop(self) -> None:
        notices_module.forget_listener(self.app.db, self.sync)
        if self._aps.running:
            self._aps.shutdown(wait=False)

    # -- the API other features use ------------------------------------------------------------

    def add_system_job(
        self,
        name: str,
        *,
        day_of_week: str | None = None,
        hour: int | str,
        minute: int | str,
        func: JobFunc,
    ) -> None:
        """Run ``func`` daily (or on the named days: ``mon``, ``mon,thu``) at a local time;
        cron fields as text repeat it (``hour="*", minute="*/10"``: every 10 minutes)."""
        if day_of_week is not None:
            days = [d.strip() for d in day_of_week.lower().split(",")]
            if not days or any(d not in WEEKDAYS for d in days):
                raise ValueError(f"day_of_week takes day names (mon..sun), not {day_of_week!r}")
            day_of_week = ",".join(days)

        async def job() -> None:
            try:
                result = func()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("system job %s failed", name)

        self._aps.add_job(
            job,
            CronTrigger(day_of_week=day_of_week, hour=hour, minute=minute, timezone=self.app.tz),
            id=f"system:{name}",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=SYSTEM_MISFIRE_SECONDS,
        )

    def jobs(self) -> dict[str, datetime | None]:
        """Job id → next run time (what APScheduler will wake us for)."""
        return {job.id: job.next_run_time for job in self._aps.get_jobs()}

    # -- keeping the jobs in step with the rows -------------------------------------------------

    async def rebuild(self) -> None:
        for job in self._aps.get_jobs():
            if job.id.startswith("notice:"):
                job.remove()
        self._planned.clear()
        for notice in await self.repo.active():
            await self._plan(notice)
        self._signature = await self.repo.signature()

    async def sync(self, notice_id: int) -> None:
        """A notice changed: plan its next occurrence again (or drop its job)."""
        notice = await self.repo.get(notice_id)
        if notice is None or notice.status is not Status.ACTIVE:
            self._drop(notice_id)
            return
        self._planned.pop(notice_id, None)
        await self._plan(notice)

    def _drop(self, notice_id: int) -> None:
        self._planned.pop(notice_id, None)
        if self._aps.get_job(f"notice:{notice_id}") is not None:
            self._aps.remove_job(f"notice:{notice_id}")

    def _next(self, notice: Notice) -> datetime | None:
        after = max(self.app.clock.now(), notice.since - timedelta(microseconds=1))
        return next_after(
            notice.schedule, after, tz=self.app.tz, since=notice.since, meeting_at=notice.meeting_at
        )

    async def _plan(self, notice: Notice) -> None:
        upcoming = self._next(notice)
        if notice.id in self._planned and self._planned[notice.id] == upcoming:
            return
        self._planned[notice.id] = upcoming
        await self.repo.plan(notice.id, upcoming)
        if upcoming is None:
            self._drop(notice.id)
            self._planned[notice.id] = None
            return
        self._aps.add_job(
            self._fire,
            DateTrigger(run_date=upcoming, timezone=self.app.tz),
            args=[notice.id],
            id=f"notice:{notice.id}",
            replace_existing=True,
            coalesce=True,
            # Woken late (a busy loop, a suspended machine): still run within the grace
            # period; beyond it the sweep records the occurrence as missed.
            misfire_grace_time=max(1, int(self.app.settings.notice_grace.total_seconds())),
        )

    async def _fire(self, notice_id: int) -> None:
        try:
            await self.run_notice(notice_id)
        except Exception:
            log.exception("sending notice %s failed", notice_id)

    # -- what is due ----------------------------------------------------------------------------

    async def run_notice(self, notice_id: int) -> Outcome:
        """Send this notice's due occurrences once; record those past the grace period missed."""
        async with self._lock:
            notice = await self.repo.get(notice_id)
            if notice is None or notice.status is not Status.ACTIVE:
                self._drop(notice_id)
                return Outcome()
            if _reminds_cancelled_meeting(notice):
                # Left active by a cancellation cut short: it must never go out.
                await self.repo.set_status(notice.id, Status.CANCELLED, only_from=(Status.ACTIVE,))
                return Outcome()
            now = self.app.clock.now()
            due = occurrences(
                notice.schedule,
                max(notice.since, now - LOOKBACK),
                now,
                tz=self.app.tz,
                since=notice.since,
                meeting_at=notice.meeting_at,
            )
            settled = await self.repo.settled(notice.id)
            sent = missed = 0
            for moment in due:
                if moment in settled:
                    continue
                if not _too_late(self.app, notice, moment, now):
                    sent += await delivery.fan_out(self.app, notice, moment) is not None
                else:
                    await self.repo.mark_missed(notice.id, moment)
                    missed += 1
                    log.warning("notice %s: occurrence %s missed", notice.id, to_db(moment))
            if self._next(notice) is None:
                await self.repo.set_status(notice.id, Status.DONE, only_from=(Status.ACTIVE,))
            else:
                await self._plan(notice)
            return Outcome(sent, missed)

    async def catch_up(self) -> Outcome:
        sent = missed = 0
        for notice in await self.repo.active():
            outcome = await self.run_notice(notice.id)
            sent, missed = sent + outcome.sent, missed + outcome.missed
        await report_missed(self.app)
        return Outcome(sent, missed)

    async def sweep(self) -> Outcome:
        """Every minute: follow changes made elsewhere, send what is due, remind, report."""
        try:
            if await self.repo.signature() != self._signature:
                await self.rebuild()
            outcome = await self.catch_up()
            await acks.remind_due(self.app)
            await delivery.follow_broadcasts(self.app)
            return outcome
        except Exception:
            log.exception("notice sweep failed")
            return Outcome()


def _reminds_cancelled_meeting(notice: Notice) -> bool:
    return (
        isinstance(notice.schedule, Relative)
        and notice.meeting is not None
        and notice.meeting.cancelled
    )


def _too_late(app: App, notice: Notice, moment: datetime, now: datetime) -> bool:
    """Past the grace period, or a meeting's reminder once the meeting has begun."""
    if now - moment > app.settings.notice_grace:
        return True
    return isinstance(notice.schedule, Relative) and (
        notice.meeting_at is not None and now >= notice.meeting_at
    )


async def missed_lines(app: App, lang: str) -> list[tuple[int, str]]:
    """Missed occurrences not yet listed for staff: (occurrence id, one line each).

    For the staff digest; ``report_missed`` posts them to staff groups and marks them listed.
    """
    rows = await app.db.fetchall(
        "SELECT o.id, o.due_at, n.id AS notice_id, n.title, n.body, n.kind"
        " FROM notice_occurrences o JOIN notices n ON n.id = o.notice_id"
        " WHERE o.status = 'missed' AND o.reported_at IS NULL ORDER BY o.due_at"
    )
    return [
        (
            row["id"],
            text(
                lang,
                "notices.missed_line",
                id=row["notice_id"],
                title=row["title"] or row["body"][:20] or row["kind"],
                when=local(from_db(row["due_at"]), app.tz),
            ),
        )
        for row in rows
    ]


async def report_missed(app: App) -> int:
    """Tell the staff groups which occurrences were missed while the bot was down."""
    lang = app.settings.default_language
    lines = await missed_lines(app, lang)
    groups = await app.chats.groups(tags=(Tag.STAFF,))
    if not lines or not groups:
        return 0
    body = "\n".join(
        [text(lang, "notices.missed_title", count=len(lines))] + [line for _, line in lines]
    )
    last = max(occurrence for occurrence, _ in lines)
    for group in groups:
        await app.notifier.group(
            group.address, Reply(body), dedup_key=f"notices-missed:{last}:{group.address}"
        )
    async with app.db.transaction() as tx:
        for occurrence, _ in lines:
            await tx.execute(
                "UPDATE notice_occurrences SET reported_at = ? WHERE id = ?",
                (to_db(app.clock.now()), occurrence),
            )
    return len(lines)


async def run_scheduler(
    app: App,
    stop: asyncio.Event,
    *,
    configure: Callable[[Scheduler], None] | None = None,
    retry_seconds: float = LEAD_RETRY_SECONDS,
) -> None:
    """For the runner: start (``configure`` adds system jobs), run until ``stop``, stop.

    With several processes on one database only the one holding the scheduler's lead runs
    it; the others try again every ``retry_seconds``, so one takes over within seconds of the
    holder dying. A failure is logged here: the runner only looks at this task when it stops.
    """
    while not stop.is_set():
        lead = await app.db.lead("scheduler")
        if lead is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), retry_seconds)
            continue
        try:
            if not await _lead_scheduler(app, stop, lead, configure):
                return
        finally:
            await lead.release()
        if not stop.is_set():
            log.warning("the scheduler's lead was lost; trying to take it again")


async def _lead_scheduler(
    app: App, stop: asyncio.Event, lead: Lead, configure: Callable[[Scheduler], None] | None
) -> bool:
    """Run the scheduler until ``stop`` or the lead is lost; False when it failed."""
    scheduler = Scheduler(app)
    try:
        if configure is not None:
            configure(scheduler)
        await scheduler.start()
        lost = asyncio.create_task(lead.lost.wait())
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({lost, stopped}, return_when=asyncio.FIRST_COMPLETED)
        lost.cancel()
        stopped.cancel()
        return True
    except Exception:
        log.exception("the scheduler stopped: no notices or digests go out until a restart")
        return False
    finally:
        await scheduler.stop()
