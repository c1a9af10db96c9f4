"""Drains the outbox for one platform: claim → send → mark; one failing chat stops no other."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.chats import ChatRepo
from bot.messages import Address, Reply
from bot.outbox import Outbox, Parcel
from bot.platforms.base import ChatUnreachable, TemporaryFailure, Transport

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6


def backoff(attempt: int) -> timedelta:
    return timedelta(seconds=min(300, 2**attempt))


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
    ) -> None:
        self._outbox = outbox
        self._chats = chats
        self._transport = transport
        self._worker = worker
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._on_sent = on_sent  # e.g. remember a delivered card's buttons for typed numbers

    def wake(self) -> None:
        self._wake.set()

    async def deliver_due(self, chat_id: str | None = None) -> int:
        """Send everything due now; returns how many were handled."""
        handled = 0
        while parcels := await self._outbox.claim(
            self._transport.platform, self._worker, chat_id=chat_id
        ):
            for parcel in parcels:
                await self._deliver(parcel)
            handled += len(parcels)
        return handled

    async def _deliver(self, parcel: Parcel) -> None:
        try:
            await self._transport.send(parcel.address.chat_id, parcel.reply)
        except ChatUnreachable as exc:
            log.warning("chat %s unreachable: %s", parcel.address, exc)
            await self._chats.deactivate(parcel.address, str(exc))
            await self._outbox.mark_failed(parcel.id, f"unreachable: {exc}")
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
        except Exception as exc:
            log.exception("sending message %s to %s failed", parcel.id, parcel.address)
            await self._outbox.mark_failed(parcel.id, f"{type(exc).__name__}: {exc}")
        else:
            await self._outbox.mark_sent(parcel.id)
            if self._on_sent is not None:
                await self._on_sent(parcel.address, parcel.reply)

    async def run(self, stop: asyncio.Event) -> None:
        await self._outbox.recover(self._transport.platform)
        while not stop.is_set():
            try:
                await self.deliver_due()
            except Exception:
                log.exception("outbox pass failed; trying again")
            self._wake.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            await asyncio.wait(waiters, timeout=self._poll, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
