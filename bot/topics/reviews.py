"""Reviewing topics: staff move a topic along ``TRANSITIONS``; every move is kept with who
made it and when, and the submitter is told in their own language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.clock import Clock, to_db
from bot.db import Database, Row, Tx
from bot.i18n import text
from bot.messages import Option
from bot.notify import Notifier
from bot.roles import allows
from bot.topics.service import (
    OPEN,
    REVIEWER,
    SELECT_TOPIC,
    TRANSITIONS,
    Status,
    Topic,
    TopicError,
    normalise_ref,
    read_topic,
    topic_from_row,
)
from bot.users import User, UserRepo

if TYPE_CHECKING:
    from bot.app import App

NEEDS_NOTE = (Status.DECLINED, Status.DONE)  # a reason, an outcome


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


class TopicReviews:
    def __init__(self, db: Database, clock: Clock, users: UserRepo, notifier: Notifier) -> None:
        self._db = db
        self._clock = clock
        self._users = users
        self._notifier = notifier

    @classmethod
    def of(cls, app: App) -> TopicReviews:
        return cls(app.db, app.clock, app.users, app.notifier)

    async def history(self, topic: Topic) -> list[Row]:
        return await self._db.fetchall(
            "SELECT from_status, to_status, note, meeting_date, reviewer, at, channel"
            " FROM topic_reviews"
            " WHERE topic_id = ? ORDER BY id",
            (topic.id,),
        )

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
        channel: str = "",
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
                    tx, ref, to, by, note, meeting, into, request_id, channel
                )
            row = await tx.fetchone(
                "SELECT r.from_status, r.to_status, r.note, r.meeting_date, m.ref AS target"
                " FROM topic_reviews r LEFT JOIN topics m ON m.id = r.merged_into"
                " WHERE r.id = ?",
                (review_id,),
            )
            assert row is not None
            topic = await read_topic(tx, normalise_ref(ref))
            target = await read_topic(tx, row["target"]) if row["target"] else None
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
        channel: str,
    ) -> int:
        row = await tx.fetchone(SELECT_TOPIC + " WHERE t.ref = ?", (normalise_ref(ref),))
        if row is None:
            raise TopicError("topics.unknown_ref", ref=ref)
        topic = topic_from_row(row)
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
            " merged_into, reviewer_id, reviewer, request_id, at, channel)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                channel,
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
        row = await tx.fetchone(SELECT_TOPIC + " WHERE t.ref = ?", (normalise_ref(into),))
        if row is None:
            raise TopicError("topics.unknown_ref", ref=into)
        target = topic_from_row(row)
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
