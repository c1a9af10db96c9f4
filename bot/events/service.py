"""Events and sign-ups (活动报名): seats, the waiting list, promotion and check-in.

Whether a sign-up gets a seat is decided by one SQL statement inside a write transaction,
from the confirmed party sizes in the table, so two processes can never overbook. A new
sign-up is confirmed when its party fits the free seats, else it waits; freed seats go to
the waiting list in arrival order, to the first whose party fits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot.chats import ChatRecord, Tag
from bot.clock import from_db, to_db
from bot.db import Tx
from bot.events.model import (
    SELECT_EVENT,
    SELECT_SIGNUP,
    Event,
    EventStatus,
    NewEvent,
    Outcome,
    Promotion,
    Result,
    Roster,
    RosterLine,
    Signup,
    SignupStatus,
    event_from_row,
    new_code,
    normalise_code,
    signup_from_row,
)
from bot.events.reminders import EventNotices
from bot.parsing import InputError
from bot.users import User

if TYPE_CHECKING:
    from bot.app import App

# One statement decides a new sign-up's status from the confirmed seats in the table, under the
# write lock; its arrival number comes from the same table. Parameters: event, user, name,
# phone, party, party, code, source, created, updated, event.
_INSERT_SIGNUP = (
    "INSERT INTO signups (event_id, user_id, name, phone, party, status, seq, code, source,"
    " created_at, updated_at)"
    " SELECT e.id, ?, ?, ?, ?,"
    "  CASE WHEN e.capacity IS NULL OR ? + (SELECT COALESCE(SUM(c.party), 0) FROM signups c"
    "   WHERE c.event_id = e.id AND c.status = 'confirmed') <= e.capacity"
    "  THEN 'confirmed' ELSE 'waiting' END,"
    "  (SELECT COALESCE(MAX(n.seq), 0) + 1 FROM signups n WHERE n.event_id = e.id),"
    "  ?, ?, ?, ? FROM events e WHERE e.id = ?"
)
# The same for a person signing up again after cancelling. Parameters: name, phone, party,
# party, event, event, code, source, created, updated, event, signup.
_RENEW_SIGNUP = (
    "UPDATE signups SET name = ?, phone = ?, party = ?,"
    " status = (SELECT CASE WHEN e.capacity IS NULL OR ? + (SELECT COALESCE(SUM(c.party), 0)"
    "  FROM signups c WHERE c.event_id = e.id AND c.status = 'confirmed') <= e.capacity"
    "  THEN 'confirmed' ELSE 'waiting' END FROM events e WHERE e.id = ?),"
    " seq = (SELECT COALESCE(MAX(n.seq), 0) + 1 FROM signups n WHERE n.event_id = ?),"
    " code = ?, source = ?, checked_in_at = NULL, created_at = ?, updated_at = ?"
    " WHERE event_id = ? AND id = ?"
)


class Events:
    """The events service; cheap to build from the app wherever it is needed."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._db = app.db
        self._clock = app.clock

    @classmethod
    def of(cls, app: App) -> Events:
        return cls(app)

    # -- events -----------------------------------------------------------------------------

    async def create(self, details: NewEvent, *, by: str, source: str | None = None) -> Event:
        """Save a new event; the same ``source`` (a flow run) makes it only once."""
        problem = details.problem()
        if problem is not None:
            raise ValueError(problem)
        now = to_db(self._clock.now())
        async with self._db.transaction() as tx:
            if source is not None:
                existing = await tx.scalar("SELECT id FROM events WHERE source = ?", (source,))
                if existing is not None:
                    return await self._get(tx, existing)  # type: ignore[return-value]
            event_id = await tx.execute(
                "INSERT INTO events (title, description, starts_at, ends_at, place, capacity,"
                " deadline, max_party, phone_required, created_by, source, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    details.title.strip(),
                    details.description.strip(),
                    to_db(details.starts_at),
                    to_db(details.ends_at) if details.ends_at else None,
                    details.place.strip(),
                    details.capacity,
                    to_db(details.deadline) if details.deadline else None,
                    details.max_party,
                    int(details.phone_required),
                    by,
                    source,
                    now,
                    now,
                ),
            )
            await tx.executemany(
                "INSERT INTO event_committees (event_id, committee_id) VALUES (?, ?)",
                [(event_id, c) for c in sorted(set(details.committee_ids))],
            )
            event = await self._get(tx, event_id)
        assert event is not None
        return event

    async def _get(self, tx: Tx, event_id: int) -> Event | None:
        row = await tx.fetchone(SELECT_EVENT + " WHERE e.id = ?", (event_id,))
        if row is None:
            return None
        committees = await tx.fetchall(
            "SELECT c.id, c.name FROM event_committees ec"
            " JOIN residents_committees c ON c.id = ec.committee_id"
            " WHERE ec.event_id = ? ORDER BY c.id",
            (event_id,),
        )
        return event_from_row(row, [(c["id"], c["name"]) for c in committees])

    async def get(self, event_id: int) -> Event | None:
        async with self._db.transaction() as tx:
            return await self._get(tx, event_id)

    async def listing(self, *, include_past: bool = False) -> list[Event]:
        """Events by start time: those not yet started (all, with ``include_past``)."""
        rows = await self._db.fetchall(
            SELECT_EVENT + " WHERE ? OR e.starts_at > ? ORDER BY e.starts_at, e.id",
            (include_past, to_db(self._clock.now())),
        )
        links = await self._db.fetchall(
            "SELECT ec.event_id, c.id, c.name FROM event_committees ec"
            " JOIN residents_committees c ON c.id = ec.committee_id ORDER BY c.id"
        )
        committees: dict[int, list[tuple[int, str]]] = {}
        for link in links:
            committees.setdefault(link["event_id"], []).append((link["id"], link["name"]))
        return [event_from_row(row, committees.get(row["id"], ())) for row in rows]

    async def open_for(self, user: User) -> list[Event]:
        """Events this person may sign up for now."""
        now = self._clock.now()
        return [
            e
            for e in await self.listing()
            if e.status is EventStatus.OPEN and e.closes_at > now and e.open_to(user)
        ]

    async def open_somewhere(self) -> bool:
        """Whether any event takes sign-ups now, from anyone."""
        now = self._clock.now()
        return any(e.status is EventStatus.OPEN and e.closes_at > now for e in await self.listing())

    async def seats_taken(self, event_id: int) -> int:
        value = await self._db.scalar(
            "SELECT COALESCE(SUM(party), 0) FROM signups WHERE event_id = ? AND status = ?",
            (event_id, SignupStatus.CONFIRMED.value),
        )
        return int(value)

    async def seats_taken_of(self, event_ids: Iterable[int]) -> dict[int, int]:
        """Confirmed seats of many events in one query (a listing), by event id."""
        rows = await self._db.fetchall(
            "SELECT event_id, SUM(party) AS taken FROM signups"
            " WHERE event_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?)) AND status = ?"
            " GROUP BY event_id",
            (json.dumps(list(event_ids)), SignupStatus.CONFIRMED.value),
        )
        return {row["event_id"]: int(row["taken"]) for row in rows}

    def _refusal(self, event: Event | None, user: User, *, signing_up: bool) -> Outcome | None:
        now = self._clock.now()
        if event is None:
            return Outcome.NO_EVENT
        if event.status is EventStatus.CANCELLED:
            return Outcome.EVENT_CANCELLED
        if now >= event.starts_at:
            return Outcome.STARTED
        if signing_up and now >= event.closes_at:
            return Outcome.CLOSED
        if signing_up and not event.open_to(user):
            return Outcome.NOT_ELIGIBLE
        return None

    # -- signing up -------------------------------------------------------------------------

    async def sign_up(
        self,
        event_id: int,
        user: User,
        *,
        name: str,
        phone: str | None = None,
        party: int = 1,
        source: str | None = None,
    ) -> Result:
        """Take seats if the party fits, else a place on the waiting list; one per person."""
        now = to_db(self._clock.now())
        async with self._db.transaction() as tx:
            event = await self._get(tx, event_id)
            refusal = self._refusal(event, user, signing_up=True)
            if refusal is not None or event is None:
                return Result(refusal or Outcome.NO_EVENT, event)
            if not 1 <= party <= event.max_party:
                return Result(Outcome.PARTY_TOO_BIG, event)
            if event.phone_required and not phone:
                return Result(Outcome.PHONE_REQUIRED, event)
            existing = await tx.fetchone(
                SELECT_SIGNUP + " WHERE s.event_id = ? AND s.user_id = ?",
                (event_id, user.id),
            )
            if existing is not None and existing["status"] != SignupStatus.CANCELLED.value:
                signup = signup_from_row(existing)
                position = await self._position(tx, signup)
                if source is None or existing["source"] != source:
                    return Result(Outcome.ALREADY, event, signup, position)
                # The same flow run again (a crash before its state was cleared): nothing is
                # taken twice, and reminders the crash prevented are queued below (once).
            else:
                code = await self._unused_code(tx)
                if existing is None:
                    await tx.execute(
                        _INSERT_SIGNUP,
                        (user.id, name, phone, party, party, code, source, now, now, event_id),
                    )
                else:
                    await tx.execute(
                        _RENEW_SIGNUP,
                        (name, phone, party, party, event_id, event_id, code, source, now, now,
                         event_id, existing["id"]),
                    )  # fmt: skip
                row = await tx.fetchone(
                    SELECT_SIGNUP + " WHERE s.event_id = ? AND s.user_id = ?",
                    (event_id, user.id),
                )
                assert row is not None
                signup = signup_from_row(row)
                position = await self._position(tx, signup)
        result = Result(Outcome(signup.status.value), event, signup, position)
        if signup.status is SignupStatus.CONFIRMED:
            await self.notices.confirmed(event, signup, user)
        return result

    async def _unused_code(self, tx: Tx) -> str:
        while True:  # 31**6 codes: a clash is rare, and the UNIQUE column guards anyway
            code = new_code()
            if await tx.scalar("SELECT 1 FROM signups WHERE code = ?", (code,)) is None:
                return code

    async def _position(self, tx: Tx, signup: Signup) -> int | None:
        if signup.status is not SignupStatus.WAITING:
            return None
        ahead = await tx.scalar(
            "SELECT COUNT(*) FROM signups WHERE event_id = ? AND status = 'waiting' AND seq <= ?",
            (signup.event_id, signup.seq),
        )
        return int(ahead)

    async def _promote(self, tx: Tx, event: Event) -> list[Promotion]:
        """Give freed seats to the waiting list in order: the first whose party fits."""
        if event.status is EventStatus.CANCELLED or self._clock.now() >= event.starts_at:
            return []
        waiting = await tx.fetchall(
            SELECT_SIGNUP + " WHERE s.event_id = ? AND s.status = ? ORDER BY s.seq",
            (event.id, SignupStatus.WAITING.value),
        )
        promoted = []
        now = to_db(self._clock.now())
        for row in waiting:
            changed = await tx.execute(
                "UPDATE signups SET status = 'confirmed', updated_at = ?"
                " WHERE id = ? AND status = 'waiting' AND ("
                "  (SELECT capacity FROM events WHERE id = ?) IS NULL"
                "  OR party + (SELECT COALESCE(SUM(c.party), 0) FROM signups c"
                "   WHERE c.event_id = ? AND c.status = 'confirmed')"
                "  <= (SELECT capacity FROM events WHERE id = ?))",
                (now, row["id"], event.id, event.id, event.id),
            )
            if changed:
                signup = signup_from_row(row)
                promoted.append(Promotion(replace(signup, status=SignupStatus.CONFIRMED), event))
        return promoted

    async def _own_signup(self, tx: Tx, signup_id: int, user: User) -> Signup | None:
        row = await tx.fetchone(
            SELECT_SIGNUP + " WHERE s.id = ? AND s.user_id = ?",
            (signup_id, user.id),
        )
        return None if row is None else signup_from_row(row)

    async def change_party(self, signup_id: int, user: User, party: int) -> Result:
        """A new party size: smaller frees seats, bigger only if the extra people fit."""
        async with self._db.transaction():  # the change, promotions and their news commit together
            return await self._change_party(signup_id, user, party)

    async def _change_party(self, signup_id: int, user: User, party: int) -> Result:
        now = to_db(self._clock.now())
        async with self._db.transaction() as tx:
            signup = await self._own_signup(tx, signup_id, user)
            if signup is None or signup.status is SignupStatus.CANCELLED:
                return Result(Outcome.NOT_FOUND)
            event = await self._get(tx, signup.event_id)
            refusal = self._refusal(event, user, signing_up=True)
            if refusal is not None or event is None:
                return Result(refusal or Outcome.NO_EVENT, event, signup)
            if not 1 <= party <= event.max_party:
                return Result(Outcome.PARTY_TOO_BIG, event, signup)
            changed = await tx.execute(
                "UPDATE signups SET party = ?, updated_at = ? WHERE id = ? AND (status = 'waiting'"
                " OR ? <= party OR (SELECT capacity FROM events WHERE id = ?) IS NULL"
                " OR ? + (SELECT COALESCE(SUM(c.party), 0) FROM signups c WHERE c.event_id = ?"
                "  AND c.status = 'confirmed' AND c.id <> ?)"
                " <= (SELECT capacity FROM events WHERE id = ?))",
                (party, now, signup.id, party, event.id, party, event.id, signup.id, event.id),
            )
            if not changed:
                taken = await tx.scalar(
                    "SELECT COALESCE(SUM(party), 0) FROM signups"
                    " WHERE event_id = ? AND status = 'confirmed' AND id <> ?",
                    (event.id, signup.id),
                )
                free = (event.capacity or 0) - int(taken) - signup.party
                return Result(Outcome.NO_ROOM, event, signup, free=max(free, 0))
            promoted = await self._promote(tx, event)
            row = await tx.fetchone(SELECT_SIGNUP + " WHERE s.id = ?", (signup.id,))
            assert row is not None
            signup = signup_from_row(row)
            position = await self._position(tx, signup)
        await self._announce_promotions(promoted)
        if signup.status is SignupStatus.CONFIRMED:  # the reminders say how many are coming
            notices = self.notices
            await notices.drop_reminders(event, user.id)
            await notices.schedule_reminders(event, signup, user)
        if any(p.signup.id == signup.id for p in promoted):
            return Result(Outcome.CONFIRMED, event, signup, promoted=tuple(promoted))
        return Result(Outcome.CHANGED, event, signup, position, promoted=tuple(promoted))

    async def cancel_signup(self, signup_id: int, user: User) -> Result:
        """The person cancels: their seats go to the waiting list, and reminders are dropped."""
        async with self._db.transaction():  # cancelling, promotions and news commit together
            return await self._cancel_signup(signup_id, user)

    async def _cancel_signup(self, signup_id: int, user: User) -> Result:
        now = to_db(self._clock.now())
        async with self._db.transaction() as tx:
            signup = await self._own_signup(tx, signup_id, user)
            if signup is None:
                return Result(Outcome.NOT_FOUND)
            event = await self._get(tx, signup.event_id)
            if signup.status is SignupStatus.CANCELLED:
                return Result(Outcome.CANCELLED, event, signup)
            refusal = self._refusal(event, user, signing_up=False)
            if refusal is not None or event is None:
                return Result(refusal or Outcome.NO_EVENT, event, signup)
            await tx.execute(
                "UPDATE signups SET status = 'cancelled', updated_at = ? WHERE id = ?",
                (now, signup.id),
            )
            promoted = await self._promote(tx, event)
        await self.notices.drop_reminders(event, signup.user_id)
        await self._announce_promotions(promoted)
        return Result(Outcome.CANCELLED, event, signup, promoted=tuple(promoted))

    async def _announce_promotions(self, promoted: Iterable[Promotion]) -> None:
        notices = self.notices
        for promotion in promoted:
            user = await self.app.users.by_id(promotion.signup.user_id)
            if user is not None:
                await notices.promoted(promotion.event, promotion.signup, user)

    # -- reading ----------------------------------------------------------------------------

    async def mine(self, user: User) -> list[tuple[Event, Signup, int | None]]:
        """This person's active sign-ups for events not yet started, with waiting positions."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                SELECT_SIGNUP + " JOIN events e ON e.id = s.event_id"
                " WHERE s.user_id = ? AND s.status <> 'cancelled' AND e.starts_at > ?"
                " ORDER BY e.starts_at, e.id",
                (user.id, to_db(self._clock.now())),
            )
            found = []
            for row in rows:
                signup = signup_from_row(row)
                event = await self._get(tx, signup.event_id)
                assert event is not None
                found.append((event, signup, await self._position(tx, signup)))
        return found

    async def signup_of(self, event_id: int, user: User) -> tuple[Signup, int | None] | None:
        """This person's active sign-up for the event, with its waiting position."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                SELECT_SIGNUP
                + " WHERE s.event_id = ? AND s.user_id = ? AND s.status <> 'cancelled'",
                (event_id, user.id),
            )
            if row is None:
                return None
            signup = signup_from_row(row)
            return signup, await self._position(tx, signup)

    async def roster(self, event_id: int) -> Roster | None:
        event = await self.get(event_id)
        if event is None:
            return None
        rows = await self._db.fetchall(
            "SELECT s.*, u.display_name, u.platform, u.external_id"
            " FROM signups s JOIN users u ON u.id = s.user_id WHERE s.event_id = ? ORDER BY s.seq",
            (event_id,),
        )
        roster = Roster(event)
        for row in rows:
            signup = signup_from_row(row)
            line = RosterLine(
                signup, row["display_name"], f"{row['platform']}:{row['external_id']}"
            )
            if signup.status is SignupStatus.CONFIRMED:
                roster.confirmed.append(line)
            elif signup.status is SignupStatus.WAITING:
                line = RosterLine(
                    line.signup, line.display_name, line.user_ref, len(roster.waiting) + 1
                )
                roster.waiting.append(line)
            else:
                roster.cancelled.append(line)
        return roster

    # -- staff ------------------------------------------------------------------------------

    async def check_in(self, code: str) -> Result:
        """Mark a confirmed sign-up as present by its code; a second check-in changes nothing."""
        now = to_db(self._clock.now())
        async with self._db.transaction() as tx:
            row = await tx.fetchone(SELECT_SIGNUP + " WHERE s.code = ?", (normalise_code(code),))
            if row is None:
                return Result(Outcome.NOT_FOUND)
            signup = signup_from_row(row)
            event = await self._get(tx, signup.event_id)
            if event is None or event.status is EventStatus.CANCELLED:
                return Result(Outcome.EVENT_CANCELLED, event, signup)
            if signup.status is not SignupStatus.CONFIRMED:
                return Result(Outcome(signup.status.value), event, signup)
            if signup.checked_in_at is not None:
                return Result(Outcome.ALREADY, event, signup)
            await tx.execute(
                "UPDATE signups SET checked_in_at = ?, updated_at = ? WHERE id = ?",
                (now, now, signup.id),
            )
            checked = replace(signup, checked_in_at=from_db(now))
        return Result(Outcome.CONFIRMED, event, checked)

    async def code_of(self, signup_id: int) -> str | None:
        value = await self._db.scalar("SELECT code FROM signups WHERE id = ?", (signup_id,))
        return None if value is None else str(value)

    async def cancel_event(self, event_id: int) -> int | None:
        """Cancel the event and tell everyone signed up: how many were told; None if it was not
        open (no such event, or cancelled before)."""
        now = to_db(self._clock.now())
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE events SET status = 'cancelled', updated_at = ?"
                " WHERE id = ? AND status = 'open'",
                (now, event_id),
            )
            event = await self._get(tx, event_id)
            rows = await tx.fetchall(
                SELECT_SIGNUP + " WHERE s.event_id = ? AND s.status <> 'cancelled' ORDER BY s.seq",
                (event_id,),
            )
        if event is None or not changed:
            return None
        notices = self.notices
        await notices.drop_reminders(event)
        told = 0
        for row in rows:
            user = await self.app.users.by_id(row["user_id"])
            if user is not None and await notices.event_cancelled(event, user):
                told += 1
        return told

    async def reschedule(
        self, event_id: int, starts_at: datetime, ends_at: datetime | None = None
    ) -> Event | None:
        """Move the event (keeping its length unless a new end is given): everyone signed up is
        told, and the reminders follow the new time."""
        if ends_at is not None and ends_at <= starts_at:
            raise ValueError("events.end_before_start")
        async with self._db.transaction() as tx:
            event = await self._get(tx, event_id)
            if event is None or event.status is EventStatus.CANCELLED:
                return event
            if ends_at is None and event.ends_at is not None:  # keep how long it lasts
                ends_at = event.ends_at + (starts_at - event.starts_at)
            await tx.execute(
                "UPDATE events SET starts_at = ?, ends_at = ?,"
                " deadline = CASE WHEN deadline > ? THEN ? ELSE deadline END,"
                " updated_at = ? WHERE id = ?",
                (
                    to_db(starts_at),
                    to_db(ends_at) if ends_at else None,
                    to_db(starts_at),
                    to_db(starts_at),
                    to_db(self._clock.now()),
                    event_id,
                ),
            )
            moved = await self._get(tx, event_id)
            rows = await tx.fetchall(
                SELECT_SIGNUP + " WHERE s.event_id = ? AND s.status <> 'cancelled' ORDER BY s.seq",
                (event_id,),
            )
        assert moved is not None
        notices = self.notices
        await notices.drop_reminders(event)
        for row in rows:
            signup = signup_from_row(row)
            user = await self.app.users.by_id(signup.user_id)
            if user is None:
                continue
            await notices.rescheduled(moved, signup, user)
            if signup.status is SignupStatus.CONFIRMED:
                await notices.schedule_reminders(moved, signup, user)
        return moved

    async def update(self, event_id: int, details: NewEvent) -> Event | None:
        """Change an open event's details. A new start goes through ``reschedule`` (everyone
        signed up is told, reminders move); more places go to the waiting list in order.

        Raises ``InputError`` for details that cannot make an event, or places fewer than the
        seats already taken (nobody confirmed is dropped by an edit)."""
        problem = details.problem()
        if problem is not None:
            raise InputError(problem)
        async with self._db.transaction() as tx:
            event = await self._get(tx, event_id)
            if event is None or event.status is EventStatus.CANCELLED:
                return event
            taken = await tx.scalar(
                "SELECT COALESCE(SUM(party), 0) FROM signups"
                " WHERE event_id = ? AND status = 'confirmed'",
                (event_id,),
            )
            if details.capacity is not None and details.capacity < int(taken or 0):
                raise InputError("events.capacity_below_taken", taken=int(taken or 0))
            await tx.execute(
                "UPDATE events SET title = ?, description = ?, place = ?, capacity = ?,"
                " deadline = ?, max_party = ?, phone_required = ?, ends_at = ?, updated_at = ?"
                " WHERE id = ?",
                (
                    details.title.strip(),
                    details.description.strip(),
                    details.place.strip(),
                    details.capacity,
                    to_db(details.deadline) if details.deadline else None,
                    details.max_party,
                    int(details.phone_required),
                    to_db(details.ends_at) if details.ends_at else None,
                    to_db(self._clock.now()),
                    event_id,
                ),
            )
            await tx.execute("DELETE FROM event_committees WHERE event_id = ?", (event_id,))
            await tx.executemany(
                "INSERT INTO event_committees (event_id, committee_id) VALUES (?, ?)",
                [(event_id, c) for c in sorted(set(details.committee_ids))],
            )
            if details.starts_at != event.starts_at:  # first, so promotions get the new time
                await self.reschedule(event_id, details.starts_at, details.ends_at)
            changed = await self._get(tx, event_id)
            assert changed is not None
            promoted = await self._promote(tx, changed)
        await self._announce_promotions(promoted)
        return changed

    async def _record_post(self, event_id: int, kind: str, body: str, by: str) -> int:
        return await self._db.execute(
            "INSERT INTO event_posts (event_id, kind, body, posted_by, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (event_id, kind, body, by, to_db(self._clock.now())),
        )

    async def message_confirmed(self, event_id: int, body: str, *, by: str) -> int | None:
        """Send a staff message to everyone confirmed; None when there is no open event."""
        event = await self.get(event_id)
        if event is None or event.status is EventStatus.CANCELLED:
            return None
        rows = await self._db.fetchall(
            SELECT_SIGNUP + " WHERE s.event_id = ? AND s.status = 'confirmed' ORDER BY s.seq",
            (event_id,),
        )
        people = []
        for row in rows:
            user = await self.app.users.by_id(row["user_id"])
            if user is not None:
                people.append((signup_from_row(row), user))
        post_id = await self._record_post(event_id, "message", body, by)
        return await self.notices.message(event, people, post_id, body)

    async def announce(
        self,
        event_id: int,
        *,
        by: str,
        committee_ids: Iterable[int] = (),
        tags: Iterable[Tag] = (),
        groups: Sequence[ChatRecord] | None = None,
    ) -> list[ChatRecord] | None:
        """Post the event to groups (by default its residents' groups); the groups posted to."""
        event = await self.get(event_id)
        if event is None or event.status is EventStatus.CANCELLED:
            return None
        if groups is None:
            groups = await self.notices.targets(event, committee_ids=committee_ids, tags=tags)
        post_id = await self._record_post(event_id, "announce", "", by)
        await self.notices.announce(event, groups, post_id, await self.seats_taken(event_id))
        return list(groups)

    @property
    def notices(self) -> EventNotices:
        return EventNotices(self.app)
