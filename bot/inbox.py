"""The inbox: every update a platform hands us, recorded before the platform hears "received".

An update is committed here first (WeCom's HTTP 200, the webhook's 200 and the next
getUpdates offset come after), so a crash loses nothing the platform thinks delivered. The
platform's own id makes a retried or re-posted update a duplicate. A worker hands the rows
to the platform's handler one person at a time, in arrival order; the handler answers in one
transaction that also marks the row handled (``Router.answer``), so after a restart exactly
the rows not yet answered are answered.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock, to_db
from bot.db import Database, DatabaseBusy

log = logging.getLogger(__name__)

# Handling that raised is tried again after these pauses (seconds); then the row is set aside,
# so one update that cannot be handled never blocks the same person's next ones.
RETRY_PAUSES = (1.0, 5.0, 30.0)
# Several processes on one database (PostgreSQL): an update left unanswered this long was taken
# in by a process that stopped; any worker then answers it. Until then a person's later update
# is answered again, this often, until the earlier one another process holds is answered.
TAKEOVER_AFTER = timedelta(seconds=30)
ORDER_POLL_SECONDS = 0.2


class AlreadyHandled(Exception):
    """Another worker answered this update first: this answer is rolled back, unsent."""


@dataclass(frozen=True)
class Received:
    id: int
    platform: str
    update_key: str
    person: str
    payload: str


class NotYourTurn(Exception):
    """The same person's earlier update is still being answered by another worker: this
    answer is rolled back and made again after it."""


class Inbox:
    def __init__(self, db: Database, clock: Clock, *, worker: str = "") -> None:
        """``worker``: this process's slot (host and HTTP port), kept on the updates it takes
        in, so that after a restart it takes up its own at once."""
        self._db = db
        self._clock = clock
        self.worker = worker

    async def put(
        self,
        platform: str,
        update_key: str,
        person: str,
        payload: str,
        *,
        wait_at_most: float | None = None,
    ) -> Received | None:
        """Record an update; None when it was recorded before (a retry or a re-post).

        ``wait_at_most``: raise ``DatabaseBusy`` rather than wait longer (the platform is then
        told to send it again).
        """
        async with self._db.transaction(wait_at_most=wait_at_most) as tx:
            row = await tx.fetchone(
                "INSERT INTO inbox (platform, update_key, person, payload, received_at, worker)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, update_key) DO NOTHING"
                " RETURNING id",
                (platform, update_key, person, payload, to_db(self._clock.now()), self.worker),
            )
        if row is None:
            return None
        return Received(row["id"], platform, update_key, person, payload)

    @property
    def shared(self) -> bool:
        """Other processes take updates into this inbox too (PostgreSQL)."""
        return self._db.shared

    async def waiting(self, platform: str, *, others_stale: bool = False) -> list[Received]:
        """Updates recorded but not yet handled, oldest first (a restart takes these up).

        ``others_stale``: this worker's own, and other workers' only once older than
        ``TAKEOVER_AFTER`` (a live process of several is answering its newer ones)."""
        before = to_db(self._clock.now() - TAKEOVER_AFTER) if others_stale else None
        rows = await self._db.fetchall(
            "SELECT id, platform, update_key, person, payload FROM inbox"
            " WHERE platform = ? AND handled_at IS NULL"
            " AND (? IS NULL OR worker = ? OR received_at <= ?) ORDER BY id",
            (platform, before, self.worker, before),
        )
        return [
            Received(r["id"], r["platform"], r["update_key"], r["person"], r["payload"])
            for r in rows
        ]

    async def of_stopped_workers(self, platform: str) -> list[Received]:
        """Several processes: unanswered updates taken in by workers that have stopped (their
        ``alive`` lead is free), without waiting for ``TAKEOVER_AFTER``."""
        rows = await self._db.fetchall(
            "SELECT DISTINCT worker FROM inbox WHERE platform = ? AND handled_at IS NULL"
            " AND worker IS NOT NULL AND worker <> ?",
            (platform, self.worker),
        )
        stopped = [row[0] for row in rows if not await self._db.alive(f"alive:{row[0]}")]
        if not stopped:
            return []
        found = await self._db.fetchall(
            "SELECT id, platform, update_key, person, payload FROM inbox"
            " WHERE platform = ? AND handled_at IS NULL"
            " AND worker IN (SELECT value FROM json_each(?)) ORDER BY id",
            (platform, json.dumps(stopped)),
        )
        return [
            Received(r["id"], r["platform"], r["update_key"], r["person"], r["payload"])
            for r in found
        ]

    async def mark_handled(self, received_id: int, error: str | None = None) -> bool:
        """Inside the handling transaction: this update has been answered. False when it had
        been already (by another worker): the caller rolls its answer back. Several processes:
        ``NotYourTurn`` while the same person's earlier update waits for another worker."""
        now = to_db(self._clock.now())
        if not self._db.shared:
            changed = await self._db.execute(
                "UPDATE inbox SET handled_at = ?, error = ? WHERE id = ? AND handled_at IS NULL",
                (now, error, received_id),
            )
            return changed > 0
        changed = await self._db.execute(
            "UPDATE inbox SET handled_at = ?, error = ? WHERE id = ? AND handled_at IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM inbox e WHERE e.platform = inbox.platform"
            "  AND e.person = inbox.person AND e.handled_at IS NULL AND e.id < inbox.id)",
            (now, error, received_id),
        )
        if changed:
            return True
        if await self.is_handled(received_id):
            return False
        raise NotYourTurn(received_id)

    async def earlier_stale(self, received: Received) -> Received | None:
        """The same person's oldest unanswered earlier update, if the process that took it in
        has stopped (its ``alive`` lead is free) or has left it longer than ``TAKEOVER_AFTER``
        (alive but hung)."""
        row = await self._db.fetchone(
            "SELECT id, platform, update_key, person, payload, worker, received_at FROM inbox"
            " WHERE platform = ? AND person = ? AND handled_at IS NULL AND id < ?"
            " ORDER BY id LIMIT 1",
            (received.platform, received.person, received.id),
        )
        if row is None:
            return None
        hung = row["received_at"] <= to_db(self._clock.now() - TAKEOVER_AFTER)
        worker = row["worker"]
        stopped = worker is None or (
            worker != self.worker and not await self._db.alive(f"alive:{worker}")
        )
        if not (hung or stopped):
            return None
        return Received(
            row["id"], row["platform"], row["update_key"], row["person"], row["payload"]
        )

    async def failed_attempt(self, received_id: int, error: str) -> int:
        """Count a handling that raised; returns the attempts so far."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE inbox SET attempts = attempts + 1, error = ? WHERE id = ?",
                (error, received_id),
            )
            return int(await tx.scalar("SELECT attempts FROM inbox WHERE id = ?", (received_id,)))

    async def is_handled(self, received_id: int) -> bool:
        value = await self._db.scalar("SELECT handled_at FROM inbox WHERE id = ?", (received_id,))
        return value is not None

    async def forget_handled(self, before: datetime) -> int:
        """Drop handled rows received before ``before`` (far beyond any platform's retries)."""
        return await self._db.execute(
            "DELETE FROM inbox WHERE handled_at IS NOT NULL AND received_at < ?", (to_db(before),)
        )


Handle = Callable[[Received], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


class InboxWorker:
    """Hands one platform's inbox rows to its handler: one person at a time, in arrival order.

    People are handled side by side; one person's updates never overtake each other.
    """

    def __init__(
        self,
        inbox: Inbox,
        platform: str,
        handle: Handle,
        *,
        sleep: Sleep = asyncio.sleep,
        pauses: Sequence[float] = RETRY_PAUSES,
    ) -> None:
        self._inbox = inbox
        self._platform = platform
        self._handle = handle
        self._sleep = sleep
        self._pauses = tuple(pauses)
        self._queues: dict[str, deque[Received]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._known: set[int] = set()

    def submit(self, received: Received) -> None:
        """Queue a recorded update behind the same person's earlier ones."""
        if received.id in self._known:
            return
        self._known.add(received.id)
        self._queues.setdefault(received.person, deque()).append(received)
        if received.person not in self._tasks:
            task = asyncio.create_task(self._work(received.person), name=f"inbox {received.person}")
            self._tasks[received.person] = task

    async def take_up_waiting(self) -> int:
        """At start-up: queue what a previous run recorded but did not answer. With several
        processes, this worker's own, others' whose process has stopped, and any older than
        ``TAKEOVER_AFTER``: call again now and then to take those over."""
        waiting = await self._inbox.waiting(self._platform, others_stale=self._inbox.shared)
        if self._inbox.shared:
            known = {received.id for received in waiting}
            stopped = await self._inbox.of_stopped_workers(self._platform)
            waiting = sorted(
                waiting + [r for r in stopped if r.id not in known], key=lambda r: r.id
            )
        for received in waiting:
            self.submit(received)
        if waiting:
            log.info(
                "%s: %d update(s) from before the restart taken up", self._platform, len(waiting)
            )
        return len(waiting)

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    async def idle(self) -> None:
        """Wait until every queued update has been handled."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def stop(self, grace: float) -> None:
        """Let the updates in hand finish for up to ``grace`` seconds; the rest wait in the
        inbox for the next start."""
        tasks = list(self._tasks.values())
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def _work(self, person: str) -> None:
        queue = self._queues[person]
        try:
            while queue:
                received = queue[0]
                await self._handle_once(received)
                queue.popleft()
                self._known.discard(received.id)
        finally:
            del self._tasks[person]
            if queue:  # cancelled mid-way: what is left stays in the inbox
                for left in queue:
                    self._known.discard(left.id)
            self._queues.pop(person, None)

    async def _handle_once(self, received: Received) -> None:
        failures = 0
        while True:
            try:
                await self._handle(received)
                return
            except AlreadyHandled:
                return
            except NotYourTurn:
                # Another worker is answering this person's earlier update: after it (and
                # if that worker stopped, the earlier one is answered here first).
                if (earlier := await self._inbox.earlier_stale(received)) is not None:
                    await self._handle_once(earlier)
                else:
                    await self._sleep(ORDER_POLL_SECONDS)
                continue
            except asyncio.CancelledError:
                raise
            except DatabaseBusy:
                # Another process holds the database: not this update's fault, so it is never
                # set aside for it; it waits its turn however long the lock is held.
                log.warning("%s: database busy; update %s waits", self._platform, received.id)
                await self._sleep(self._pauses[0] if self._pauses else 1.0)
                continue
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.exception("%s: handling update %s failed", self._platform, received.id)
                try:
                    await self._inbox.failed_attempt(received.id, error)
                except Exception:
                    log.exception(
                        "%s: recording the failure of %s failed", self._platform, received.id
                    )
                if failures >= len(self._pauses):
                    log.error(
                        "%s: update %s set aside after %d attempts",
                        self._platform,
                        received.id,
                        failures + 1,
                    )
                    try:
                        await self._inbox.mark_handled(received.id, error)
                    except Exception:
                        log.exception("%s: setting %s aside failed", self._platform, received.id)
                    return
                await self._sleep(self._pauses[failures])
                failures += 1
