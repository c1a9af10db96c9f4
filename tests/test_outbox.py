"""The outbox: once per key, claimed by one worker, retried and recovered after a crash."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.messages import Address, Attachment, Option, Reply
from bot.outbox import reply_from_json, reply_to_json
from bot.platforms.base import ChatUnreachable, TemporaryFailure
from bot.platforms.postman import Postman

# The claims and their guarantees hold on both engines.
pytestmark = pytest.mark.both_engines

GROUP = Address("console", "sanmen-residents")


class Recorder:
    platform = "console"

    def __init__(self, fail: Exception | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail = fail

    async def send(self, chat_id: str, reply: Reply) -> None:
        if self.fail is not None:
            raise self.fail
        self.sent.append((chat_id, reply.text))


async def test_a_key_is_queued_once(app) -> None:
    heard: list[str] = []
    app.outbox.listen(lambda address, reply: heard.append(reply.text))
    assert await app.outbox.put(GROUP, Reply("通知"), dedup_key="n:1")
    assert not await app.outbox.put(GROUP, Reply("通知"), dedup_key="n:1")
    assert heard == ["通知"]
    assert len(await app.outbox.claim("console", "w")) == 1


def test_replies_survive_the_round_trip() -> None:
    reply = Reply(
        "文字",
        (Option("确认", "ok"),),
        photo=Attachment("chart.png", b"\x89PNG", None, "image/png"),
    )
    assert reply_from_json(reply_to_json(reply)) == reply


async def test_postman_sends_each_once_and_recovers_a_crashed_claim(app) -> None:
    for n in range(5):
        await app.outbox.put(GROUP, Reply(f"第{n}条"), dedup_key=f"k:{n}")
    crashed = await app.outbox.claim("console", "dead-worker", limit=2)  # claimed, never sent
    assert len(crashed) == 2
    recorder = Recorder()
    postman = Postman(app.outbox, app.chats, recorder, worker="w2")
    # The chat's next messages wait for the two in another sender's hand: never out of order.
    assert await postman.deliver_due() == 0
    assert await app.outbox.recover("console") == 2
    assert await postman.deliver_due() == 5
    assert [text for _, text in recorder.sent] == [f"第{n}条" for n in range(5)]
    assert await postman.deliver_due() == 0


async def test_a_chat_has_one_sender_at_a_time_and_other_chats_go_on(app) -> None:
    other = Address("console", "gaoxiong-residents")
    await app.outbox.put(GROUP, Reply("先"), dedup_key="g1")
    await app.outbox.put(other, Reply("别的群"), dedup_key="o1")
    [first] = await app.outbox.claim("console", "worker", chat_id=GROUP.chat_id)
    await app.outbox.put(GROUP, Reply("后"), dedup_key="g2")  # queued while the first is sent
    recorder = Recorder()
    assert await Postman(app.outbox, app.chats, recorder, worker="bg").deliver_due() == 1
    assert [text for _, text in recorder.sent] == ["别的群"]
    await app.outbox.mark_sent(first.id)
    assert await Postman(app.outbox, app.chats, recorder, worker="bg").deliver_due() == 1
    assert [text for _, text in recorder.sent] == ["别的群", "后"]


async def test_a_claim_reads_only_due_rows_however_many_were_sent(app) -> None:
    """Sent rows are kept; a claim (one before every answer is sent) must not read them all."""
    from bot.outbox import _CLAIM, _CLAIM_FOR_CHAT

    for n in range(300):
        await app.outbox.put(GROUP, Reply(f"旧{n}"), dedup_key=f"old:{n}")
    for parcel in await app.outbox.claim("console", "w", limit=300):
        await app.outbox.mark_sent(parcel.id)
    await app.outbox.put(GROUP, Reply("新"), dedup_key="new")
    [due] = await app.outbox.claim("console", "w", chat_id=GROUP.chat_id)
    assert due.reply.text == "新"
    if app.db.engine != "sqlite":  # the query plan below is SQLite's
        return
    for sql, params in (
        (_CLAIM, ("w", "9", "console", "9", "0", "console", "0", 10)),
        (_CLAIM_FOR_CHAT, ("w", "9", "console", "c", "9", "0", "console", "c", "0", 10)),
    ):
        plan = [row[3] for row in await app.db.fetchall(f"EXPLAIN QUERY PLAN {sql}", params)]
        assert not [step for step in plan if step.startswith("SCAN")], plan
        searches = [s for s in plan if s.startswith("SEARCH")]
        assert all("status=?" in s or "chat_id=?" in s or "rowid=?" in s for s in searches)


async def test_unreachable_chat_is_deactivated_and_temporary_failures_wait(
    app, clock: FakeClock
) -> None:
    await app.outbox.put(GROUP, Reply("a"), dedup_key="a")
    await Postman(
        app.outbox, app.chats, Recorder(ChatUnreachable("kicked")), worker="w"
    ).deliver_due()
    assert not (await app.chats.find(GROUP)).active

    other = Address("console", "gaoxiong-residents")
    await app.outbox.put(other, Reply("b"), dedup_key="b")
    flaky = Postman(app.outbox, app.chats, Recorder(TemporaryFailure("429", 30)), worker="w")
    await flaky.deliver_due()
    working = Recorder()
    postman = Postman(app.outbox, app.chats, working, worker="w")
    assert await postman.deliver_due() == 0  # not due for 30 seconds
    clock.advance(timedelta(seconds=31))
    assert await postman.deliver_due() == 1 and working.sent == [("gaoxiong-residents", "b")]
