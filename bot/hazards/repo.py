"""Storage of hazard reports, their history and photos; every function runs on a db or a Tx."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.clock import from_db, to_db
from bot.db import Params, Row
from bot.hazards.model import (
    FINAL,
    Category,
    Department,
    Event,
    Photo,
    Place,
    Report,
    Status,
    make_ref,
)


class Sql(Protocol):
    """What both ``Database`` and a ``Tx`` offer, so reads work inside and outside a transaction."""

    async def execute(self, sql: str, params: Params = ()) -> int: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def scalar(self, sql: str, params: Params = ()) -> Any: ...


_SELECT = (
    "SELECT r.*, c.name AS committee_name,"
    " (SELECT o.ref FROM hazard_reports o WHERE o.id = r.duplicate_of) AS duplicate_ref,"
    " (SELECT COUNT(*) FROM hazard_photos p WHERE p.report_id = r.id) AS photo_count"
    " FROM hazard_reports r JOIN residents_committees c ON c.id = r.committee_id"
)

_FILTERS = (
    " WHERE (:status IS NULL OR r.status = :status)"
    " AND (:category IS NULL OR r.category = :category)"
    " AND (:committees IS NULL OR r.committee_id IN"
    "  (SELECT CAST(value AS INTEGER) FROM json_each(:committees)))"
    " AND (:since IS NULL OR r.created_at >= :since)"
    " AND (:until IS NULL OR r.created_at < :until)"
    " AND (:words IS NULL OR instr(r.ref || ' ' || r.address || ' ' || r.description, :words) > 0)"
    " AND (:overdue = 0"
    "  OR (r.status = 'submitted' AND r.created_at <= :accept_cutoff)"
    "  OR (r.status IN ('submitted', 'accepted', 'assigned') AND r.created_at <= :resolve_cutoff))"
)

_COUNT_ALL = "SELECT COUNT(*) FROM hazard_reports r"
_COUNT = _COUNT_ALL + _FILTERS


def _opt_time(value: str | None) -> datetime | None:
    return None if value is None else from_db(value)


def _report(row: Row) -> Report:
    return Report(
        id=row["id"],
        ref=row["ref"],
        category=Category(row["category"]),
        committee_id=row["committee_id"],
        committee_name=row["committee_name"],
        address=row["address"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        description=row["description"],
        urgent=bool(row["urgent"]),
        status=Status(row["status"]),
        department=Department(row["department"]) if row["department"] else None,
        duplicate_of=row["duplicate_ref"],
        reporter_id=row["reporter_id"],
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
        accepted_at=_opt_time(row["accepted_at"]),
        resolved_at=_opt_time(row["resolved_at"]),
        closed_at=_opt_time(row["closed_at"]),
        photo_count=row["photo_count"],
    )


@dataclass(frozen=True)
class NewReport:
    category: Category
    committee_id: int
    address: str
    latitude: float | None
    longitude: float | None
    description: str
    urgent: bool
    reporter_id: int
    reporter_ref: str  # platform:id, for the history
    photos: Sequence[Photo]


@dataclass(frozen=True)
class Filters:
    status: Status | None = None
    category: Category | None = None
    committee_id: int | None = None
    also_committees: tuple[int, ...] = ()  # more committees, for "any of these"
    since: datetime | None = None
    until: datetime | None = None
    overdue_cutoffs: tuple[datetime, datetime] | None = None  # (accept by, resolve by)
    words: str | None = None  # found in the reference, address or description

    @property
    def committee_ids(self) -> list[int]:
        first = [self.committee_id] if self.committee_id is not None else []
        return first + list(self.also_committees)

    def params(self) -> dict[str, Any]:
        accept, resolve = self.overdue_cutoffs or (None, None)
        return {
            "status": self.status.value if self.status else None,
            "category": self.category.value if self.category else None,
            "committees": json.dumps(self.committee_ids) if self.committee_ids else None,
            "since": to_db(self.since) if self.since else None,
            "until": to_db(self.until) if self.until else None,
            "words": self.words or None,
            "overdue": 1 if self.overdue_cutoffs else 0,
            "accept_cutoff": to_db(accept) if accept else None,
            "resolve_cutoff": to_db(resolve) if resolve else None,
        }


async def get(db: Sql, report_id: int) -> Report | None:
    row = await db.fetchone(_SELECT + " WHERE r.id = ?", (report_id,))
    return None if row is None else _report(row)


async def by_ref(db: Sql, ref: str) -> Report | None:
    row = await db.fetchone(_SELECT + " WHERE r.ref = ?", (ref.strip().upper(),))
    return None if row is None else _report(row)


async def by_instance(db: Sql, instance: str) -> Report | None:
    row = await db.fetchone(_SELECT + " WHERE r.instance = ?", (instance,))
    return None if row is None else _report(row)


async def insert(db: Sql, new: NewReport, *, day: str, instance: str | None, now: datetime) -> int:
    """Files a report with the next number of its day; run inside one write transaction."""
    seq = int(
        await db.scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM hazard_reports WHERE day = ?", (day,)
        )
    )
    at = to_db(now)
    report_id = await db.execute(
        "INSERT INTO hazard_reports (ref, day, seq, category, committee_id, address, latitude,"
        " longitude, description, urgent, status, reporter_id, instance, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?, ?)",
        (
            make_ref(day, seq),
            day,
            seq,
            new.category.value,
            new.committee_id,
            new.address,
            new.latitude,
            new.longitude,
            new.description,
            int(new.urgent),
            new.reporter_id,
            instance,
            at,
            at,
        ),
    )
    event_id = await add_event(
        db,
        report_id,
        "filed",
        Status.SUBMITTED,
        "",
        new.reporter_id,
        new.reporter_ref,
        None,
        now,
    )
    await add_photos(db, report_id, event_id, new.photos, now)
    return report_id


async def add_event(
    db: Sql,
    report_id: int,
    kind: str,
    status: Status | None,
    note: str,
    actor_id: int | None,
    actor: str,
    instance: str | None,
    now: datetime,
    channel: str = "",
) -> int:
    return await db.execute(
        "INSERT INTO hazard_events"
        " (report_id, kind, status, note, actor_id, actor, instance, at, channel)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            report_id,
            kind,
            status.value if status else None,
            note,
            actor_id,
            actor,
            instance,
            to_db(now),
            channel,
        ),
    )


async def add_photos(
    db: Sql, report_id: int, event_id: int, photos: Sequence[Photo], now: datetime
) -> None:
    for photo in photos:
        await db.execute(
            "INSERT INTO hazard_photos (report_id, event_id, platform, file_id, sha256, size,"
            " mime, unsaved, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                report_id,
                event_id,
                photo.platform,
                photo.file_id,
                photo.sha256,
                photo.size,
                photo.mime,
                int(photo.unsaved),
                to_db(now),
            ),
        )


async def event_done(db: Sql, instance: str) -> bool:
    return bool(await db.scalar("SELECT 1 FROM hazard_events WHERE instance = ?", (instance,)))


async def set_status(
    db: Sql,
    report: Report,
    target: Status,
    now: datetime,
    *,
    department: Department | None = None,
    duplicate_of: int | None = None,
) -> None:
    """Moves the report; the timestamps of each stage are kept for overdue checks and exports."""
    at = to_db(now)
    await db.execute(
        "UPDATE hazard_reports SET status = ?, updated_at = ?,"
        " department = COALESCE(?, department),"
        " duplicate_of = COALESCE(?, duplicate_of),"
        " accepted_at = CASE WHEN ? AND accepted_at IS NULL THEN ? ELSE accepted_at END,"
        " resolved_at = CASE WHEN ? THEN ? WHEN ? THEN NULL ELSE resolved_at END,"
        " closed_at = CASE WHEN ? THEN ? ELSE closed_at END"
        " WHERE id = ?",
        (
            target.value,
            at,
            department.value if department else None,
            duplicate_of,
            target in (Status.ACCEPTED, Status.ASSIGNED, Status.RESOLVED),
            at,
            target is Status.RESOLVED,
            at,
            target in (Status.ACCEPTED, Status.ASSIGNED),
            target in (Status.CLOSED, Status.REJECTED, Status.DUPLICATE),
            at,
            report.id,
        ),
    )


async def events(db: Sql, report_id: int) -> list[Event]:
    rows = await db.fetchall(
        "SELECT e.id, e.kind, e.status, e.note, e.actor, e.at, e.channel,"
        " COALESCE(u.display_name, '') AS actor_name"
        " FROM hazard_events e LEFT JOIN users u ON u.id = e.actor_id"
        " WHERE e.report_id = ? ORDER BY e.id",
        (report_id,),
    )
    return [
        Event(
            id=row["id"],
            kind=row["kind"],
            status=Status(row["status"]) if row["status"] else None,
            note=row["note"],
            actor=row["actor"],
            actor_name=row["actor_name"],
            at=from_db(row["at"]),
            channel=row["channel"],
        )
        for row in rows
    ]


def _photo(row: Row) -> Photo:
    return Photo(
        row["platform"],
        row["file_id"],
        row["sha256"],
        row["size"],
        row["mime"],
        bool(row["unsaved"]),
    )


async def photos(db: Sql, report_id: int) -> list[Photo]:
    rows = await db.fetchall(
        "SELECT platform, file_id, sha256, size, mime, unsaved FROM hazard_photos"
        " WHERE report_id = ? ORDER BY id",
        (report_id,),
    )
    return [_photo(row) for row in rows]


async def photos_of(db: Sql, report_ids: Iterable[int]) -> dict[int, list[Photo]]:
    """The photos of many reports in one query (a page of a list), by report id."""
    rows = await db.fetchall(
        "SELECT report_id, platform, file_id, sha256, size, mime, unsaved FROM hazard_photos"
        " WHERE report_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))"
        " ORDER BY report_id, id",
        (json.dumps(list(report_ids)),),
    )
    found: dict[int, list[Photo]] = {}
    for row in rows:
        found.setdefault(row["report_id"], []).append(_photo(row))
    return found


async def reporters(db: Sql, user_ids: Iterable[int]) -> dict[int, tuple[str, str | None]]:
    """Names and phones of many reporters in one query (an export's page), by user id."""
    rows = await db.fetchall(
        "SELECT id, display_name, phone FROM users"
        " WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))",
        (json.dumps(sorted(set(user_ids))),),
    )
    return {row["id"]: (row["display_name"], row["phone"]) for row in rows}


async def search(db: Sql, filters: Filters, *, limit: int = -1, offset: int = 0) -> list[Report]:
    rows = await db.fetchall(
        _SELECT + _FILTERS + " ORDER BY r.created_at DESC, r.id DESC LIMIT :limit OFFSET :offset",
        {**filters.params(), "limit": limit, "offset": offset},
    )
    return [_report(row) for row in rows]


async def stream(
    db: Sql, filters: Filters, *, oldest_first: bool = False, chunk: int = 1000
) -> AsyncIterator[list[Report]]:
    """Every matching report, a chunk at a time, so memory stays flat on years of reports.

    Each chunk is one query that starts after the last report of the one before (by the
    moment of filing, then id), reading the index from there rather than skipping rows."""
    after: tuple[str, int] | None = None
    if oldest_first:
        order, beyond = "ASC", " AND r.created_at >= :at AND (r.created_at > :at OR r.id > :id)"
    else:
        order, beyond = "DESC", " AND r.created_at <= :at AND (r.created_at < :at OR r.id < :id)"
    while True:
        rows = await db.fetchall(
            _SELECT
            + _FILTERS
            + (beyond if after else "")
            + f" ORDER BY r.created_at {order}, r.id {order} LIMIT :limit",
            {
                **filters.params(),
                "limit": chunk,
                "at": after[0] if after else None,
                "id": after[1] if after else None,
            },
        )
        if not rows:
            return
        yield [_report(row) for row in rows]
        if len(rows) < chunk:
            return
        after = (rows[-1]["created_at"], rows[-1]["id"])


@dataclass(frozen=True)
class Filed:
    """What was filed in a period: counts by category, committee, and how many were urgent."""

    total: int
    urgent: int
    by_category: Counter[Category]
    by_committee: Counter[str]


async def filed_between(db: Sql, since: datetime, until: datetime | None = None) -> Filed:
    """Counts of the reports filed in [since, until), read with the index on filing time."""
    # Counted on the reports alone first, so the index on filing time decides the plan.
    rows = await db.fetchall(
        "SELECT g.category, c.name AS committee, g.urgent, g.n FROM ("
        "  SELECT category, committee_id, SUM(urgent) AS urgent, COUNT(*) AS n"
        "  FROM hazard_reports WHERE created_at >= ? AND created_at < ?"
        "  GROUP BY category, committee_id"
        ") g JOIN residents_committees c ON c.id = g.committee_id",
        (to_db(since), to_db(until) if until else "9999"),
    )
    by_category: Counter[Category] = Counter()
    by_committee: Counter[str] = Counter()
    for row in rows:
        by_category[Category(row["category"])] += row["n"]
        by_committee[row["committee"]] += row["n"]
    return Filed(
        total=sum(row["n"] for row in rows),
        urgent=sum(row["urgent"] for row in rows),
        by_category=by_category,
        by_committee=by_committee,
    )


async def by_status(db: Sql) -> Counter[Status]:
    """How many reports are in each status (all of them: the index on status counts them)."""
    rows = await db.fetchall("SELECT status, COUNT(*) AS n FROM hazard_reports GROUP BY status")
    return Counter({Status(row["status"]): row["n"] for row in rows})


async def closed_since(db: Sql, since: datetime) -> int:
    """Reports that reached a final status (结案, 不予受理, 重复) since a moment."""
    value = await db.scalar(
        "SELECT COUNT(*) FROM hazard_reports WHERE closed_at >= ?"
        " AND status IN (SELECT value FROM json_each(?))",
        (to_db(since), json.dumps([s.value for s in FINAL])),
    )
    return int(value)


async def count(db: Sql, filters: Filters) -> int:
    value = await db.scalar(
        _COUNT,
        filters.params(),
    )
    return int(value)


async def open_places(
    db: Sql, category: Category, committee_id: int, since: datetime
) -> list[Place]:
    """Where the open reports of one category in one committee filed since a moment are,
    newest first (only the columns the duplicate check reads: it runs on every new report)."""
    rows = await db.fetchall(
        "SELECT id, address, latitude, longitude FROM hazard_reports"
        " WHERE category = ? AND committee_id = ? AND created_at >= ?"
        " AND status IN ('submitted', 'accepted', 'assigned')"
        " ORDER BY created_at DESC",
        (category.value, committee_id, to_db(since)),
    )
    return [Place(r["id"], r["address"], r["latitude"], r["longitude"]) for r in rows]


async def by_reporter(db: Sql, reporter_id: int, limit: int) -> list[Report]:
    """One person's own reports, newest first (what /myreports lists)."""
    rows = await db.fetchall(
        _SELECT + " WHERE r.reporter_id = ? ORDER BY r.created_at DESC, r.id DESC LIMIT ?",
        (reporter_id, limit),
    )
    return [_report(row) for row in rows]


async def supplementers(db: Sql, report_id: int) -> list[int]:
    """The people who added to a report as the same place (its reporter left out)."""
    rows = await db.fetchall(
        "SELECT DISTINCT e.actor_id FROM hazard_events e"
        " JOIN hazard_reports r ON r.id = e.report_id"
        " WHERE e.report_id = ? AND e.kind = 'supplement' AND e.actor_id IS NOT NULL"
        " AND e.actor_id != r.reporter_id ORDER BY e.actor_id",
        (report_id,),
    )
    return [int(row["actor_id"]) for row in rows]
