"""Polls, household codes and answers: saved, checked against the deadline, counted.

Who answered what stays here and in ``views`` for staff and the poll's director; everything
residents and groups see is a total.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from bot.chats import ChatRecord, ChatRepo, Tag
from bot.clock import Clock, from_db, to_db
from bot.db import Database, Row
from bot.polls.households import NewHousehold, PollError
from bot.polls.tally import CHOICES, Household, Tally, count
from bot.roles import Role, allows
from bot.users import User

if TYPE_CHECKING:
    from bot.app import App

SIMPLE, BUILDING = "simple", "building"
AFTER, ALWAYS = "after", "always"  # when residents may see the running totals
MIN_OPTIONS, MAX_OPTIONS = 2, 6
# Household codes: no 0/O, 1/I/L, so a code read off a letter is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
FAILURES_ALLOWED = 5  # wrong codes within LOCK_WINDOW before a lock-out
LOCK_WINDOW = timedelta(hours=1)
LOCK_FOR = timedelta(hours=1)


def normalise_code(typed: str) -> str:
    """What a person types for a code: any case, with spaces or dashes, full-width too."""
    folded = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in typed)
    return "".join(c for c in folded.upper() if c.isalnum())


def looks_like_code(typed: str) -> bool:
    code = normalise_code(typed)
    return len(code) == CODE_LENGTH and not code.isdigit()


def new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not code.isdigit():  # a number alone is a poll's id
            return code


@dataclass(frozen=True)
class Poll:
    id: int
    kind: str
    title: str
    committee_id: int | None
    committee: str | None
    building: str | None
    deadline: datetime
    totals_public: str
    options: tuple[str, ...]  # simple polls: the labels, answered by position 1..n

    def closed(self, now: datetime) -> bool:
        return now >= self.deadline

    @property
    def choices(self) -> tuple[str, ...]:
        if self.kind == BUILDING:
            return CHOICES
        return tuple(str(n) for n in range(1, len(self.options) + 1))


@dataclass(frozen=True)
class HouseholdRow:
    id: int
    room: str
    area: Decimal
    owner: str | None
    code: str
    choice: str | None
    answered_at: datetime | None


def _poll(row: Row, options: Sequence[str]) -> Poll:
    return Poll(
        id=row["id"],
        kind=row["kind"],
        title=row["title"],
        committee_id=row["committee_id"],
        committee=row["committee"],
        building=row["building"],
        deadline=from_db(row["deadline"]),
        totals_public=row["totals_public"],
        options=tuple(options),
    )


_SELECT = (
    "SELECT p.*, c.name AS committee FROM polls p"
    " LEFT JOIN residents_committees c ON c.id = p.committee_id"
)


# The answer that counts: the household's (building polls) or the person's (simple polls).
_ANSWER_OF = (
    "SELECT id, choice FROM poll_answers WHERE poll_id = ?"
    " AND ((? IS NOT NULL AND household_id = ?)"
    "  OR (household_id IS NULL AND user_id = ?))"
)


def sees_answers(poll: Poll, user: User) -> bool:
    """Who answered what: staff, and the director of the poll's residents' committee."""
    if allows(user.role, Role.STAFF):
        return True
    return user.role is Role.DIRECTOR and user.committee_id == poll.committee_id


def sees_totals(poll: Poll, user: User, now: datetime) -> bool:
    return sees_answers(poll, user) or poll.totals_public == ALWAYS or poll.closed(now)


class Polls:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    @classmethod
    def of(cls, app: App) -> Polls:
        return cls(app.db, app.clock)

    # -- creating ----------------------------------------------------------------------------

    async def create_building(
        self,
        *,
        title: str,
        committee_id: int,
        building: str,
        households: Sequence[NewHousehold],
        deadline: datetime,
        totals_public: str,
        by: str,
    ) -> Poll:
        async with self._db.transaction() as tx:
            poll_id = await tx.execute(
                "INSERT INTO polls (kind, title, committee_id, building, deadline, totals_public,"
                " created_by, created_at) VALUES ('building', ?, ?, ?, ?, ?, ?, ?)",
                (title, committee_id, building, to_db(deadline), totals_public, by, self._now()),
            )
            for household in households:
                while True:
                    code = new_code()
                    taken = await tx.scalar("SELECT 1 FROM poll_households WHERE code = ?", (code,))
                    if not taken:
                        break
                await tx.execute(
                    "INSERT INTO poll_households (poll_id, room, area, owner, code)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (poll_id, household.room, str(household.area), household.owner, code),
                )
        poll = await self.get(poll_id)
        assert poll is not None
        return poll

    async def create_simple(
        self,
        *,
        title: str,
        committee_id: int | None,
        options: Sequence[str],
        chat_ids: Sequence[int],
        deadline: datetime,
        totals_public: str,
        by: str,
    ) -> Poll:
        labels = [o.strip() for o in options if o.strip()]
        if not MIN_OPTIONS <= len(labels) <= MAX_OPTIONS:
            raise PollError("polls.options_count", min=MIN_OPTIONS, max=MAX_OPTIONS)
        if len(set(labels)) != len(labels):
            raise PollError("polls.options_repeated")
        async with self._db.transaction() as tx:
            poll_id = await tx.execute(
                "INSERT INTO polls (kind, title, committee_id, deadline, totals_public,"
                " created_by, created_at) VALUES ('simple', ?, ?, ?, ?, ?, ?)",
                (title, committee_id, to_db(deadline), totals_public, by, self._now()),
            )
            await tx.executemany(
                "INSERT INTO poll_options (poll_id, position, label) VALUES (?, ?, ?)",
                [(poll_id, n, label) for n, label in enumerate(labels, 1)],
            )
            await tx.executemany(
                "INSERT INTO poll_chats (poll_id, chat_id) VALUES (?, ?)",
                [(poll_id, chat_id) for chat_id in chat_ids],
            )
        poll = await self.get(poll_id)
        assert poll is not None
        return poll

    # -- reading -----------------------------------------------------------------------------

    async def get(self, poll_id: int) -> Poll | None:
        row = await self._db.fetchone(_SELECT + " WHERE p.id = ?", (poll_id,))
        if row is None:
            return None
        options = await self._db.fetchall(
            "SELECT label FROM poll_options WHERE poll_id = ? ORDER BY position", (poll_id,)
        )
        return _poll(row, [o["label"] for o in options])

    async def all(self) -> list[Poll]:
        rows = await self._db.fetchall(_SELECT + " ORDER BY p.id")
        return [p for row in rows if (p := await self.get(row["id"])) is not None]

    async def households(self, poll_id: int) -> list[HouseholdRow]:
        rows = await self._db.fetchall(
            "SELECT h.id, h.room, h.area, h.owner, h.code, a.choice, a.answered_at"
            " FROM poll_households h LEFT JOIN poll_answers a ON a.household_id = h.id"
            " WHERE h.poll_id = ? ORDER BY h.id",
            (poll_id,),
        )
        return [
            HouseholdRow(
                r["id"],
                r["room"],
                Decimal(r["area"]),
                r["owner"],
                r["code"],
                r["choice"],
                from_db(r["answered_at"]) if r["answered_at"] else None,
            )
            for r in rows
        ]

    async def tally(self, poll: Poll) -> Tally:
        rows = await self.households(poll.id)
        return count(Household(h.room, h.area, h.choice) for h in rows)

    async def option_counts(self, poll: Poll) -> list[tuple[str, int]]:
        rows = await self._db.fetchall(
            "SELECT choice, COUNT(*) AS n FROM poll_answers WHERE poll_id = ? GROUP BY choice",
            (poll.id,),
        )
        counted = {r["choice"]: r["n"] for r in rows}
        return [(label, counted.get(str(n), 0)) for n, label in enumerate(poll.options, 1)]

    async def my_answer(self, poll: Poll, user: User, household_id: int | None) -> str | None:
        row = await self._db.fetchone(_ANSWER_OF, (poll.id, household_id, household_id, user.id))
        return None if row is None else str(row["choice"])

    async def groups(self, poll: Poll, chats: ChatRepo) -> list[ChatRecord]:
        """Where the poll is announced, reminded and its result posted: the chosen groups of a
        simple poll, else the residents' groups of the poll's committee."""
        chosen = await self._db.fetchall(
            "SELECT chat_id FROM poll_chats WHERE poll_id = ?", (poll.id,)
        )
        if chosen:
            wanted = {r["chat_id"] for r in chosen}
            return [g for g in await chats.groups() if g.id in wanted]
        if poll.committee_id is None:
            return []
        return await chats.groups(tags=(Tag.RESIDENTS,), committee_ids=(poll.committee_id,))

    # -- answering ---------------------------------------------------------------------------

    async def locked_until(self, user: User) -> datetime | None:
        until = await self._db.scalar(
            "SELECT until FROM poll_lockouts WHERE user_id = ?", (user.id,)
        )
        if until is None or from_db(until) <= self._clock.now():
            return None
        return from_db(until)

    async def household_by_code(
        self, user: User, typed: str, poll_id: int | None = None
    ) -> tuple[Poll, HouseholdRow]:
        """The household a code names. A wrong code says nothing of which codes exist; the
        fifth wrong one within an hour locks this person out for an hour."""
        if await self.locked_until(user) is not None:
            raise PollError("polls.locked")
        code = normalise_code(typed)
        row = await self._db.fetchone(
            "SELECT id, poll_id FROM poll_households WHERE code = ? AND (? IS NULL OR poll_id = ?)",
            (code, poll_id, poll_id),
        )
        if row is None:
            await self._failed(user)
            if await self.locked_until(user) is not None:
                raise PollError("polls.locked")
            raise PollError("polls.code_wrong")
        poll = await self.get(row["poll_id"])
        assert poll is not None
        if poll.closed(self._clock.now()):
            raise PollError("polls.closed", title=poll.title)
        household = next(h for h in await self.households(poll.id) if h.id == row["id"])
        return poll, household

    async def _failed(self, user: User) -> None:
        now = self._clock.now()
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO poll_code_failures (user_id, at) VALUES (?, ?)", (user.id, to_db(now))
            )
            recent = await tx.scalar(
                "SELECT COUNT(*) FROM poll_code_failures WHERE user_id = ? AND at > ?",
                (user.id, to_db(now - LOCK_WINDOW)),
            )
            if recent >= FAILURES_ALLOWED:
                await tx.execute(
                    "INSERT INTO poll_lockouts (user_id, until) VALUES (?, ?)"
                    " ON CONFLICT (user_id) DO UPDATE SET until = excluded.until",
                    (user.id, to_db(now + LOCK_FOR)),
                )
                # A fresh start after the lock-out: earlier mistakes are not counted again.
                await tx.execute("DELETE FROM poll_code_failures WHERE user_id = ?", (user.id,))

    async def may_answer(self, poll: Poll, user: User) -> bool:
        """A simple poll for a committee takes its residents; one put to groups takes anyone."""
        if poll.kind == BUILDING or poll.committee_id is None:
            return True
        chosen = await self._db.scalar("SELECT 1 FROM poll_chats WHERE poll_id = ?", (poll.id,))
        return bool(chosen) or user.committee_id == poll.committee_id or sees_answers(poll, user)

    async def answer(
        self, poll: Poll, user: User, choice: str, household_id: int | None = None
    ) -> bool:
        """Record the answer that counts; True when it replaced an earlier one. Refused once
        the deadline has passed, whatever the form said before."""
        if poll.closed(self._clock.now()):
            raise PollError("polls.closed", title=poll.title)
        if choice not in poll.choices:
            raise PollError("polls.bad_choice")
        if poll.kind == BUILDING and household_id is None:
            raise PollError("polls.code_wrong")
        async with self._db.transaction() as tx:
            earlier = await tx.fetchone(_ANSWER_OF, (poll.id, household_id, household_id, user.id))
            if earlier is None:
                await tx.execute(
                    "INSERT INTO poll_answers (poll_id, household_id, user_id, choice,"
                    " answered_at) VALUES (?, ?, ?, ?, ?)",
                    (poll.id, household_id, user.id, choice, self._now()),
                )
                return False
            await tx.execute(
                "UPDATE poll_answers SET choice = ?, user_id = ?, changes = changes + 1,"
                " answered_at = ? WHERE id = ?",
                (choice, user.id, self._now(), earlier["id"]),
            )
            return True

    def _now(self) -> str:
        return to_db(self._clock.now())
