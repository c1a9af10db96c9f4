"""Small pieces the chat adapters share: one turn at a time per key, bounded memories, and
replies in parts sent once each."""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from typing import TypeVar

from bot.messages import Reply

T = TypeVar("T")


class Bounded(OrderedDict[Hashable, int]):
    """A dict that forgets its oldest entries beyond a size."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def remember(self, key: Hashable, value: int = 0) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class KeyedLocks:
    """One lock per key (say, a person in a chat), dropped when nobody holds or waits for it.

    The count of holders and waiters decides when a lock goes: a released lock whose next
    waiter has not run yet looks unlocked, and dropping it then would let a newcomer run
    beside that waiter.
    """

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class PartsSent:
    """How far each multi-part reply got: a long text in pieces, a text and then its photo.

    When a later part fails (a flood wait, a rate limit, a network fault) the postman tries
    the whole reply again; the parts that went out are skipped then, so nobody reads them
    twice. Kept in memory only: after a restart in between they are sent again, which beats
    losing the rest.
    """

    def __init__(self, size: int = 1000) -> None:
        self._done = Bounded(size)

    async def deliver(
        self, chat_id: str, reply: Reply, parts: Sequence[Callable[[], Awaitable[T]]]
    ) -> list[T]:
        key = (chat_id, reply)
        results: list[T] = []
        for index in range(self._done.get(key, 0), len(parts)):
            results.append(await parts[index]())
            self._done.remember(key, index + 1)
        self._done.pop(key, None)
        return results
