"""Hazard reports (隐患上报): one status field, an allowed-transition table, and who may move what.

发现 → 上报 → 受理 → 派单 → 整改 → 核查 → 结案: a report is 待受理 when filed, staff accept and
assign it, it is marked 已整改, and it is 已结案 once the reporter confirms (or staff close it
after waiting for them). Staff may also refuse it (不予受理) or mark it a duplicate (重复).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.hazards.workdays import PACKAGE_CALENDAR, WorkCalendar, working_time_before
from bot.roles import Role
from bot.users import User


class Status(StrEnum):
    SUBMITTED = "submitted"  # 待受理
    ACCEPTED = "accepted"  # 已受理
    ASSIGNED = "assigned"  # 已派单
    RESOLVED = "resolved"  # 已整改
    CLOSED = "closed"  # 已结案
    REJECTED = "rejected"  # 不予受理
    DUPLICATE = "duplicate"  # 重复

    @property
    def key(self) -> str:
        return f"hazard.status.{self.value}"


OPEN = (Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED)  # someone still has work to do
FINAL = (Status.CLOSED, Status.REJECTED, Status.DUPLICATE)

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.SUBMITTED: frozenset(
        {Status.ACCEPTED, Status.ASSIGNED, Status.REJECTED, Status.DUPLICATE}
    ),
    Status.ACCEPTED: frozenset(
        {Status.ASSIGNED, Status.RESOLVED, Status.REJECTED, Status.DUPLICATE}
    ),
    Status.ASSIGNED: frozenset({Status.ASSIGNED, Status.RESOLVED, Status.DUPLICATE}),
    # Staff may reopen a resolved report themselves, or close it once the reporter had time.
    Status.RESOLVED: frozenset({Status.CLOSED, Status.ACCEPTED, Status.ASSIGNED}),
    Status.CLOSED: frozenset(),
    Status.REJECTED: frozenset({Status.ACCEPTED}),  # a refusal made in error
    Status.DUPLICATE: frozenset(),
}


class Category(StrEnum):
    EBIKE = "ebike"  # 电动自行车违规停放/充电
    GROUP_RENTAL = "rental"  # 群租房
    PASSAGE = "passage"  # 消防通道/楼道堆物
    SMALL_VENUE = "venue"  # 九小场所
    WIRING_GAS = "wiring"  # 电气线路/燃气隐患
    ELDERLY = "elderly"  # 独居孤寡老人安全
    OTHER = "other"

    @property
    def key(self) -> str:
        return f"hazard.category.{self.value}"

    @property
    def sensitive(self) -> bool:
        """About a vulnerable person: never shown in groups residents read."""
        return self is Category.ELDERLY


# Other words people use for a category, matched when they type instead of tapping.
CATEGORY_WORDS: dict[Category, tuple[str, ...]] = {
    Category.EBIKE: ("电瓶车", "电动车", "电驴", "电单车", "助动车", "飞线充电"),
    Category.GROUP_RENTAL: ("群租", "二房东", "隔断间"),
    Category.PASSAGE: ("堆物", "杂物", "消防通道", "楼道堆放"),
    Category.SMALL_VENUE: ("小饭店", "小作坊", "小商铺", "小旅馆", "小网吧"),
    Category.WIRING_GAS: ("电线", "燃气", "煤气", "漏电", "液化气"),
    Category.ELDERLY: ("独居老人", "孤寡老人", "空巢老人"),
}


class Department(StrEnum):
    SAFETY_OFFICE = "safety"  # 社区平安办
    HOUSING = "housing"  # 房地办
    POLICE = "police"  # 派出所
    FIRE = "fire"  # 消防救援站
    PROPERTY = "property"  # 物业
    COMMITTEE = "committee"  # 居委会

    @property
    def key(self) -> str:
        return f"hazard.department.{self.value}"


class HazardError(Exception):
    """A refused request; ``key`` names the catalogue text that explains why."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params: dict[str, object] = params


@dataclass(frozen=True)
class Report:
    id: int
    ref: str
    category: Category
    committee_id: int
    committee_name: str
    address: str
    latitude: float | None
    longitude: float | None
    description: str
    urgent: bool
    status: Status
    department: Department | None
    duplicate_of: str | None  # the original's ref
    reporter_id: int
    created_at: datetime
    updated_at: datetime
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    photo_count: int = 0


@dataclass(frozen=True)
class Event:
    id: int
    kind: str  # filed | status | supplement | verified | reopened
    status: Status | None
    note: str
    actor: str  # platform:id or 'cli'
    actor_name: str
    at: datetime
    channel: str = ""  # 'workbench' when taken on the web pages, '' in a chat or the shell


@dataclass(frozen=True)
class Photo:
    """A report's photo: the platform reference (a cache for sending it again) and our copy
    in the media store; rows older than the store have no copy, ``unsaved`` ones failed."""

    platform: str
    file_id: str
    sha256: str | None = None
    size: int | None = None
    mime: str | None = None
    unsaved: bool = False

    def public(self) -> dict[str, object]:
        """For ``--json``: our copy, or why there is none."""
        return {
            "sha256": self.sha256,
            "size": self.size,
            "mime": self.mime,
            "saved": self.sha256 is not None,
        }


SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Rules:
    """The time limits a report is held to.

    With ``working_days`` (the default setting) the accept and resolve limits count only
    working days (工作日, holidays and make-up days included), as the offices do: 24 hours is
    one working day. ``tz`` says where a day begins.
    """

    accept_within: timedelta
    resolve_within: timedelta
    verify_wait: timedelta  # how long staff wait for the reporter before closing themselves
    working_days: bool = False
    tz: ZoneInfo = SHANGHAI
    calendar: WorkCalendar = PACKAGE_CALENDAR

    def cutoffs(self, now: datetime) -> tuple[datetime, datetime]:
        """Reports filed at or before these moments are late to be accepted / resolved."""
        return _cutoffs(self, now)

    def overdue(self, report: Report, now: datetime) -> str | None:
        """'accept' or 'resolve' when the report is late for that step, else None."""
        if report.status not in OPEN:
            return None
        accept_by, resolve_by = self.cutoffs(now)
        if report.status is Status.SUBMITTED and report.created_at <= accept_by:
            return "accept"
        if report.created_at <= resolve_by:
            return "resolve"
        return None


@lru_cache(maxsize=16)
def _cutoffs(rules: Rules, now: datetime) -> tuple[datetime, datetime]:
    # Cached: a list or an export asks once per report for the same moment, and counting
    # working days back walks the calendar.
    if not rules.working_days:
        return now - rules.accept_within, now - rules.resolve_within
    return (
        working_time_before(now, rules.accept_within, rules.tz, rules.calendar),
        working_time_before(now, rules.resolve_within, rules.tz, rules.calendar),
    )


def may_move(actor: User | None, report: Report, target: Status) -> bool:
    """Whether this person may move the report to ``target`` (None is the staff command line).

    Staff move any report; the director of the report's own committee may only mark it
    resolved; residents move nothing (the reporter answers the 已整改到位? question instead).
    """
    if target not in TRANSITIONS[report.status]:
        return False
    if actor is None or actor.role >= Role.STAFF:
        return True
    return (
        actor.role is Role.DIRECTOR
        and target is Status.RESOLVED
        and actor.committee_id == report.committee_id
    )


def may_see_reporter(viewer: User | None, report: Report) -> bool:
    """A reporter's name and phone are for staff and their committee's director only."""
    if viewer is None or viewer.role >= Role.STAFF:
        return True
    return viewer.role is Role.DIRECTOR and viewer.committee_id == report.committee_id


def may_view(viewer: User, report: Report) -> bool:
    if viewer.role >= Role.STAFF or viewer.id == report.reporter_id:
        return True
    return viewer.role is Role.DIRECTOR and viewer.committee_id == report.committee_id


def make_ref(day: str, seq: int) -> str:
    return f"YH-{day}-{seq:04d}"


# -- similar addresses ------------------------------------------------------------------------

_DIGITS = str.maketrans("〇零一二两三四五六七八九", "001223456789")
_NOISE = re.compile(r"[\W_]+")
SIMILAR_THRESHOLD = 0.5
NEAR_METRES = 50.0


def address_key(text: str) -> str:
    """An address reduced for comparing: width, case, punctuation, spaces and 一二三 folded."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_DIGITS)
    return _NOISE.sub("", folded)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def address_similarity(a: str, b: str) -> float:
    """1.0 when one address contains the other, else the Jaccard index of character bigrams."""
    x, y = address_key(a), address_key(b)
    if not x or not y:
        return 0.0
    if len(min(x, y, key=len)) >= 4 and (x in y or y in x):
        return 1.0
    bx, by = _bigrams(x), _bigrams(y)
    return len(bx & by) / len(bx | by)


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; plenty for "the same building" at a few dozen metres."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Place:
    """Where an open report is: all the duplicate check needs of it."""

    report_id: int
    address: str
    latitude: float | None
    longitude: float | None


def same_place(
    address: str,
    latitude: float | None,
    longitude: float | None,
    other: Place,
) -> float:
    """How sure we are that two reports are about one place (0..1); ≥ SIMILAR_THRESHOLD counts."""
    if (
        latitude is not None
        and longitude is not None
        and other.latitude is not None
        and other.longitude is not None
        and distance_metres(latitude, longitude, other.latitude, other.longitude) <= NEAR_METRES
    ):
        return 1.0
    return address_similarity(address, other.address)
