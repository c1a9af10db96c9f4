"""Topics (议题) submitted to the 专委会: their statuses, saving, reading and supporting (附议).

A topic has one status; ``TRANSITIONS`` says which moves staff may make from each
(``bot.topic_reviews`` makes them).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.chats import ChatRepo, Tag
from bot.clock import Clock, from_db, to_db
from bot.db import Database, Row, Tx
from bot.i18n import LANGUAGES, text
from bot.messages import Attachment, FileRef, Option, Reply
from bot.notify import Notifier
from bot.parsing import InputError, normalise, parse_datetime
from bot.roles import Role, allows
from bot.users import User

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


SELECT_TOPIC = (
    "SELECT t.id, t.ref, t.committee_id, c.name AS committee, t.submitter_id,"
    " u.display_name AS submitter_name, t.title, t.details, t.photo_platform, t.photo_file_id,"
    " t.photo_sha256,"
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


def topic_from_row(row: Row) -> Topic:
    photo = None
    if row["photo_file_id"]:
        photo = FileRef(
            row["photo_platform"], row["photo_file_id"], sha256=row["photo_sha256"] or ""
        )
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
        chats: ChatRepo,
        notifier: Notifier,
        group_lang: str,
    ) -> None:
        self._db = db
        self._clock = clock
        self._tz = tz
        self._chats = chats
        self._notifier = notifier
        self._group_lang = group_lang  # groups read the subdistrict's default language

    @classmethod
    def of(cls, app: App) -> TopicService:
        return cls(
            app.db,
            app.clock,
            app.tz,
            app.chats,
            app.notifier,
            app.settings.default_language,
        )

    # -- reading ----------------------------------------------------------------------------

    async def get(self, ref: str) -> Topic | None:
        row = await self._db.fetchone(SELECT_TOPIC + " WHERE t.ref = ?", (normalise_ref(ref),))
        return None if row is None else topic_from_row(row)

    async def by_id(self, topic_id: int) -> Topic | None:
        row = await self._db.fetchone(SELECT_TOPIC + " WHERE t.id = ?", (topic_id,))
        return None if row is None else topic_from_row(row)

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
        sql = SELECT_TOPIC + _FIND_WHERE + (_BY_SUPPORT if most_supported else _BY_AGE)
        params: list[object] = [committee_id, committee_id, *wanted]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        rows = await self._db.fetchall(sql, params)
        return [topic_from_row(row) for row in rows]

    async def supported_by(self, user: User, topic_ids: list[int]) -> set[int]:
        rows = await self._db.fetchall(
            "SELECT topic_id FROM topic_supports WHERE user_id = ?", (user.id,)
        )
        return {row["topic_id"] for row in rows} & set(topic_ids)

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
                " photo_platform, photo_file_id, photo_sha256, anonymous, request_id, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    ref,
                    committee_id,
                    submitter.id,
                    title,
                    details,
                    photo.platform if photo else None,
                    photo.file_id if photo else None,
                    photo.sha256 or None if photo else None,
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
            if topic.submitter_id == user.id:  # a topic's own author is not a second voice
                raise TopicError("topics.support.own", ref=topic.ref, title=topic.title)
            before = await tx.scalar(
                "SELECT COUNT(*) FROM topic_supports WHERE topic_id = ? AND user_id = ?",
                (topic.id, user.id),
            )
            await tx.execute(
                "INSERT INTO topic_supports (topic_id, user_id, at) VALUES (?, ?, ?)"
                " ON CONFLICT (topic_id, user_id) DO NOTHING",
                (topic.id, user.id, to_db(self._clock.now())),
            )
            return await self._read(tx, topic.ref), not before

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
        row = await tx.fetchone(SELECT_TOPIC + " WHERE t.id = ?", (topic_id,))
        if row is None:
            raise TopicError("topics.unknown_ref", ref=str(topic_id))
        topic = topic_from_row(row)
        if topic.status not in OPEN:
            raise TopicError(
                "topics.support.closed", ref=topic.ref, status_key=topic.status.label_key
            )
        return topic

    async def _read(self, tx: Tx, ref: str) -> Topic:
        return await read_topic(tx, ref)


async def read_topic(tx: Tx, ref: str) -> Topic:
    """A topic known to exist, inside a transaction."""
    row = await tx.fetchone(SELECT_TOPIC + " WHERE t.ref = ?", (ref,))
    assert row is not None
    return topic_from_row(row)
