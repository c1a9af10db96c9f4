"""Exactly-once delivery: one outbox row per (notice, occurrence, chat), crashes, limits."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from bot.app import App
from bot.chats import Tag
from bot.clock import FakeClock
from bot.messages import Address, Reply
from bot.notices.delivery import fan_out, report
from bot.notices.repo import Draft, Kind, NoticeRepo, Targets
from bot.notices.schedule import Now
from bot.outbox import CLAIM_TIMEOUT
from bot.platforms.postman import Limits, Postman
from tests.notices.fakes import Crash, Recorder, add_groups, outbox_rows


async def broadcast(app: App, targets: Targets, **extra) -> tuple[int, object]:  # type: ignore[no-untyped-def]
    notice = await NoticeRepo(app.db, app.clock).add(
        Draft(kind=Kind.BROADCAST, body="今晚停水，请提前储水。", targets=targets,
              schedule=Now(), created_by="console:staff", **extra)
    )  # fmt: skip
    return notice.id, await fan_out(app, notice, notice.since)


async def test_fanning_out_twice_queues_each_chat_once(app) -> None:
    notice_id, first = await broadcast(app, Targets(tags=(Tag.RESIDENTS,)))
    notice = await NoticeRepo(app.db, app.clock).get(notice_id)
    assert first is not None and first.queued == 3  # type: ignore[attr-defined]
    assert await fan_out(app, notice, notice.since) is None  # type: ignore[arg-type]
    keys = [row["dedup_key"] for row in await outbox_rows(app)]
    assert len(keys) == 3
    assert keys[0] == f"notice:{notice_id}:2026-07-18T02:00:00+00:00:console:sanmen-residents"


async def test_a_duplicate_key_is_refused_and_announced_once(app) -> None:
    heard: list[str] = []
    app.outbox.listen(lambda address, reply: heard.append(reply.text))
    group = Address("console", "sanmen-residents")
    assert await app.outbox.put(group, Reply("一"), dedup_key="k1")
    assert not await app.outbox.put(group, Reply("一"), dedup_key="k1")
    assert heard == ["一"]


async def test_a_crash_mid_broadcast_to_300_chats_ends_with_one_delivery_each(
    app, settings, clock: FakeClock
) -> None:
    await add_groups(app, 300)
    notice_id, result = await broadcast(app, Targets(tags=(Tag.RESIDENTS,)))
    assert result.queued == 303  # type: ignore[attr-defined]  # and the three demo groups

    dying = Recorder(crash_after=120)
    with pytest.raises(Crash):
        await Postman(app.outbox, app.chats, dying, worker="first").deliver_due()
    assert len(dying.sent) == 120
    await app.close()  # the process is gone; its claimed rows stay 'sending'

    clock.advance(CLAIM_TIMEOUT + timedelta(seconds=1))
    fresh = await App.open(settings, clock)  # a new process on the same file
    try:
        survivor = Recorder()
        assert (
            await Postman(fresh.outbox, fresh.chats, survivor, worker="second").deliver_due() == 183
        )
        delivered = Counter(dying.chats() + survivor.chats())
        assert len(delivered) == 303 and set(delivered.values()) == {1}
        done = await report(
            fresh, (await fresh.db.scalar("SELECT MAX(id) FROM notice_occurrences"))
        )
        assert done is not None and (done.sent, done.waiting, done.failed) == (303, 0, 0)
        assert done.notice_id == notice_id
    finally:
        await fresh.close()


async def test_two_processes_at_once_never_send_twice(app, settings, clock) -> None:
    await add_groups(app, 60)
    await broadcast(app, Targets(tags=(Tag.RESIDENTS,)))
    other = await App.open(settings, clock)  # its own connection to the same file
    one, two = Recorder(), Recorder()
    try:
        await asyncio.gather(
            Postman(app.outbox, app.chats, one, worker="a").deliver_due(),
            Postman(other.outbox, other.chats, two, worker="b").deliver_due(),
        )
    finally:
        await other.close()
    delivered = Counter(one.chats() + two.chats())
    assert len(delivered) == 63 and set(delivered.values()) == {1}


async def test_a_group_chat_gets_at_most_20_a_minute_on_telegram(app, clock: FakeClock) -> None:
    group = Address("telegram", "-100123")
    for n in range(25):
        await app.outbox.put(group, Reply(f"第{n}条"), dedup_key=f"t{n}")
    recorder = Recorder(platform="telegram")
    postman = Postman(app.outbox, app.chats, recorder, worker="tg")
    assert await postman.deliver_due() == 20
    clock.advance(timedelta(seconds=30))
    assert await postman.deliver_due() == 0
    clock.advance(timedelta(seconds=31))
    assert await postman.deliver_due() == 5
    assert [reply.text for _, reply in recorder.sent] == [f"第{n}条" for n in range(25)]


async def test_telegram_overall_30_a_second(app, clock: FakeClock) -> None:
    for n in range(45):
        await app.outbox.put(Address("telegram", str(n)), Reply("通知"), dedup_key=f"o{n}")
    postman = Postman(app.outbox, app.chats, Recorder(platform="telegram"), worker="tg")
    assert await postman.deliver_due() == 30
    clock.advance(timedelta(seconds=1))
    assert await postman.deliver_due() == 15
    rows = await app.db.fetchall("SELECT attempts FROM outbox")
    assert {row["attempts"] for row in rows} == {1}  # held back is not a failed attempt


async def test_answers_are_not_paced_as_bulk_and_use_none_of_its_budget(
    app, clock: FakeClock
) -> None:
    """Someone who just wrote waits for the answer: the 30-a-second budget is for notices."""
    for n in range(40):
        reply = Reply("答复", answers="")
        await app.outbox.put(Address("telegram", str(n)), reply, dedup_key=f"a{n}")
    for n in range(35):
        await app.outbox.put(Address("telegram", f"g{n}"), Reply("通知"), dedup_key=f"b{n}")
    recorder = Recorder(platform="telegram")
    postman = Postman(app.outbox, app.chats, recorder, worker="tg")
    assert await postman.deliver_due() == 70  # all 40 answers, and 30 notices
    assert [r.text for _, r in recorder.sent].count("答复") == 40
    clock.advance(timedelta(seconds=1))
    assert await postman.deliver_due() == 5


async def test_a_wecom_robot_takes_20_a_minute(app, clock: FakeClock) -> None:
    for n in range(22):
        await app.outbox.put(Address("wecom", "robot-1"), Reply("通知"), dedup_key=f"w{n}")
    postman = Postman(app.outbox, app.chats, Recorder(platform="wecom"), worker="wc")
    assert await postman.deliver_due() == 20
    clock.advance(timedelta(minutes=1))
    assert await postman.deliver_due() == 2


async def test_limits_can_be_given(app) -> None:
    for n in range(3):
        await app.outbox.put(Address("console", "c"), Reply("通知"), dedup_key=f"c{n}")
    postman = Postman(app.outbox, app.chats, Recorder(), worker="c", limits=Limits(per_chat=1))
    assert await postman.deliver_due() == 1


async def test_a_chat_that_refuses_the_bot_is_inactive_and_its_deliveries_failed(app) -> None:
    await app.outbox.put(Address("console", "xier-residents"), Reply("早先的消息"), dedup_key="x0")
    notice_id, _ = await broadcast(app, Targets(tags=(Tag.RESIDENTS,)))
    recorder = Recorder(refuse={"xier-residents"})
    await Postman(app.outbox, app.chats, recorder, worker="w").deliver_due()
    chat = await app.chats.find(Address("console", "xier-residents"))
    assert chat is not None and not chat.active
    failed = await outbox_rows(app, "xier-residents")
    assert {row["status"] for row in failed} == {"failed"}
    assert all("unreachable" in str(row["error"]) for row in failed)
    occurrence = await app.db.scalar(
        "SELECT id FROM notice_occurrences WHERE notice_id = ?", (notice_id,)
    )
    result = await report(app, occurrence)
    assert result is not None and (result.sent, result.inactive, result.failed) == (2, 1, 0)

    _, later = await broadcast(app, Targets(tags=(Tag.RESIDENTS,)))  # an inactive chat is recorded
    assert (later.queued, later.inactive) == (2, 1)  # type: ignore[attr-defined]


async def test_quiet_hours_are_checked_again_when_sending(app, clock) -> None:
    """A bot back up at 03:00 holds residents' groups' messages till morning, urgent ones aside."""
    from datetime import UTC, datetime

    from bot.messages import Address, Reply
    from bot.notices.delivery import quiet_hold
    from bot.platforms.postman import Postman

    clock.set(datetime(2026, 7, 18, 19, 0, tzinfo=UTC))  # 03:00 in Shanghai
    residents = Address("console", "sanmen-residents")
    staff = Address("console", "staff-group")
    await app.outbox.put(residents, Reply("夏季消防提醒"), dedup_key="q:1")
    await app.outbox.put(residents, Reply("紧急：停电检修", urgent=True), dedup_key="q:2")
    await app.outbox.put(staff, Reply("值班提醒"), dedup_key="q:3")
    sent: list[str] = []

    class Transport:
        platform = "console"

        async def send(self, chat_id: str, reply: Reply) -> None:
            sent.append(reply.text)

    postman = Postman(app.outbox, app.chats, Transport(), worker="t", hold=quiet_hold(app))
    await postman.deliver_due()
    assert sorted(sent) == ["值班提醒", "紧急：停电检修"]
    clock.set(datetime(2026, 7, 19, 0, 0, tzinfo=UTC))  # 08:00
    await postman.deliver_due()
    assert sent[-1] == "夏季消防提醒" and len(sent) == 3
