"""Drains the outbox for one platform: claim → send → mark; one failing chat stops no other.

Platform limits are kept here: Telegram takes about 30 messages a second overall and 20 a
minute per group; a WeCom group robot 20 a minute. A message over its chat's limit waits in
the outbox (not in memory), so a restart keeps the order and loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.chats import ChatRepo
from bot.clock import Clock
from bot.messages import Address, Reply
from bot.notices.delivery import quiet_hold
from bot.outbox import CLAIM_TIMEOUT, Outbox, Parcel
from bot.platforms.base import ChatUnreachable, TemporaryFailure, Transport
from bot.router import Router

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BATCH = 10  # claimed at a time: small, so a claim never outlives the outbox's claim timeout


def backoff(attempt: int) -> timedelta:
    return timedelta(seconds=min(300, 2**attempt))


@dataclass(frozen=True)
class Limits:
    per_second: int | None = None  # all chats together
    per_chat: int | None = None  # each chat, per ``chat_window``
    chat_window: timedelta = timedelta(minutes=1)


PLATFORM_LIMITS = {
    "telegram": Limits(per_second=30, per_chat=20),
    "wecom": Limits(per_chat=20),
}


class RateLimiter:
    """Sliding windows over the moments messages were sent, overall and per chat."""

    def __init__(self, limits: Limits, clock: Clock) -> None:
        self._limits = limits
        self._clock = clock
        self._recent: deque[datetime] = deque()
        self._chats: dict[str, deque[datetime]] = {}

    @staticmethod
    def _wait(
        sent: deque[datetime], limit: int | None, window: timedelta, now: datetime
    ) -> timedelta:
        if limit is None:
            return timedelta(0)
        while sent and sent[0] <= now - window:
            sent.popleft()
        if len(sent) < limit:
            return timedelta(0)
        return sent[0] + window - now

    def overall_wait(self) -> timedelta:
        return self._wait(
            self._recent, self._limits.per_second, timedelta(seconds=1), self._clock.now()
        )

    def chat_wait(self, chat_id: str) -> timedelta:
        sent = self._chats.setdefault(chat_id, deque())
        return self._wait(sent, self._limits.per_chat, self._limits.chat_window, self._clock.now())

    def record(self, chat_id: str) -> None:
        now = self._clock.now()
        self._recent.append(now)
        self._chats.setdefault(chat_id, deque()).append(now)


# Several processes: this often a postman asks whether the workers holding claims still run.
STOPPED_CHECK_SECONDS = 5.0


class Postman:
    def __init__(
        self,
        outbox: Outbox,
        chats: ChatRepo,
        transport: Transport,
        *,
        worker: str,
        poll_seconds: float = 1.0,
        on_sent: Callable[[Address, Reply], Awaitable[None]] | None = None,
        hold: Callable[[Parcel], Awaitable[datetime | None]] | None = None,
        limits: Limits | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._outbox = outbox
        self._chats = chats
        self._transport = transport
        self._worker = worker
        self._poll = poll_seconds
        self._clock = clock or outbox.clock
        self._limiter = RateLimiter(
            limits or PLATFORM_LIMITS.get(transport.platform, Limits()), self._clock
        )
        self._wake = asyncio.Event()
        self._on_sent = on_sent  # e.g. remember a delivered card's buttons for typed numbers
        self._hold = hold  # e.g. quiet hours, checked again at sending: a restart may come late
        self._pause = 0.0  # seconds until the overall limit allows more

    def wake(self) -> None:
        self._wake.set()

    async def deliver_due(self, chat_id: str | None = None) -> int:
        """Send everything due now (as far as the limits allow); returns how many were tried."""
        handled = 0
        self._pause = 0.0
        # A chat whose message must be tried again later gets nothing after it in this pass:
        # the rest follow it then, in order (an answer in parts, a notice and its reminder).
        waiting: dict[str, datetime] = {}
        while True:
            if chat_id is None and (wait := self._limiter.overall_wait()) > timedelta(0):
                self._pause = wait.total_seconds()
                break
            parcels = await self._outbox.claim(
                self._transport.platform, self._worker, chat_id=chat_id, limit=BATCH
            )
            if not parcels:
                break
            last_batch = len(parcels) < BATCH  # nothing more was due: no second look needed
            for index, parcel in enumerate(parcels):
                chat = parcel.address.chat_id
                if (until := waiting.get(chat)) is not None:
                    await self._outbox.postpone(parcel.id, until)
                    continue
                # An answer to someone who just wrote is not bulk: the platform's pacing and
                # quiet hours are for notices and broadcasts.
                if parcel.reply.answers is None:
                    if (wait := self._limiter.overall_wait()) > timedelta(0):
                        if chat_id is None:
                            await self._outbox.release([p.id for p in parcels[index:]])
                            break
                        await self._outbox.postpone(parcel.id, self._clock.now() + wait)
                        continue
                    if self._hold is not None and (until := await self._hold(parcel)) is not None:
                        await self._outbox.postpone(parcel.id, until)
                        continue
                    chat_wait = self._limiter.chat_wait(chat)
                    if chat_wait > timedelta(0):
                        await self._outbox.postpone(parcel.id, self._clock.now() + chat_wait)
                        continue
                    self._limiter.record(chat)
                if (later := await self._deliver(parcel)) is not None:
                    waiting[chat] = later
                handled += 1
            if last_batch:
                break
        return handled

    async def _deliver(self, parcel: Parcel) -> datetime | None:
        """Send one message; returns when it is to be tried again, if it is."""
        try:
            await self._transport.send(parcel.address.chat_id, parcel.reply)
        except ChatUnreachable as exc:
            log.warning("chat %s unreachable: %s", parcel.address, exc)
            reason = f"unreachable: {exc}"
            await self._chats.deactivate(parcel.address, str(exc))
            await self._outbox.mark_failed(parcel.id, reason)
            await self._outbox.fail_chat(parcel.address, reason)
        except TemporaryFailure as exc:
            if parcel.attempts >= MAX_ATTEMPTS:
                log.error("giving up on message %s to %s: %s", parcel.id, parcel.address, exc)
                await self._outbox.mark_failed(parcel.id, str(exc))
            else:
                delay = (
                    timedelta(seconds=exc.retry_after)
                    if exc.retry_after is not None
                    else backoff(parcel.attempts)
                )
                await self._outbox.retry_later(parcel.id, str(exc), delay)
                return self._clock.now() + delay
        except Exception as exc:
            log.exception("sending message %s to %s failed", parcel.id, parcel.address)
            await self._outbox.mark_failed(parcel.id, f"{type(exc).__name__}: {exc}")
        else:
            await self._outbox.mark_sent(parcel.id)
            if self._on_sent is not None:
                await self._on_sent(parcel.address, parcel.reply)
        return None

    async def run(self, stop: asyncio.Event) -> None:
        # Our own name's claims are from this worker's previous life (a crash): take them back
        # now. Others' only when stale: another live process may be sending them right now.
        await self._outbox.recover(self._transport.platform, worker=self._worker)
        await self._outbox.recover(self._transport.platform, stale_after=CLAIM_TIMEOUT)
        checked = -STOPPED_CHECK_SECONDS
        while not stop.is_set():
            # Cleared before the pass: a message queued while it runs wakes the next one.
            self._wake.clear()
            try:
                if self._outbox.shared and time.monotonic() - checked >= STOPPED_CHECK_SECONDS:
                    checked = time.monotonic()
                    await self._outbox.recover_stopped(self._transport.platform, self._worker)
                await self.deliver_due()
            except Exception:
                log.exception("outbox pass failed; trying again")
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            timeout = self._pause or self._poll
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()


def platform_postman(router: Router, transport: Transport) -> Postman:
    """The postman a running platform sends with: answers right after their commit, cards'
    buttons remembered for typed numbers, residents' groups' notices held through quiet hours."""
    app = router.app
    return Postman(
        app.outbox,
        app.chats,
        transport,
        # Several processes: each its own name (its slot), so a start takes back only its own.
        worker=f"{transport.platform}-run" + (f"@{app.inbox.worker}" if app.db.shared else ""),
        on_sent=router.delivered,
        hold=quiet_hold(app),
    )
