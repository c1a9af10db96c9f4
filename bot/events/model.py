"""What events and sign-ups are: the records, the outcomes of a sign-up, and check-in codes."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.clock import from_db
from bot.db import Row
from bot.roles import Role
from bot.users import User

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud at the door
CODE_LENGTH = 6


class EventStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class SignupStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    """What a sign-up, a change or a cancellation came to."""

    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CHANGED = "changed"
    CANCELLED = "cancelled"
    ALREADY = "already"  # an active sign-up for this event exists
    NO_EVENT = "no_event"
    EVENT_CANCELLED = "event_cancelled"
    CLOSED = "closed"  # past the deadline (or the start)
    STARTED = "started"
    NOT_ELIGIBLE = "not_eligible"  # not in a committee the event is open to
    PARTY_TOO_BIG = "party_too_big"
    PHONE_REQUIRED = "phone_required"
    NO_ROOM = "no_room"  # a bigger party does not fit the free seats
    NOT_FOUND = "not_found"  # no such active sign-up of this person


@dataclass(frozen=True)
class Event:
    id: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime | None
    place: str
    capacity: int | None
    deadline: datetime | None
    max_party: int
    phone_required: bool
    status: EventStatus
    created_by: str
    committee_ids: tuple[int, ...] = ()
    committee_names: tuple[str, ...] = ()

    @property
    def closes_at(self) -> datetime:
        return self.deadline or self.starts_at

    def open_to(self, user: User) -> bool:
        """Staff may join anything; others only events open to everyone or to their committee."""
        if not self.committee_ids or user.role >= Role.STAFF:
            return True
        return user.committee_id in self.committee_ids


@dataclass(frozen=True)
class Signup:
    id: int
    event_id: int
    user_id: int
    name: str
    phone: str | None
    party: int
    status: SignupStatus
    seq: int
    code: str
    checked_in_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class NewEvent:
    title: str
    starts_at: datetime
    place: str
    description: str = ""
    ends_at: datetime | None = None
    capacity: int | None = None
    deadline: datetime | None = None
    max_party: int = 1
    phone_required: bool = False
    committee_ids: tuple[int, ...] = ()

    def problem(self) -> str | None:
        """Why these details cannot make an event (a catalogue key), or None."""
        if not self.title.strip() or not self.place.strip():
            return "events.bad_details"
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            return "events.end_before_start"
        if self.deadline is not None and self.deadline > self.starts_at:
            return "events.deadline_after_start"
        if self.capacity is not None and self.capacity < 1:
            return "events.bad_capacity"
        if self.max_party < 1:
            return "events.bad_party"
        return None


@dataclass(frozen=True)
class Promotion:
    """A waiting sign-up that got a seat."""

    signup: Signup
    event: Event


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    event: Event | None = None
    signup: Signup | None = None
    position: int | None = None  # on the waiting list, 1 first
    free: int | None = None  # free seats, for NO_ROOM
    promoted: tuple[Promotion, ...] = ()


@dataclass(frozen=True)
class RosterLine:
    signup: Signup
    display_name: str
    user_ref: str
    position: int | None = None


@dataclass
class Roster:
    event: Event
    confirmed: list[RosterLine] = field(default_factory=list)
    waiting: list[RosterLine] = field(default_factory=list)
    cancelled: list[RosterLine] = field(default_factory=list)

    @property
    def seats_taken(self) -> int:
        return sum(line.signup.party for line in self.confirmed)

    @property
    def people_waiting(self) -> int:
        return sum(line.signup.party for line in self.waiting)

    @property
    def checked_in(self) -> int:
        return sum(line.signup.party for line in self.confirmed if line.signup.checked_in_at)


SELECT_EVENT = "SELECT e.* FROM events e"
SELECT_SIGNUP = "SELECT s.* FROM signups s"


def event_from_row(row: Row, committees: Sequence[tuple[int, str]] = ()) -> Event:
    return Event(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        starts_at=from_db(row["starts_at"]),
        ends_at=from_db(row["ends_at"]) if row["ends_at"] else None,
        place=row["place"],
        capacity=row["capacity"],
        deadline=from_db(row["deadline"]) if row["deadline"] else None,
        max_party=row["max_party"],
        phone_required=bool(row["phone_required"]),
        status=EventStatus(row["status"]),
        created_by=row["created_by"],
        committee_ids=tuple(c for c, _ in committees),
        committee_names=tuple(n for _, n in committees),
    )


def signup_from_row(row: Row) -> Signup:
    return Signup(
        id=row["id"],
        event_id=row["event_id"],
        user_id=row["user_id"],
        name=row["name"],
        phone=row["phone"],
        party=row["party"],
        status=SignupStatus(row["status"]),
        seq=row["seq"],
        code=row["code"],
        checked_in_at=from_db(row["checked_in_at"]) if row["checked_in_at"] else None,
        created_at=from_db(row["created_at"]),
    )


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    return "".join(text.split()).upper()
