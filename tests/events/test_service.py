"""The events service: seats, waiting list, promotion, deadline, cancellation, reminders."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from bot.app import App
from bot.clock import FakeClock
from bot.events.ics import calendar_file
from bot.events.model import NewEvent, Outcome, SignupStatus
from bot.events.service import Events
from bot.settings import Settings
from bot.users import User

START = datetime(2026, 7, 25, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai, a week after the clock


async def make_event(app: App, **changes: object) -> int:
    details = {"title": "拥军慰问活动", "starts_at": START, "place": "三门居委会活动室"}
    details.update(changes)
    event = await Events.of(app).create(NewEvent(**details), by="test")  # type: ignore[arg-type]
    return event.id


async def people(app: App, count: int, prefix: str = "p") -> list[User]:
    return [await app.users.ensure("console", f"{prefix}{n}") for n in range(count)]


async def pending(app: App, like: str) -> list[tuple[str, str, str]]:
    rows = await app.db.fetchall(
        "SELECT dedup_key, chat_id, not_before FROM outbox"
        " WHERE status = 'pending' AND dedup_key LIKE ? ORDER BY id",
        (like,),
    )
    return [(r["dedup_key"], r["chat_id"], r["not_before"]) for r in rows]


async def test_parties_of_different_sizes_fill_seats_then_wait(app: App) -> None:
    service = Events.of(app)
    event_id = await make_event(app, capacity=5, max_party=3)
    a, b, c, d = await people(app, 4)
    first = await service.sign_up(event_id, a, name="A", party=3)
    second = await service.sign_up(event_id, b, name="B", party=3)
    third = await service.sign_up(event_id, c, name="C", party=2)
    fourth = await service.sign_up(event_id, d, name="D", party=1)
    assert first.outcome is Outcome.CONFIRMED
    assert (second.outcome, second.position) == (Outcome.WAITING, 1)
    assert third.outcome is Outcome.CONFIRMED  # 2 still fit after A's 3
    assert (fourth.outcome, fourth.position) == (Outcome.WAITING, 2)
    assert await service.seats_taken(event_id) == 5
    again = await service.sign_up(event_id, a, name="A", party=1)
    assert again.outcome is Outcome.ALREADY  # one sign-up per person
    too_big = await service.sign_up(event_id, (await people(app, 1, "q"))[0], name="E", party=4)
    assert too_big.outcome is Outcome.PARTY_TOO_BIG


async def test_cancel_promotes_the_first_waiting_party_that_fits(app: App) -> None:
    service = Events.of(app)
    event_id = await make_event(app, capacity=4, max_party=3)
    a, b, c, d, e = await people(app, 5)
    await service.sign_up(event_id, a, name="A", party=2)
    signed_b = await service.sign_up(event_id, b, name="B", party=2)
    await service.sign_up(event_id, c, name="C", party=3)  # waits first
    await service.sign_up(event_id, d, name="D", party=1)  # waits second
    await service.sign_up(event_id, e, name="E", party=2)  # waits third
    assert signed_b.signup is not None
    cancelled = await service.cancel_signup(signed_b.signup.id, b)
    assert cancelled.outcome is Outcome.CANCELLED
    # Two seats free: C (3) does not fit, D (1) does, then E (2) no longer fits.
    assert [p.signup.name for p in cancelled.promoted] == ["D"]
    roster = await service.roster(event_id)
    assert roster is not None
    assert [line.signup.name for line in roster.confirmed] == ["A", "D"]
    assert [(line.position, line.signup.name) for line in roster.waiting] == [(1, "C"), (2, "E")]
    told = await app.outbox.claim("console", "test", chat_id=d.external_id)
    assert any("从候补转为报名成功" in p.reply.text for p in told)
    assert any(p.reply.document and p.reply.document.name == "event.ics" for p in told)
    assert await app.outbox.claim("console", "test", chat_id=c.external_id) == []
    # The promotion is told once, even if the same promotion were announced again.
    promotion = cancelled.promoted[0]
    await service.notices.promoted(promotion.event, promotion.signup, d)
    assert await app.outbox.claim("console", "test", chat_id=d.external_id) == []


async def test_party_changes_fit_or_are_refused(app: App) -> None:
    service = Events.of(app)
    event_id = await make_event(app, capacity=4, max_party=3)
    a, b, c = await people(app, 3)
    signed_a = await service.sign_up(event_id, a, name="A", party=2)
    await service.sign_up(event_id, b, name="B", party=2)
    await service.sign_up(event_id, c, name="C", party=1)
    assert signed_a.signup is not None
    bigger = await service.change_party(signed_a.signup.id, a, 3)
    assert (bigger.outcome, bigger.free) == (Outcome.NO_ROOM, 0)
    smaller = await service.change_party(signed_a.signup.id, a, 1)
    assert smaller.outcome is Outcome.CHANGED
    assert [p.signup.name for p in smaller.promoted] == ["C"]
    assert await service.seats_taken(event_id) == 4
    someone_else = await service.change_party(signed_a.signup.id, b, 1)
    assert someone_else.outcome is Outcome.NOT_FOUND  # only one's own sign-up


async def test_after_the_deadline_sign_up_changes_nothing(app: App, clock: FakeClock) -> None:
    service = Events.of(app)
    event_id = await make_event(app, capacity=10, deadline=START - timedelta(days=2))
    early, late = await people(app, 2)
    signed = await service.sign_up(event_id, early, name="早")
    clock.set(START - timedelta(days=1))
    refused = await service.sign_up(event_id, late, name="晚")
    assert refused.outcome is Outcome.CLOSED
    assert await app.db.scalar("SELECT COUNT(*) FROM signups WHERE event_id = ?", (event_id,)) == 1
    assert signed.signup is not None
    change = await service.change_party(signed.signup.id, early, 1)
    assert change.outcome is Outcome.CLOSED
    assert event_id not in [e.id for e in await service.open_for(late)]
    # Someone who cannot come may still give their seat back until the start.
    assert (await service.cancel_signup(signed.signup.id, early)).outcome is Outcome.CANCELLED
    clock.set(START + timedelta(minutes=1))
    assert (await service.sign_up(event_id, late, name="晚")).outcome is Outcome.STARTED


async def test_a_cancelled_event_tells_everyone_and_takes_no_sign_ups(app: App) -> None:
    service = Events.of(app)
    event_id = await make_event(app, capacity=1)
    a, b, c = await people(app, 3)
    await service.sign_up(event_id, a, name="A")
    await service.sign_up(event_id, b, name="B")  # waiting
    assert len(await pending(app, f"ev:{event_id}:remind:%")) == 2
    assert await service.cancel_event(event_id) == 2
    assert await service.cancel_event(event_id) is None
    assert await pending(app, f"ev:{event_id}:remind:%") == []
    for person in (a, b):
        told = await app.outbox.claim("console", "test", chat_id=person.external_id)
        assert any("已取消" in p.reply.text for p in told)
    refused = await service.sign_up(event_id, c, name="C")
    assert refused.outcome is Outcome.EVENT_CANCELLED
    assert await app.db.scalar("SELECT COUNT(*) FROM signups WHERE user_id = ?", (c.id,)) == 0


async def test_reminders_come_a_day_and_two_hours_before(app: App, clock: FakeClock) -> None:
    service = Events.of(app)
    event_id = await make_event(app, capacity=1)
    for _ in range(10):  # event 11 beside event 1: their reminder keys must not mix
        other_id = await make_event(app, title="消防演练")
    assert str(other_id).startswith(str(event_id))
    a, b = await people(app, 2)
    signed = await service.sign_up(event_id, a, name="A")
    await service.sign_up(other_id, a, name="A")
    rows = await pending(app, f"ev:{event_id}:remind:%")
    assert [(key.split(":")[3], chat) for key, chat, _ in rows] == [("1d", "p0"), ("2h", "p0")]
    assert [datetime.fromisoformat(at) for _, _, at in rows] == [
        START - timedelta(days=1),
        START - timedelta(hours=2),
    ]
    await service.sign_up(event_id, b, name="B")  # waiting: no reminders yet
    assert all(chat == "p0" for _, chat, _ in await pending(app, f"ev:{event_id}:remind:%"))

    assert signed.signup is not None
    await service.cancel_signup(signed.signup.id, a)
    rows = await pending(app, f"ev:{event_id}:remind:%")
    assert [chat for _, chat, _ in rows] == ["p1", "p1"]  # B promoted, A's removed
    assert len(await pending(app, f"ev:{other_id}:remind:%")) == 2  # the other event untouched

    clock.set(START - timedelta(days=1, minutes=-1))
    due = await app.outbox.claim("console", "test", chat_id="p1")
    texts = [p.reply.text for p in due]
    assert any("明天" in t for t in texts) and not any("两小时后" in t for t in texts)
    clock.set(START - timedelta(hours=2))
    due = await app.outbox.claim("console", "test", chat_id="p1")
    assert [p.reply.text for p in due if "两小时后" in p.reply.text]


async def test_rescheduling_replaces_the_reminders(app: App) -> None:
    service = Events.of(app)
    event_id = await make_event(app, capacity=5)
    (a,) = await people(app, 1)
    await service.sign_up(event_id, a, name="A")
    later = START + timedelta(days=3)
    moved = await service.reschedule(event_id, later)
    assert moved is not None and moved.starts_at == later
    rows = await pending(app, f"ev:{event_id}:remind:%")
    assert [datetime.fromisoformat(at) for _, _, at in rows] == [
        later - timedelta(days=1),
        later - timedelta(hours=2),
    ]
    told = await app.outbox.claim("console", "test", chat_id="p0")
    assert any("时间有变动" in p.reply.text for p in told)


async def test_committee_events_are_for_their_residents(app: App) -> None:
    service = Events.of(app)
    sanmen = await app.committees.resident_by_name("三门")
    gaoxiong = await app.committees.resident_by_name("高雄")
    assert sanmen and gaoxiong
    event_id = await make_event(app, committee_ids=(sanmen.id,))
    here, there, nowhere = await people(app, 3)
    here = await app.users.join(here, sanmen.id, "三门居民", None)
    there = await app.users.join(there, gaoxiong.id, "高雄居民", None)
    assert (await service.sign_up(event_id, here, name="x")).outcome is Outcome.CONFIRMED
    assert (await service.sign_up(event_id, there, name="y")).outcome is Outcome.NOT_ELIGIBLE
    assert (await service.sign_up(event_id, nowhere, name="z")).outcome is Outcome.NOT_ELIGIBLE


async def test_phone_and_the_same_flow_run_twice(app: App) -> None:
    service = Events.of(app)
    event_id = await make_event(app, phone_required=True)
    (a,) = await people(app, 1)
    assert (await service.sign_up(event_id, a, name="A")).outcome is Outcome.PHONE_REQUIRED
    first = await service.sign_up(event_id, a, name="A", phone="13812345678", source="run-1")
    again = await service.sign_up(event_id, a, name="A", phone="13812345678", source="run-1")
    assert first.outcome is again.outcome is Outcome.CONFIRMED
    assert first.signup and again.signup and first.signup.code == again.signup.code


async def test_check_in_by_code(app: App) -> None:
    service = Events.of(app)
    event_id = await make_event(app, capacity=1)
    a, b = await people(app, 2)
    signed = await service.sign_up(event_id, a, name="A")
    waiting = await service.sign_up(event_id, b, name="B")
    assert signed.signup and waiting.signup
    code = signed.signup.code
    assert len(code) == 6
    done = await service.check_in(f" {code.lower()} ")
    assert done.outcome is Outcome.CONFIRMED and done.signup and done.signup.checked_in_at
    assert (await service.check_in(code)).outcome is Outcome.ALREADY
    assert (await service.check_in(waiting.signup.code)).outcome is Outcome.WAITING
    assert (await service.check_in("NOPE99")).outcome is Outcome.NOT_FOUND
    roster = await service.roster(event_id)
    assert roster is not None and roster.checked_in == 1


async def test_signing_up_again_after_cancelling_queues_at_the_back(app: App) -> None:
    service = Events.of(app)
    event_id = await make_event(app, capacity=1)
    a, b = await people(app, 2)
    signed = await service.sign_up(event_id, a, name="A")
    await service.sign_up(event_id, b, name="B")
    assert signed.signup is not None
    await service.cancel_signup(signed.signup.id, a)
    back = await service.sign_up(event_id, a, name="A")
    assert (back.outcome, back.position) == (Outcome.WAITING, 1)
    assert back.signup and back.signup.code != signed.signup.code


@pytest.mark.both_engines
async def test_200_concurrent_sign_ups_for_50_seats(
    app: App, settings: Settings, clock: FakeClock
) -> None:
    """Two processes' worth of connections race; exactly 50 get seats, the rest wait in order."""
    event_id = await make_event(app, capacity=50)
    other = await App.open(settings, clock)  # a second connection to the same file
    try:
        users = await people(app, 200, "r")
        first = Events.of(app)
        second = Events.of(other)

        async def sign(service: Events, user: User) -> None:
            await service.sign_up(event_id, user, name=user.external_id)

        await asyncio.gather(
            *(sign(first if n % 4 else second, user) for n, user in enumerate(users))
        )
    finally:
        await other.close()
    rows = await app.db.fetchall(
        "SELECT user_id, status, seq, party FROM signups WHERE event_id = ? ORDER BY seq",
        (event_id,),
    )
    assert len(rows) == 200
    statuses = [row["status"] for row in rows]
    assert statuses == ["confirmed"] * 50 + ["waiting"] * 150  # by arrival: first 50 seated
    assert [row["seq"] for row in rows] == list(range(1, 201))
    assert sum(row["party"] for row in rows if row["status"] == "confirmed") == 50
    # Within one connection, arrival order is the order the sign-ups were made.
    order = {row["user_id"]: row["seq"] for row in rows}
    same_connection = [order[u.id] for n, u in enumerate(users) if n % 4]
    assert same_connection == sorted(same_connection)
    roster = await Events.of(app).roster(event_id)
    assert roster is not None
    assert [line.position for line in roster.waiting] == list(range(1, 151))
    assert all(line.signup.status is SignupStatus.WAITING for line in roster.waiting)


def test_calendar_file_parses_back_with_the_shanghai_zone(clock: FakeClock) -> None:
    from zoneinfo import ZoneInfo

    from bot.events.model import Event, EventStatus

    tz = ZoneInfo("Asia/Shanghai")
    event = Event(
        id=7,
        title="消防安全培训",
        description="请带好身份证",
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        place="半淞园路街道社区文化活动中心",
        capacity=30,
        deadline=None,
        max_party=1,
        phone_required=False,
        status=EventStatus.OPEN,
        created_by="test",
    )
    data = calendar_file(event, tz, clock.now(), note="签到码：K7M2QX")
    assert b"\r\n" in data
    cal = Calendar.from_ical(data)
    zones = [c for c in cal.walk("VTIMEZONE")]
    assert [str(z["TZID"]) for z in zones] == ["Asia/Shanghai"]
    (item,) = cal.walk("VEVENT")
    start = item.decoded("DTSTART")
    assert start == START and start.utcoffset() == timedelta(hours=8)
    assert item["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert item.decoded("DTEND") == START + timedelta(hours=2)
    assert str(item["SUMMARY"]) == "消防安全培训"
    assert str(item["LOCATION"]) == "半淞园路街道社区文化活动中心"
    assert "K7M2QX" in str(item["DESCRIPTION"])
    assert str(item["UID"]) == "event-7@juwei" and "DTSTAMP" in item


@pytest.mark.parametrize("field", ["ends_at", "deadline"])
async def test_impossible_times_are_refused(app: App, field: str) -> None:
    moment = START + timedelta(hours=1) if field == "deadline" else START - timedelta(hours=1)
    with pytest.raises(ValueError):
        await make_event(app, **{field: moment})


async def test_a_changed_party_size_is_in_the_reminders(app: App) -> None:
    service = Events.of(app)
    event_id = await make_event(app, capacity=5, max_party=3)
    (a,) = await people(app, 1)
    signup = (await service.sign_up(event_id, a, name="A", party=3)).signup
    assert signup is not None
    assert (await service.change_party(signup.id, a, 1)).outcome is Outcome.CHANGED
    rows = await app.db.fetchall(
        "SELECT payload FROM outbox WHERE status = 'pending' AND dedup_key LIKE ?",
        (f"ev:{event_id}:remind:1d:%",),
    )
    assert len(rows) == 1
    assert "人数：1 人" in rows[0]["payload"] and "3 人" not in rows[0]["payload"]


async def test_a_rerun_after_a_crash_queues_the_missing_reminders_once(app: App) -> None:
    service = Events.of(app)
    event_id = await make_event(app)
    (a,) = await people(app, 1)
    await service.sign_up(event_id, a, name="A", source="run-1")
    # The crash came after the seat was saved but before the reminders were queued.
    await app.db.execute("DELETE FROM outbox WHERE dedup_key LIKE ?", (f"ev:{event_id}:remind:%",))
    again = await service.sign_up(event_id, a, name="A", source="run-1")
    assert again.outcome is Outcome.CONFIRMED
    assert len(await pending(app, f"ev:{event_id}:remind:%")) == 2
    await service.sign_up(event_id, a, name="A", source="run-1")
    assert len(await pending(app, f"ev:{event_id}:remind:%")) == 2
    assert await service.seats_taken(event_id) == 1
