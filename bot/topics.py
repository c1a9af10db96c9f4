"""Topics (议题) submitted to the 专委会: saving, supporting (附议) and reviewing them.

A topic has one status; ``TRANSITIONS`` says which moves staff may make from each. Every move
is kept with who made it and when, and the submitter is told in their own language.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.chats import ChatRepo, Tag
from bot.clock import Clock
from bot.db import Database, Tx
from bot.i18n import LANGUAGES, text
from bot.messages import Attachment, FileRef, Option, Reply
from bot.notify import Notifier
from bot.roles import Role, allows
from bot.timeutil import from_db, to_db
from bot.users import User, UserRepo
from conversations.parsing import InputError, normalise, parse_datetime

if TYPE_CHECKING:
    from bot.app import App


class Status(StrEnum):
    SUBMITTED = "submitted"  # 待审
    ACCEPTED = "accepted"  # 已采纳, for a meeting
    MERGED = "merged"  # 已合并 into another topic
    DECLINED = "declined"  # 暂不采纳, with a reason
    DONE = "done"  # 已办结, with the outcome

    @property
    def label_key(self) -> str:
        return f"topics.status.{self.value}"

    @classmethod
    def parse(cls, word: str) -> Status:
        """A status by its code or by its label in any language (已采纳, accepted)."""
        said = normalise(word)
        for status in cls:
            names = {status.value, *(normalise(c[status.label_key]) for c in LANGUAGES.values())}
            if said in names:
                return status
        raise ValueError(word)


TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    Status.SUBMITTED: (Status.ACCEPTED, Status.MERGED, Status.DECLINED),
    Status.ACCEPTED: (Status.DONE,),
    Status.MERGED: (),
    Status.DECLINED: (),
    Status.DONE: (),
}
OPEN = (Status.SUBMITTED, Status.ACCEPTED)  # listed for residents, and may be supported
NEEDS_NOTE = (Status.DECLINED, Status.DONE)  # a reason, an outcome
REVIEWER = Role.STAFF
REF_PATTERN = re.compile(r"YT-[0-9]{8}-[0-9]{4,}")


class TopicError(Exception):
    """Something a person asked that cannot be done; ``key`` names the text saying why."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params: dict[str, object] = params


def normalise_ref(word: str) -> str:
    return unicodedata.normalize("NFKC", word).strip().upper()


def parse_meeting_day(said: str, now: datetime, tz: ZoneInfo) -> date:
    """A meeting's day as people write it (7月25日, 2026-07-25, 下周三), with or without a time."""
    local_now = now.astimezone(tz)
    try:
        moment = parse_datetime(said, now=local_now, tz=tz)
    except InputError as exc:
        if exc.key != "input.datetime.no_time":
            raise
        moment = parse_datetime(f"{said} 23:59", now=local_now, tz=tz)
    return moment.date()


@dataclass(frozen=True)
class Topic:
    id: int
    ref: str
    committee_id: int
    committee: str
    submitter_id: int
    submitter_name: str
    title: str
    details: str
    photo: FileRef | None
    anonymous: bool
    status: Status
    meeting: date | None
    merged_into: str | None  # the surviving topic's reference
    note: str | None
    supports: int
    created_at: datetime

    def summary(self, limit: int = 80) -> str:
        flat = " ".join(self.details.split())
        return flat if len(flat) <= limit else flat[: limit - 1] + "…"

    def submitter_for(self, lang: str, viewer: Role | None) -> str:
        """The submitter as this viewer may see them: an anonymous name only for staff."""
        name = self.submitter_name or "—"
        if not self.anonymous:
            return name
        if viewer is not None and allows(viewer, REVIEWER):
            return text(lang, "topics.by_anonymous_staff", name=name)
        return text(lang, "topics.by_anonymous")


@dataclass(frozen=True)
class Move:
    """One review move as recorded, with the topic as it is now."""

    review_id: int
    topic: Topic
    before: Status
    after: Status
    note: str | None
    meeting: date | None
    target: Topic | None  # the surviving topic of a merge


_SELECT = (
    "SELECT t.id, t.ref, t.committee_id, c.name AS committee, t.submitter_id,"
    " u.display_name AS submitter_name, t.title, t.details, t.photo_platform, t.photo_file_id,"
    " t.anonymous, t.status, t.meeting_date, m.ref AS merged_ref, t.note, t.created_at,"
    " (SELECT COUNT(*) FROM topic_supports s WHERE s.topic_id = t.id) AS supports"
    " FROM topics t JOIN topic_committees c ON c.id = t.committee_id"
    " JOIN users u ON u.id = t.submitter_id LEFT JOIN topics m ON m.id = t.merged_into"
)

_FIND_WHERE = (
    " WHERE (? IS NULL OR t.committee_id = ?) AND t.status IN ("
    + ", ".join("?" for _ in Status)
    + ")"
)
_BY_SUPPORT = " ORDER BY supports DESC, t.id"
_BY_AGE = " ORDER BY t.id"


def _topic(row: sqlite3.Row) -> Topic:
    photo = None
    if row["photo_file_id"]:
        photo = FileRef(row["photo_platform"], row["photo_file_id"])
    return Topic(
        id=row["id"],
        ref=row["ref"],
        committee_id=row["committee_id"],
        committee=row["committee"],
        submitter_id=row["submitter_id"],
        submitter_name=row["submitter_name"],
        title=row["title"],
        details=row["details"],
        photo=photo,
        anonymous=bool(row["anonymous"]),
        status=Status(row["status"]),
        meeting=date.fromisoformat(row["meeting_date"]) if row["meeting_date"] else None,
        merged_into=row["merged_ref"],
        note=row["note"],
        supports=row["supports"],
        created_at=from_db(row["created_at"]),
    )


class TopicService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        tz: ZoneInfo,
        users: UserRepo,
        chats: ChatRepo,
        notifier: Notifier,
        group_lang: str,
    ) -> None:
        self._db = db
        self._clock = clock
        self._tz = tz
        self._users = users
        self._chats = chats
        self._notifier = notifier
        self._group_lang = group_lang  # groups read the subdistrict's default language

    @classmethod
    def of(cls, app: App) -> TopicService:
        return cls(
            app.db,
            app.clock,
            app.tz,
            app.users,
            app.chats,
            app.notifier,
            app.settings.default_language,
        )

    # -- reading ----------------------------------------------------------------------------

    async def get(self, ref: str) -> Topic | None:
        row = await self._db.fetchone(_SELECT + " WHERE t.ref = ?", (normalise_ref(ref),))
        return None if row is None else _topic(row)

    async def by_id(self, topic_id: int) -> Topic | None:
        row = await self._db.fetchone(_SELECT + " WHERE t.id = ?", (topic_id,))
        return None if row is None else _topic(row)

    async def find(
        self,
        *,
        committee_id: int | None = None,
        statuses: tuple[Status, ...] = (),
        most_supported: bool = False,
        limit: int | None = None,
    ) -> list[Topic]:
        """Topics in order of submission, or most supported first (earlier first on a tie)."""
        wanted = [s.value for s in statuses] or [s.value for s in Status]
        wanted += wanted[:1] * (len(Status) - len(wanted))  # one placeholder per status
        sql = _SELECT + _FIND_WHERE + (_BY_SUPPORT if most_supported else _BY_AGE)
        params: list[object] = [committee_id, committee_id, *wanted]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        rows = await self._db.fetchall(sql, params)
        return [_topic(row) for row in rows]

    async def supported_by(self, user: User, topic_ids: list[int]) -> set[int]:
        rows = await self._db.fetchall(
            "SELECT topic_id FROM topic_supports WHERE user_id = ?", (user.id,)
        )
        return {row["topic_id"] for row in rows} & set(topic_ids)

    async def history(self, topic: Topic) -> list[sqlite3.Row]:
        return await self._db.fetchall(
            "SELECT from_status, to_status, note, meeting_date, reviewer, at FROM topic_reviews"
            " WHERE topic_id = ? ORDER BY id",
            (topic.id,),
        )

    async def agenda(
        self, committee_id: int, meeting: date | None
    ) -> tuple[date | None, list[Topic]]:
        """Accepted topics for a meeting, most supported first.

        Topics accepted without a date wait for the next meeting, so they join any meeting
        from today on. Without a date, the meeting is the committee's next one.
        """
        today = self._clock.now().astimezone(self._tz).date()
        accepted = await self.find(
            committee_id=committee_id, statuses=(Status.ACCEPTED,), most_supported=True
        )
        if meeting is None:
            upcoming = sorted(t.meeting for t in accepted if t.meeting and t.meeting >= today)
            meeting = upcoming[0] if upcoming else None
        waiting = meeting is None or meeting >= today
        chosen = [t for t in accepted if t.meeting == meeting or (t.meeting is None and waiting)]
        return meeting, chosen

    # -- submitting -------------------------------------------------------------------------

    async def submit(
        self,
        submitter: User,
        committee_id: int,
        title: str,
        details: str,
        *,
        anonymous: bool,
        photo: FileRef | None = None,
        request_id: str | None = None,
    ) -> Topic:
        """Save a topic with the next reference of the day; the same request saves it once."""
        now = self._clock.now()
        prefix = f"YT-{now.astimezone(self._tz):%Y%m%d}-"
        async with self._db.transaction() as tx:
            if request_id is not None:
                done = await tx.scalar("SELECT ref FROM topics WHERE request_id = ?", (request_id,))
                if done is not None:
                    return await self._read(tx, done)
            active = await tx.scalar(
                "SELECT active FROM topic_committees WHERE id = ?", (committee_id,)
            )
            if not active:
                raise TopicError("topics.committee.gone")
            last = await tx.scalar("SELECT MAX(ref) FROM topics WHERE ref LIKE ?", (prefix + "%",))
            ref = f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:04d}"
            await tx.execute(
                "INSERT INTO topics (ref, committee_id, submitter_id, title, details,"
                " photo_platform, photo_file_id, anonymous, request_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    ref,
                    committee_id,
                    submitter.id,
                    title,
                    details,
                    photo.platform if photo else None,
                    photo.file_id if photo else None,
                    int(anonymous),
                    request_id,
                    to_db(now),
                    to_db(now),
                ),
            )
            return await self._read(tx, ref)

    async def tell_staff(self, topic: Topic) -> None:
        """Post a new topic to the staff groups, with a button to review it; never a hidden name."""
        lang = self._group_lang
        body = text(
            lang,
            "topics.staff_post",
            ref=topic.ref,
            committee=topic.committee,
            title=topic.title,
            details=topic.summary(200),
            submitter=topic.submitter_for(lang, None),
        )
        button = Option(text(lang, "topics.review_button"), f"tpr:{topic.ref}")
        photo = None
        if topic.photo is not None:
            photo = Attachment("photo.jpg", ref=topic.photo, mime_type="image/jpeg")
        reply = Reply(body, (button,), photo=photo)
        for group in await self._chats.groups(tags=(Tag.STAFF,)):
            await self._notifier.group(
                group.address, reply, dedup_key=f"topic-new:{topic.ref}:{group.address}"
            )

    # -- supporting -------------------------------------------------------------------------

    async def support(self, topic_id: int, user: User) -> tuple[Topic, bool]:
        """附议 once; False when this person had already supported it."""
        async with self._db.transaction() as tx:
            topic = await self._open(tx, topic_id)
            changed = await tx.execute(
                "INSERT INTO topic_supports (topic_id, user_id, at) VALUES (?, ?, ?)"
                " ON CONFLICT (topic_id, user_id) DO NOTHING",
                (topic.id, user.id, to_db(self._clock.now())),
            )
            return await self._read(tx, topic.ref), bool(changed)

    async def withdraw(self, topic_id: int, user: User) -> tuple[Topic, bool]:
        """取消附议; False when there was no support to take back."""
        async with self._db.transaction() as tx:
            topic = await self._open(tx, topic_id)
            changed = await tx.execute(
                "DELETE FROM topic_supports WHERE topic_id = ? AND user_id = ?",
                (topic.id, user.id),
            )
            return await self._read(tx, topic.ref), bool(changed)

    async def _open(self, tx: Tx, topic_id: int) -> Topic:
        row = await tx.fetchone(_SELECT + " WHERE t.id = ?", (topic_id,))
        if row is None:
            raise TopicError("topics.unknown_ref", ref=str(topic_id))
        topic = _topic(row)
        if topic.status not in OPEN:
            raise TopicError(
                "topics.support.closed", ref=topic.ref, status_key=topic.status.label_key
            )
        return topic

    # -- reviewing --------------------------------------------------------------------------

    async def move(
        self,
        ref: str,
        to: Status,
        by: User | None,
        *,
        note: str | None = None,
        meeting: date | None = None,
        into: str | None = None,
        request_id: str | None = None,
    ) -> Move:
        """Move a topic to another status (by: None at the command line) and tell the submitter."""
        if by is not None and not allows(by.role, REVIEWER):
            raise TopicError("topics.review.staff_only")
        note = (note or "").strip() or None
        async with self._db.transaction() as tx:
            review_id = None
            if request_id is not None:  # the same review flow run, finished again after a crash
                review_id = await tx.scalar(
                    "SELECT id FROM topic_reviews WHERE request_id = ?", (request_id,)
                )
            if review_id is None:
                review_id = await self._record_move(
                    tx, ref, to, by, note, meeting, into, request_id
                )
            row = await tx.fetchone(
                "SELECT r.from_status, r.to_status, r.note, r.meeting_date, m.ref AS target"
                " FROM topic_reviews r LEFT JOIN topics m ON m.id = r.merged_into"
                " WHERE r.id = ?",
                (review_id,),
            )
            assert row is not None
            topic = await self._read(tx, normalise_ref(ref))
            target = await self._read(tx, row["target"]) if row["target"] else None
        moved = Move(
            review_id=review_id,
            topic=topic,
            before=Status(row["from_status"]),
            after=Status(row["to_status"]),
            note=row["note"],
            meeting=date.fromisoformat(row["meeting_date"]) if row["meeting_date"] else None,
            target=target,
        )
        await self._tell_submitter(moved)
        return moved

    async def _record_move(
        self,
        tx: Tx,
        ref: str,
        to: Status,
        by: User | None,
        note: str | None,
        meeting: date | None,
        into: str | None,
        request_id: str | None,
    ) -> int:
        row = await tx.fetchone(_SELECT + " WHERE t.ref = ?", (normalise_ref(ref),))
        if row is None:
            raise TopicError("topics.unknown_ref", ref=ref)
        topic = _topic(row)
        if to not in TRANSITIONS[topic.status]:
            raise TopicError(
                "topics.review.refused",
                ref=topic.ref,
                status_key=topic.status.label_key,
                to_key=to.label_key,
            )
        if to in NEEDS_NOTE and note is None:
            raise TopicError(f"topics.review.needs_note.{to.value}")
        target_id = None
        if to is Status.MERGED:
            target_id = await self._merge_target(tx, topic, into)
        now = to_db(self._clock.now())
        meeting_text = meeting.isoformat() if meeting and to is Status.ACCEPTED else None
        changed = await tx.execute(
            "UPDATE topics SET status = ?, note = COALESCE(?, note),"
            " meeting_date = CASE WHEN ? = 'accepted' THEN ? ELSE meeting_date END,"
            " merged_into = ?, updated_at = ? WHERE id = ? AND status = ?",
            (to.value, note, to.value, meeting_text, target_id, now, topic.id, topic.status.value),
        )
        if changed != 1:
            raise TopicError(
                "topics.review.refused",
                ref=topic.ref,
                status_key=topic.status.label_key,
                to_key=to.label_key,
            )
        review_id = await tx.execute(
            "INSERT INTO topic_reviews (topic_id, from_status, to_status, note, meeting_date,"
            " merged_into, reviewer_id, reviewer, request_id, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                topic.id,
                topic.status.value,
                to.value,
                note,
                meeting_text,
                target_id,
                by.id if by else None,
                by.ref if by else "cli",
                request_id,
                now,
            ),
        )
        if target_id is not None:
            # The merged topic's supporters, and its submitter, now back the surviving one.
            await tx.execute(
                "INSERT INTO topic_supports (topic_id, user_id, at)"
                " SELECT ?, user_id, ? FROM topic_supports WHERE topic_id = ?"
                " ON CONFLICT (topic_id, user_id) DO NOTHING",
                (target_id, now, topic.id),
            )
            await tx.execute(
                "INSERT INTO topic_supports (topic_id, user_id, at) VALUES (?, ?, ?)"
                " ON CONFLICT (topic_id, user_id) DO NOTHING",
                (target_id, topic.submitter_id, now),
            )
        return review_id

    async def _merge_target(self, tx: Tx, topic: Topic, into: str | None) -> int:
        if not into:
            raise TopicError("topics.review.needs_target")
        row = await tx.fetchone(_SELECT + " WHERE t.ref = ?", (normalise_ref(into),))
        if row is None:
            raise TopicError("topics.unknown_ref", ref=into)
        target = _topic(row)
        if target.id == topic.id:
            raise TopicError("topics.review.merge_self")
        if target.status not in OPEN:
            raise TopicError(
                "topics.review.merge_closed", ref=target.ref, status_key=target.status.label_key
            )
        return target.id

    async def _tell_submitter(self, moved: Move) -> None:
        topic = moved.topic
        submitter = await self._users.by_id(topic.submitter_id)
        if submitter is None:
            return
        lang = self._notifier.language_of(submitter)
        params: dict[str, Any] = {
            "ref": topic.ref,
            "title": topic.title,
            "committee": topic.committee,
            "note": moved.note or "",
        }
        options: list[Option] = []
        key = f"topics.told.{moved.after.value}"
        if moved.after is Status.ACCEPTED:
            if moved.meeting:
                params["meeting"] = moved.meeting.isoformat()
            else:
                key += "_tbd"
        if moved.target is not None:
            params.update(into=moved.target.ref, into_title=moved.target.title)
            options.append(Option(text(lang, "topics.see_target"), f"tp:v:{moved.target.id}"))
        if moved.note and moved.after in (Status.ACCEPTED, Status.MERGED):
            key += "_note"
        await self._notifier.user(
            submitter, key, options=options, dedup_key=f"topic-review:{moved.review_id}", **params
        )

    async def _read(self, tx: Tx, ref: str) -> Topic:
        row = await tx.fetchone(_SELECT + " WHERE t.ref = ?", (ref,))
        assert row is not None
        return _topic(row)
