"""Notices are rows: a text or template, optional image, targets and a schedule.

The repository is the one place notices change; each change is told to the listeners
registered for that database (the running scheduler), so its jobs stay in step.
"""

from __future__ import annotations

import base64
import json
import weakref
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.chats import ChatRecord, ChatRepo, Tag
from bot.clock import Clock, from_db, to_db
from bot.db import Database, Row, Tx
from bot.messages import Attachment, FileRef
from bot.notices.schedule import (
    Now,
    Once,
    Recurring,
    Relative,
    schedule_from_json,
    schedule_to_json,
)

AnySchedule = Now | Once | Recurring | Relative


class Kind(StrEnum):
    NOTICE = "notice"
    BROADCAST = "broadcast"
    CAMPAIGN = "campaign"
    MEETING = "meeting"


class Status(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


class Targets(BaseModel):
    """Which group chats: everyone, or those with any of ``tags`` in any of ``committees``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    everyone: bool = False
    tags: tuple[Tag, ...] = ()
    committees: tuple[int, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.everyone or self.tags or self.committees)

    @classmethod
    def parse(cls, value: str) -> Targets:
        """The value of a target option: ``all``, ``tag:residents`` or ``committee:3``."""
        kind, _, rest = value.partition(":")
        if kind == "all":
            return cls(everyone=True)
        if kind == "tag":
            return cls(tags=(Tag(rest),))
        if kind == "committee":
            return cls(committees=(int(rest),))
        raise ValueError(value)

    async def chats(self, repo: ChatRepo, platforms: Collection[str]) -> list[ChatRecord]:
        """The chats aimed at on the platforms reached (``App.platforms``), inactive ones
        included (their deliveries are recorded as such). A chat on a platform no process
        serves would wait for ever, and so would the sender's delivery report."""
        if self.empty:
            return []
        if self.everyone:
            found = await repo.groups(active_only=False)
        else:
            found = await repo.groups(
                tags=self.tags, committee_ids=self.committees, active_only=False
            )
        return [chat for chat in found if chat.platform in platforms]


def image_to_json(image: Attachment | None) -> str | None:
    if image is None:
        return None
    return json.dumps(
        {
            "name": image.name,
            "mime_type": image.mime_type,
            "data": base64.b64encode(image.data).decode() if image.data is not None else None,
            # [platform, file_id, sha256 of our copy]: the copy is read at sending time
            "ref": [image.ref.platform, image.ref.file_id, image.ref.sha256] if image.ref else None,
        }
    )


def image_from_json(text: str | None) -> Attachment | None:
    if not text:
        return None
    raw = json.loads(text)
    ref = None
    if raw["ref"]:
        platform, file_id, *stored = raw["ref"]  # notices saved before the store had no sha256
        ref = FileRef(platform, file_id, raw["name"], raw["mime_type"], "".join(stored))
    data = base64.b64decode(raw["data"]) if raw["data"] is not None else None
    return Attachment(raw["name"], data=data, ref=ref, mime_type=raw["mime_type"])


@dataclass(frozen=True)
class MeetingInfo:
    id: int
    title: str
    starts_at: datetime
    place: str
    cancelled: bool


@dataclass(frozen=True)
class Notice:
    id: int
    kind: Kind
    title: str
    body: str
    template: str | None
    image: Attachment | None
    targets: Targets
    schedule: AnySchedule
    status: Status
    urgent: bool
    ack: bool
    ack_remind_minutes: int | None
    meeting: MeetingInfo | None  # the meeting a meeting notice is about
    created_by: str
    system_key: str | None
    since: datetime
    created_at: datetime

    @property
    def meeting_at(self) -> datetime | None:
        return self.meeting.starts_at if self.meeting else None


@dataclass(frozen=True)
class Draft:
    """What a new notice is made of."""

    kind: Kind
    body: str
    targets: Targets
    schedule: AnySchedule
    created_by: str
    title: str = ""
    template: str | None = None
    image: Attachment | None = None
    status: Status = Status.ACTIVE
    urgent: bool = False
    ack: bool = False
    ack_remind_minutes: int | None = None
    meeting_id: int | None = None
    system_key: str | None = None
    instance: str | None = None

    def as_notice(self, now: datetime) -> Notice:
        """How this draft would look as a notice (for a preview before anything is saved)."""
        return Notice(
            id=0,
            kind=self.kind,
            title=self.title,
            body=self.body,
            template=self.template,
            image=self.image,
            targets=self.targets,
            schedule=self.schedule,
            status=Status.DRAFT,
            urgent=self.urgent,
            ack=self.ack,
            ack_remind_minutes=self.ack_remind_minutes,
            meeting=None,
            created_by=self.created_by,
            system_key=self.system_key,
            since=now,
            created_at=now,
        )


_SELECT = (
    "SELECT n.*, m.title AS meeting_title, m.starts_at AS meeting_at, m.place AS meeting_place,"
    " m.status AS meeting_status FROM notices n LEFT JOIN meetings m ON m.id = n.meeting_id"
)


def _notice(row: Row) -> Notice:
    return Notice(
        id=row["id"],
        kind=Kind(row["kind"]),
        title=row["title"],
        body=row["body"],
        template=row["template"],
        image=image_from_json(row["image"]),
        targets=Targets.model_validate_json(row["targets"]),
        schedule=schedule_from_json(row["schedule"]),
        status=Status(row["status"]),
        urgent=bool(row["urgent"]),
        ack=bool(row["ack"]),
        ack_remind_minutes=row["ack_remind_minutes"],
        meeting=MeetingInfo(
            row["meeting_id"],
            row["meeting_title"],
            from_db(row["meeting_at"]),
            row["meeting_place"],
            row["meeting_status"] == "cancelled",
        )
        if row["meeting_id"] is not None
        else None,
        created_by=row["created_by"],
        system_key=row["system_key"],
        since=from_db(row["since"]),
        created_at=from_db(row["created_at"]),
    )


# What ``NoticeRepo.update`` may change, one fixed statement each.
_UPDATES = {
    "schedule": "UPDATE notices SET schedule = ? WHERE id = ?",
    "targets": "UPDATE notices SET targets = ? WHERE id = ?",
    "title": "UPDATE notices SET title = ? WHERE id = ?",
    "body": "UPDATE notices SET body = ? WHERE id = ?",
    "urgent": "UPDATE notices SET urgent = ? WHERE id = ?",
    "ack": "UPDATE notices SET ack = ? WHERE id = ?",
    "ack_remind_minutes": "UPDATE notices SET ack_remind_minutes = ? WHERE id = ?",
}

Listener = Callable[[int], Awaitable[None]]
_listeners: weakref.WeakKeyDictionary[Database, list[Listener]] = weakref.WeakKeyDictionary()


def on_change(db: Database, listener: Listener) -> None:
    """Be told (with the notice id) whenever a notice in this database changes."""
    _listeners.setdefault(db, []).append(listener)


def forget_listener(db: Database, listener: Listener) -> None:
    if listener in _listeners.get(db, []):
        _listeners[db].remove(listener)


class NoticeRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def changed(self, notice_id: int) -> None:
        for listener in list(_listeners.get(self._db, [])):
            await listener(notice_id)

    async def insert(self, tx: Tx, draft: Draft) -> int:
        """Add a notice inside a transaction; the caller calls ``changed`` after it commits."""
        now = to_db(self._clock.now())
        return await tx.execute(
            "INSERT INTO notices (kind, title, body, template, image, targets, schedule, status,"
            " urgent, ack, ack_remind_minutes, meeting_id, created_by, system_key, instance,"
            " since, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                draft.kind.value,
                draft.title,
                draft.body,
                draft.template,
                image_to_json(draft.image),
                draft.targets.model_dump_json(),
                schedule_to_json(draft.schedule),
                draft.status.value,
                int(draft.urgent),
                int(draft.ack),
                draft.ack_remind_minutes,
                draft.meeting_id,
                draft.created_by,
                draft.system_key,
                draft.instance,
                now,
                now,
                now,
            ),
        )

    async def add(self, draft: Draft) -> Notice:
        """Add a notice; a draft made by the same flow run again returns the first one."""
        async with self._db.transaction() as tx:
            existing = None
            if draft.instance is not None:
                existing = await tx.scalar(
                    "SELECT id FROM notices WHERE instance = ?", (draft.instance,)
                )
            notice_id = existing or await self.insert(tx, draft)
        await self.changed(notice_id)
        notice = await self.get(notice_id)
        assert notice is not None
        return notice

    async def get(self, notice_id: int) -> Notice | None:
        row = await self._db.fetchone(_SELECT + " WHERE n.id = ?", (notice_id,))
        return None if row is None else _notice(row)

    async def by_system_key(self, key: str) -> Notice | None:
        row = await self._db.fetchone(_SELECT + " WHERE n.system_key = ?", (key,))
        return None if row is None else _notice(row)

    async def all(self, *, statuses: tuple[Status, ...] = ()) -> list[Notice]:
        rows = await self._db.fetchall(_SELECT + " ORDER BY n.id")
        notices = [_notice(row) for row in rows]
        return [n for n in notices if not statuses or n.status in statuses]

    async def active(self) -> list[Notice]:
        rows = await self._db.fetchall(_SELECT + " WHERE n.status = 'active' ORDER BY n.id")
        return [_notice(row) for row in rows]

    async def for_meeting(self, meeting_id: int) -> list[Notice]:
        rows = await self._db.fetchall(
            _SELECT + " WHERE n.meeting_id = ? ORDER BY n.id", (meeting_id,)
        )
        return [_notice(row) for row in rows]

    async def set_status(
        self, notice_id: int, status: Status, *, only_from: tuple[Status, ...] = ()
    ) -> bool:
        """Change the status (only from the listed ones, when given); False when unchanged.

        Becoming active starts counting occurrences afresh: those of a pause are not missed.
        """
        now = to_db(self._clock.now())
        async with self._db.transaction() as tx:
            current = await tx.scalar("SELECT status FROM notices WHERE id = ?", (notice_id,))
            changed = current is not None and (not only_from or Status(current) in only_from)
            if changed:
                await tx.execute(
                    "UPDATE notices SET status = ?, updated_at = ?,"
                    " since = CASE WHEN ? = 'active' AND status <> 'active' THEN ? ELSE since END"
                    " WHERE id = ?",
                    (status.value, now, status.value, now, notice_id),
                )
            if changed and status is not Status.ACTIVE:
                await tx.execute(
                    "DELETE FROM notice_occurrences WHERE notice_id = ? AND status = 'planned'",
                    (notice_id,),
                )
        if changed:
            await self.changed(notice_id)
        return bool(changed)

    async def update(self, notice_id: int, **fields: Any) -> None:
        """Change a notice's schedule, targets or text; counting restarts from now."""
        values: dict[str, Any] = {}
        for name, value in fields.items():
            if name not in _UPDATES:
                raise ValueError(f"cannot update {name}")
            if name == "schedule":
                value = schedule_to_json(value)
            elif name == "targets":
                value = value.model_dump_json()
            values[name] = value
        now = to_db(self._clock.now())
        async with self._db.transaction() as tx:
            for name, value in values.items():
                await tx.execute(_UPDATES[name], (value, notice_id))
            await tx.execute(
                "UPDATE notices SET since = ?, updated_at = ? WHERE id = ?", (now, now, notice_id)
            )
            await tx.execute(
                "DELETE FROM notice_occurrences WHERE notice_id = ? AND status = 'planned'",
                (notice_id,),
            )
        await self.changed(notice_id)

    async def touch(self, tx: Tx, notice_id: int) -> None:
        """Count occurrences afresh from now (a rescheduled meeting's reminders)."""
        now = to_db(self._clock.now())
        await tx.execute(
            "UPDATE notices SET since = ?, updated_at = ? WHERE id = ?", (now, now, notice_id)
        )
        await tx.execute(
            "DELETE FROM notice_occurrences WHERE notice_id = ? AND status = 'planned'",
            (notice_id,),
        )

    async def delete(self, notice_id: int) -> bool:
        """Remove a notice and its history; messages still waiting in the outbox are dropped."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET status = 'failed', error = 'notice deleted'"
                " WHERE status = 'pending' AND dedup_key IN (SELECT d.outbox_key"
                "  FROM notice_deliveries d JOIN notice_occurrences o ON o.id = d.occurrence_id"
                "  WHERE o.notice_id = ?)",
                (notice_id,),
            )
            gone = await tx.execute("DELETE FROM notices WHERE id = ?", (notice_id,))
        if gone:
            await self.changed(notice_id)
        return bool(gone)

    async def signature(self) -> tuple[int, str]:
        """Changes by another process show here: the count and the latest change."""
        row = await self._db.fetchone("SELECT COUNT(*), MAX(updated_at) FROM notices")
        assert row is not None
        return int(row[0]), str(row[1] or "")

    # -- occurrences ------------------------------------------------------------------------

    async def settled(self, notice_id: int) -> set[datetime]:
        """Occurrences already sent or recorded missed."""
        rows = await self._db.fetchall(
            "SELECT due_at FROM notice_occurrences WHERE notice_id = ? AND status <> 'planned'",
            (notice_id,),
        )
        return {from_db(row["due_at"]) for row in rows}

    async def plan(self, notice_id: int, due: datetime | None) -> None:
        """Record the next planned occurrence (replacing an older plan)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "DELETE FROM notice_occurrences WHERE notice_id = ? AND status = 'planned'"
                " AND (? IS NULL OR due_at <> ?)",
                (notice_id, to_db(due) if due else None, to_db(due) if due else None),
            )
            if due is not None:
                await tx.execute(
                    "INSERT INTO notice_occurrences (notice_id, due_at, status)"
                    " VALUES (?, ?, 'planned') ON CONFLICT (notice_id, due_at) DO NOTHING",
                    (notice_id, to_db(due)),
                )

    async def mark_missed(self, notice_id: int, due: datetime) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO notice_occurrences (notice_id, due_at, status)"
                " VALUES (?, ?, 'missed') ON CONFLICT (notice_id, due_at) DO NOTHING",
                (notice_id, to_db(due)),
            )
            await tx.execute(
                "UPDATE notice_occurrences SET status = 'missed'"
                " WHERE notice_id = ? AND due_at = ? AND status = 'planned'",
                (notice_id, to_db(due)),
            )

    async def occurrences(self, notice_id: int) -> list[Row]:
        return await self._db.fetchall(
            "SELECT * FROM notice_occurrences WHERE notice_id = ? ORDER BY due_at", (notice_id,)
        )
