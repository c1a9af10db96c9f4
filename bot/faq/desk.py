"""The FAQ desk: answers questions, logs them, takes feedback and hands over to staff.

The index is built once per process and rebuilt when the knowledge base's generation in
the database moves on (``juwei faq add`` or ``juwei faq reload`` in another process).
"""

from __future__ import annotations

import asyncio
import gc
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import Clock, to_db
from bot.db import Database, Row
from bot.faq import index_cache
from bot.faq.knowledge_base import Entry, KnowledgeBase
from bot.faq.search import Answer, FaqIndex
from bot.users import User

if TYPE_CHECKING:
    from bot.app import App


@dataclass(frozen=True)
class Asked:
    question_id: int
    answer: Answer


@dataclass(frozen=True)
class Handover:
    id: int
    question_id: int
    question: str
    user_id: int
    platform: str
    chat_id: str
    status: str


class _Loaded:
    def __init__(self) -> None:
        # (local files' fingerprint, generation, the sentence model's folder)
        self.key: tuple[str, int, str] | None = None
        self.kb = KnowledgeBase(())
        self.index = FaqIndex.build(self.kb)
        # One build at a time: questions arriving meanwhile wait for it instead of each starting
        # their own (with a sentence model a build takes seconds and a hundred megabytes).
        self.building = threading.Lock()


def _fingerprint(folder: Path) -> str:
    """The staff-added files as they are now: any change in them means a rebuild."""
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    return "|".join(f"{f.resolve()}:{f.stat().st_mtime_ns}" for f in files)


_CACHE = _Loaded()  # per process: building the index costs about a second (jieba's dictionary)


class FaqDesk:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        local_dir: Path,
        cache_dir: Path | None = None,
        model_dir: Path | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._local_dir = local_dir
        self._cache_dir = cache_dir
        self._model_dir = model_dir

    @classmethod
    def of(cls, app: App) -> FaqDesk:
        """The desk as the settings describe it (staff entries, cache, sentence model)."""
        settings = app.settings
        return cls(
            app.db, app.clock, settings.faq_dir, settings.cache_folder, settings.faq_model_dir
        )

    async def generation(self) -> int:
        value = await self._db.scalar("SELECT value FROM faq_meta WHERE key = 'generation'")
        return int(value or 0)

    async def bump(self) -> int:
        """Tell every process to reload the knowledge base."""
        await self._db.execute(
            "UPDATE faq_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
            " WHERE key = 'generation'"
        )
        return await self.generation()

    async def index(self) -> tuple[KnowledgeBase, FaqIndex]:
        key = (_fingerprint(self._local_dir), await self.generation(), str(self._model_dir))
        if _CACHE.key != key:
            # In a thread: a build without the disk cache loads jieba's dictionary (about a
            # second), which would otherwise stop every other conversation for that long.
            await asyncio.to_thread(self._load, key)
        return _CACHE.kb, _CACHE.index

    def _load(self, key: tuple[str, int, str]) -> None:
        with _CACHE.building:
            if _CACHE.key == key:  # built by the question that was waiting before this one
                return
            kb, index = index_cache.load_or_build(self._local_dir, self._cache_dir, self._model_dir)
            _CACHE.kb, _CACHE.index, _CACHE.key = kb, index, key
            gc.freeze()  # the index stays until the next change: kept out of full collections

    async def entry(self, entry_id: str) -> Entry | None:
        kb, _ = await self.index()
        return kb.get(entry_id)

    async def ask(self, user: User, platform: str, chat_id: str, question: str) -> Asked:
        _, index = await self.index()
        if index.model is None:
            answer = index.answer(question)
        else:  # a sentence model takes milliseconds a question: not on the event loop
            answer = await asyncio.to_thread(index.answer, question)
        question_id = await self._db.execute(
            "INSERT INTO faq_questions (user_id, platform, chat_id, question, entry_id, score,"
            " confident, asked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                user.id,
                platform,
                chat_id,
                question,
                answer.best.id if answer.confident and answer.best else None,
                answer.score,
                answer.confident,
                to_db(self._clock.now()),
            ),
        )
        return Asked(question_id, answer)

    async def most_asked(self, per_topic: int = 5) -> list[tuple[str, list[Entry]]]:
        """The entries people were answered with most, ``per_topic`` per topic, busiest topic
        first. Ties (and a new database) keep the knowledge base's own order, which puts the
        basic questions first."""
        kb, _ = await self.index()
        rows = await self._db.fetchall(
            "SELECT entry_id, COUNT(*) AS n FROM faq_questions"
            " WHERE entry_id IS NOT NULL GROUP BY entry_id"
        )
        counts: dict[str, int] = {row["entry_id"]: row["n"] for row in rows}
        topics: dict[str, list[Entry]] = {}
        for entry in kb.entries:
            topics.setdefault(entry.topic, []).append(entry)
        ranked = [
            (topic, sorted(entries, key=lambda e: -counts.get(e.id, 0)))
            for topic, entries in topics.items()
        ]
        ranked.sort(key=lambda pair: -sum(counts.get(e.id, 0) for e in pair[1]))
        return [(topic, entries[:per_topic]) for topic, entries in ranked]

    async def chose(self, user: User, platform: str, chat_id: str, entry: Entry) -> int:
        """Record a question picked from the list as asked and answered by that entry."""
        return await self._db.execute(
            "INSERT INTO faq_questions (user_id, platform, chat_id, question, entry_id, score,"
            " confident, asked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                user.id,
                platform,
                chat_id,
                entry.question,
                entry.id,
                1.0,
                True,
                to_db(self._clock.now()),
            ),
        )

    async def picked(self, question_id: int, entry_id: str) -> None:
        await self._db.execute(
            "UPDATE faq_questions SET entry_id = ? WHERE id = ?", (entry_id, question_id)
        )

    async def feedback(self, question_id: int, helpful: bool) -> None:
        """Store whether an answer helped; a second press replaces the first."""
        await self._db.execute(
            "INSERT INTO faq_feedback (question_id, helpful, at) VALUES (?, ?, ?)"
            " ON CONFLICT (question_id) DO UPDATE SET helpful = excluded.helpful, at = excluded.at",
            (question_id, helpful, to_db(self._clock.now())),
        )

    async def question(self, question_id: int) -> tuple[str, int] | None:
        row = await self._db.fetchone(
            "SELECT question, user_id FROM faq_questions WHERE id = ?", (question_id,)
        )
        return None if row is None else (row["question"], row["user_id"])

    async def hand_over(self, question_id: int) -> int | None:
        """Open a hand-over for this question; None when one is open already."""
        created = await self._db.execute(
            "INSERT INTO faq_handovers (question_id, created_at) VALUES (?, ?)"
            " ON CONFLICT (question_id) DO NOTHING",
            (question_id, to_db(self._clock.now())),
        )
        if not created:
            return None
        return int(
            await self._db.scalar(
                "SELECT id FROM faq_handovers WHERE question_id = ?", (question_id,)
            )
        )

    async def handover(self, handover_id: int) -> Handover | None:
        row = await self._db.fetchone(
            "SELECT h.id, h.question_id, h.status, q.question, q.user_id, q.platform, q.chat_id"
            " FROM faq_handovers h JOIN faq_questions q ON q.id = h.question_id WHERE h.id = ?",
            (handover_id,),
        )
        if row is None:
            return None
        return _handover(row)

    async def open_handovers(self) -> list[Handover]:
        """Residents' questions handed to staff (转人工) and not answered yet, oldest first."""
        rows = await self._db.fetchall(
            "SELECT h.id, h.question_id, h.status, q.question, q.user_id, q.platform, q.chat_id"
            " FROM faq_handovers h JOIN faq_questions q ON q.id = h.question_id"
            " WHERE h.status = 'open' ORDER BY h.id"
        )
        return [_handover(row) for row in rows]

    async def answer_handover(self, handover_id: int, staff: User, text: str) -> bool:
        """Record a staff answer; False when it was answered already (nothing is sent twice)."""
        changed = await self._db.execute(
            "UPDATE faq_handovers SET status = 'answered', answer = ?, answered_by = ?,"
            " answered_at = ? WHERE id = ? AND status = 'open'",
            (text, staff.id, to_db(self._clock.now()), handover_id),
        )
        return changed == 1

    async def gap_count(self) -> int:
        """How many questions are gaps (what ``gaps`` lists, all of them)."""
        value = await self._db.scalar(
            "SELECT COUNT(*) FROM faq_questions q"
            " LEFT JOIN faq_feedback f ON f.question_id = q.id"
            " WHERE q.entry_id IS NULL OR f.helpful = 0"
        )
        return int(value)

    async def gaps(self, limit: int = 50) -> list[dict[str, object]]:
        """Questions the knowledge base did not answer, or answered unhelpfully, newest first."""
        rows = await self._db.fetchall(
            "SELECT q.id, q.question, q.entry_id, q.score, q.asked_at, f.helpful,"
            " h.status AS handover"
            " FROM faq_questions q"
            " LEFT JOIN faq_feedback f ON f.question_id = q.id"
            " LEFT JOIN faq_handovers h ON h.question_id = q.id"
            " WHERE q.entry_id IS NULL OR f.helpful = 0"
            " ORDER BY q.id DESC LIMIT ?",
            (limit,),
        )
        return [
            {
                "id": row["id"],
                "question": row["question"],
                "reason": "unhelpful" if row["helpful"] == 0 else "unanswered",
                "entry_id": row["entry_id"],
                "score": round(row["score"], 3),
                "handover": row["handover"],
                "asked_at": row["asked_at"],
            }
            for row in rows
        ]


async def relay_answer(app: App, desk: FaqDesk, handover_id: int, staff: User, answer: str) -> str:
    """Record a staff answer and send it to the resident exactly once (in chat or on the
    workbench); returns the catalogue key that tells staff what happened (takes ``id``)."""
    async with app.db.transaction():
        handover = await desk.handover(handover_id)
        if handover is None:
            return "faq.no_such_handover"
        if not await desk.answer_handover(handover_id, staff, answer):
            return "faq.already_answered"
        resident = await app.users.by_id(handover.user_id)
        if resident is not None:
            await app.notifier.user(
                resident,
                "faq.staff_answer",
                question=handover.question,
                answer=answer,
                dedup_key=f"faq:answer:{handover_id}",
            )
    return "faq.answer_sent"


def _handover(row: Row) -> Handover:
    return Handover(
        row["id"],
        row["question_id"],
        row["question"],
        row["user_id"],
        row["platform"],
        row["chat_id"],
        row["status"],
    )
