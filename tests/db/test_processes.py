"""Several processes on one PostgreSQL database, each a full bot: two ``App``s (two pools)
share the outbox, the inbox and the scheduler's lead, and nothing is done twice or lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.db import Database
from bot.inbox import TAKEOVER_AFTER, AlreadyHandled, InboxWorker, Received
from bot.messages import Address, Reply
from bot.notices.scheduler import run_scheduler
from bot.outbox import CLAIM_TIMEOUT
from bot.settings import Settings


@pytest.fixture
async def two(pg_url: str, clock: FakeClock) -> AsyncIterator[tuple[App, App]]:
    """Two bots on one database, as two ``juwei run`` processes would be."""
    # Two workers behind one load balancer: each its own HTTP port.
    first = await App.open(Settings(database_url=pg_url, _env_file=None), clock, demo=True)
    second = await App.open(Settings(database_url=pg_url, http_port=8081, _env_file=None), clock)
    yield first, second
    await second.close()
    await first.close()


async def test_two_postmen_claim_a_broadcast_with_no_message_twice_and_none_left(two) -> None:
    first, second = two
    for n in range(120):
        await first.outbox.put(Address("wecom", f"group{n}"), Reply("通知"), dedup_key=f"b:{n}")

    async def drain(app: App, name: str) -> list[int]:
        taken: list[int] = []
        while parcels := await app.outbox.claim("wecom", name, limit=7):
            taken += [p.id for p in parcels]
            for parcel in parcels:
                await app.outbox.mark_sent(parcel.id)
        return taken

    a, b = await asyncio.gather(drain(first, "a"), drain(second, "b"))
    assert a and b  # both did some of the work
    assert not set(a) & set(b)
    assert len(a) + len(b) == 120


async def test_a_claim_by_a_stopped_process_is_taken_over_after_the_timeout(
    two, clock: FakeClock
) -> None:
    first, second = two
    await first.outbox.put(Address("wecom", "g1"), Reply("通知"), dedup_key="k1")
    assert len(await first.outbox.claim("wecom", "dead")) == 1  # then the process died
    assert await second.outbox.claim("wecom", "alive") == []
    clock.advance(CLAIM_TIMEOUT + timedelta(seconds=1))
    (parcel,) = await second.outbox.claim("wecom", "alive")
    assert parcel.reply.text == "通知" and parcel.attempts == 2


async def test_the_scheduler_lead_is_one_process_s_and_passes_on_when_it_dies(
    pg_url: str,
) -> None:
    first, second = Database(pg_url), Database(pg_url)
    async with first, second:
        lead = await first.lead("scheduler")
        assert lead is not None
        assert await second.lead("scheduler") is None
        # The holder's process dies: the server ends its session and frees the lock.
        admin = await asyncpg.connect(pg_url)
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks"
                " WHERE locktype = 'advisory' AND granted"
            )
        finally:
            await admin.close()
        await asyncio.wait_for(lead.lost.wait(), 5)
        taken = await second.lead("scheduler")
        assert taken is not None
        await taken.release()
        await lead.release()


async def test_only_one_of_two_runners_starts_the_scheduler(two, monkeypatch) -> None:
    first, second = two
    started: list[App] = []
    refused = 0
    asked_thrice = asyncio.Event()

    from bot.notices import scheduler as module

    async def start(self: module.Scheduler) -> module.Outcome:
        started.append(self.app)
        return module.Outcome()

    async def stop(self: module.Scheduler) -> None:
        return None

    def counting(db: Database):  # type: ignore[no-untyped-def]
        lead = db.lead

        async def ask(name: str):  # type: ignore[no-untyped-def]
            nonlocal refused
            held = await lead(name)
            if held is None:
                refused += 1
                if refused >= 3:
                    asked_thrice.set()
            return held

        return ask

    monkeypatch.setattr(module.Scheduler, "start", start)
    monkeypatch.setattr(module.Scheduler, "stop", stop)
    for app in (first, second):
        monkeypatch.setattr(app.db, "lead", counting(app.db))
    stop_event = asyncio.Event()
    runners = [
        asyncio.create_task(run_scheduler(app, stop_event, retry_seconds=0.05))
        for app in (first, second)
    ]
    await asyncio.wait_for(asked_thrice.wait(), 10)  # the other runner kept asking, refused
    assert len(started) == 1
    stop_event.set()
    await asyncio.gather(*runners)


def _answering(app: App, done: list[tuple[str, int]], name: str):  # type: ignore[no-untyped-def]
    """A handler like ``Router.answer``: one transaction that marks the row handled."""

    async def handle(received: Received) -> None:
        async with app.db.transaction():
            await asyncio.sleep(0.01)  # the answer takes a moment: the other worker runs
            if not await app.inbox.mark_handled(received.id):
                raise AlreadyHandled(received.id)
            done.append((name, received.id))

    return handle


async def test_one_persons_updates_are_answered_in_order_across_two_workers(two) -> None:
    first, second = two
    done: list[tuple[str, int]] = []
    workers = [
        InboxWorker(first.inbox, "wecom", _answering(first, done, "a")),
        InboxWorker(second.inbox, "wecom", _answering(second, done, "b")),
    ]
    ids = []
    for n in range(8):  # the load balancer alternates: odd ones reach the second process
        app, worker = (first, workers[0]) if n % 2 == 0 else (second, workers[1])
        received = await app.inbox.put("wecom", f"m{n}", "zhang", "<xml/>")
        assert received is not None
        ids.append(received.id)
        worker.submit(received)
    await asyncio.gather(*(w.idle() for w in workers))
    assert [row_id for _, row_id in done] == ids
    assert {name for name, _ in done} == {"a", "b"}


async def test_an_update_two_workers_hold_is_answered_once(two) -> None:
    first, second = two
    done: list[tuple[str, int]] = []
    received = await first.inbox.put("wecom", "m1", "li", "<xml/>")
    assert received is not None
    workers = [
        InboxWorker(first.inbox, "wecom", _answering(first, done, "a")),
        InboxWorker(second.inbox, "wecom", _answering(second, done, "b")),
    ]
    for worker in workers:
        worker.submit(received)
    await asyncio.gather(*(w.idle() for w in workers))
    assert len(done) == 1
    errors = await first.db.scalar("SELECT error FROM inbox WHERE id = ?", (received.id,))
    assert errors is None  # the loser was not counted as a failure


async def test_a_hung_workers_updates_are_taken_over_after_the_timeout(
    two, clock: FakeClock
) -> None:
    first, second = two
    alive = await first.db.lead(f"alive:{first.inbox.worker}")  # it runs, but never answers
    assert alive is not None
    done: list[tuple[str, int]] = []
    received = await first.inbox.put("wecom", "m1", "wang", "<xml/>")
    assert received is not None
    worker = InboxWorker(second.inbox, "wecom", _answering(second, done, "b"))
    assert await worker.take_up_waiting() == 0  # its own process may still answer it
    clock.advance(TAKEOVER_AFTER)
    assert await worker.take_up_waiting() == 1
    await worker.idle()
    assert done == [("b", received.id)]
    await alive.release()


async def test_a_later_update_answers_the_earlier_one_a_stopped_worker_left_first(
    two, clock: FakeClock
) -> None:
    first, second = two
    done: list[tuple[str, int]] = []
    left = await first.inbox.put("wecom", "m1", "zhao", "<xml/>")  # then the first died
    assert left is not None
    clock.advance(TAKEOVER_AFTER)
    later = await second.inbox.put("wecom", "m2", "zhao", "<xml/>")
    assert later is not None
    worker = InboxWorker(second.inbox, "wecom", _answering(second, done, "b"))
    worker.submit(later)
    await worker.idle()
    assert done == [("b", left.id), ("b", later.id)]


async def test_a_stopped_workers_claims_are_taken_back_at_once(two) -> None:
    first, second = two
    alive = await first.db.lead(f"alive:{first.inbox.worker}")  # as juwei run holds it
    assert alive is not None
    await first.outbox.put(Address("wecom", "g1"), Reply("通知"), dedup_key="k1")
    mine = f"wecom-run@{first.inbox.worker}"
    assert len(await first.outbox.claim("wecom", mine)) == 1
    other = f"wecom-run@{second.inbox.worker}"
    assert await second.outbox.recover_stopped("wecom", other) == 0  # the first still runs
    await alive.release()  # the first process stops (or is killed: its session ends)
    assert await second.outbox.recover_stopped("wecom", other) == 1
    (parcel,) = await second.outbox.claim("wecom", other)
    assert parcel.reply.text == "通知"


async def test_a_stopped_workers_updates_are_taken_up_at_once(two) -> None:
    first, second = two
    alive = await first.db.lead(f"alive:{first.inbox.worker}")
    assert alive is not None
    received = await first.inbox.put("wecom", "m1", "qian", "<xml/>")
    assert received is not None
    done: list[tuple[str, int]] = []
    worker = InboxWorker(second.inbox, "wecom", _answering(second, done, "b"))
    assert await worker.take_up_waiting() == 0
    await alive.release()
    assert await worker.take_up_waiting() == 1
    await worker.idle()
    assert done == [("b", received.id)]


async def test_a_later_update_waits_for_a_live_worker_but_not_for_a_stopped_one(two) -> None:
    """One person wrote to two workers in turn and the first was killed: the second answers
    the first message as soon as the first worker's alive lock is free, not after the hung
    worker's timeout."""
    first, second = two
    alive = await first.db.lead(f"alive:{first.inbox.worker}")
    assert alive is not None
    left = await first.inbox.put("wecom", "m1", "sun", "<xml/>")
    later = await second.inbox.put("wecom", "m2", "sun", "<xml/>")
    assert left is not None and later is not None
    assert await second.inbox.earlier_stale(later) is None  # the first is answering it
    await alive.release()  # killed: the server frees its session's locks
    found = await second.inbox.earlier_stale(later)
    assert found is not None and found.id == left.id
