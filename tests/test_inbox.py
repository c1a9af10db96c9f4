"""The inbox: recorded once by the platform's id, handed out one person at a time, never lost."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import App
from bot.db import DatabaseBusy
from bot.inbox import InboxWorker, Received

# The claims and their guarantees hold on both engines.
pytestmark = pytest.mark.both_engines


async def test_an_update_is_recorded_once_by_its_platform_id(app: App) -> None:
    first = await app.inbox.put("wecom", "msg-1", "zhang", "<xml/>")
    again = await app.inbox.put("wecom", "msg-1", "zhang", "<xml/>")
    other_platform = await app.inbox.put("telegram", "msg-1", "7:7", "{}")
    assert first is not None and again is None and other_platform is not None
    assert [r.update_key for r in await app.inbox.waiting("wecom")] == ["msg-1"]


async def test_one_persons_updates_in_order_and_people_side_by_side(app: App) -> None:
    gates = {key: asyncio.Event() for key in ("a1", "a2", "b1")}
    began = {key: asyncio.Event() for key in gates}
    started: list[str] = []

    async def handle(received: Received) -> None:
        started.append(received.update_key)
        began[received.update_key].set()
        await gates[received.update_key].wait()
        await app.inbox.mark_handled(received.id)

    worker = InboxWorker(app.inbox, "wecom", handle)
    for key, person in (("a1", "a"), ("a2", "a"), ("b1", "b")):
        received = await app.inbox.put("wecom", key, person, "")
        assert received is not None
        worker.submit(received)
    await asyncio.wait_for(asyncio.gather(began["a1"].wait(), began["b1"].wait()), 5)
    assert started == ["a1", "b1"]  # b is not held up by a; a's second waits for the first
    gates["b1"].set()
    await asyncio.sleep(0)
    assert not began["a2"].is_set()
    gates["a1"].set()
    await asyncio.wait_for(began["a2"].wait(), 5)
    assert started == ["a1", "b1", "a2"]
    gates["a2"].set()
    await worker.idle()
    assert await app.inbox.waiting("wecom") == []


async def test_what_a_stopped_run_left_is_taken_up_at_the_next_start(app: App) -> None:
    for key in ("1", "2"):
        await app.inbox.put("telegram", key, "7:7", "")
    handled: list[str] = []

    async def handle(received: Received) -> None:
        handled.append(received.update_key)
        await app.inbox.mark_handled(received.id)

    worker = InboxWorker(app.inbox, "telegram", handle)
    assert await worker.take_up_waiting() == 2
    await worker.idle()
    assert handled == ["1", "2"]
    assert await InboxWorker(app.inbox, "telegram", handle).take_up_waiting() == 0


async def test_an_update_that_keeps_failing_is_set_aside_and_the_next_goes_on(app: App) -> None:
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    async def handle(received: Received) -> None:
        if received.update_key == "bad":
            raise ValueError("cannot be read")
        await app.inbox.mark_handled(received.id)

    worker = InboxWorker(app.inbox, "wecom", handle, sleep=sleep, pauses=(1, 5))
    for key in ("bad", "good"):
        received = await app.inbox.put("wecom", key, "zhang", "")
        assert received is not None
        worker.submit(received)
    await worker.idle()
    assert pauses == [1, 5]
    assert await app.inbox.waiting("wecom") == []
    row = await app.db.fetchone("SELECT attempts, error FROM inbox WHERE update_key = 'bad'")
    assert row is not None and row["attempts"] == 3 and "cannot be read" in row["error"]


async def test_a_busy_database_is_waited_out_and_never_sets_an_update_aside(app: App) -> None:
    busy_for = 10
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    async def handle(received: Received) -> None:
        if len(pauses) < busy_for:
            raise DatabaseBusy("held by another process")
        await app.inbox.mark_handled(received.id)

    worker = InboxWorker(app.inbox, "wecom", handle, sleep=sleep, pauses=(1, 5))
    received = await app.inbox.put("wecom", "m", "zhang", "")
    assert received is not None
    worker.submit(received)
    await worker.idle()
    assert len(pauses) == busy_for
    assert await app.inbox.is_handled(received.id)
    row = await app.db.fetchone("SELECT attempts, error FROM inbox WHERE id = ?", (received.id,))
    assert row is not None and (row["attempts"], row["error"]) == (0, None)
