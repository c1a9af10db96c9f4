"""Chats the bot is in: group chats are bound to a residents' committee and tagged for notices."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.clock import Clock, to_db
from bot.db import Database, Row
from bot.messages import Address, Chat, ChatKind


class Tag(StrEnum):
    RESIDENTS = "residents"
    DIRECTORS = "directors"
    STAFF = "staff"
    COMMITTEE = "committee"


# Group types as people type them in /bind and on the command line.
TAG_WORDS = {
    "residents": Tag.RESIDENTS, "居民": Tag.RESIDENTS, "居民群": Tag.RESIDENTS,
    "directors": Tag.DIRECTORS, "主任": Tag.DIRECTORS, "主任群": Tag.DIRECTORS,
    "staff": Tag.STAFF, "工作人员": Tag.STAFF, "工作群": Tag.STAFF,
    "committee": Tag.COMMITTEE, "居委会": Tag.COMMITTEE, "居委": Tag.COMMITTEE,
}  # fmt: skip


@dataclass(frozen=True)
class ChatRecord:
    id: int
    platform: str
    external_id: str
    kind: ChatKind
    title: str
    committee_id: int | None
    committee_name: str | None
    active: bool
    tags: frozenset[Tag]

    @property
    def address(self) -> Address:
        return Address(self.platform, self.external_id)


_SELECT = (
    "SELECT ch.id, ch.platform, ch.external_id, ch.kind, ch.title, ch.committee_id, ch.active,"
    " c.name AS committee_name,"
    " (SELECT group_concat(tag) FROM chat_tags t WHERE t.chat_id = ch.id) AS tags"
    " FROM chats ch LEFT JOIN residents_committees c ON c.id = ch.committee_id"
)


def _record(row: Row) -> ChatRecord:
    r = row
    tags = frozenset(Tag(t) for t in (r["tags"] or "").split(",") if t)
    return ChatRecord(
        id=r["id"],
        platform=r["platform"],
        external_id=r["external_id"],
        kind=ChatKind(r["kind"]),
        title=r["title"],
        committee_id=r["committee_id"],
        committee_name=r["committee_name"],
        active=bool(r["active"]),
        tags=tags,
    )


class ChatRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def seen(self, chat: Chat) -> None:
        """Record a chat a message came from; a group that writes to us is active again."""
        now = to_db(self._clock.now())
        await self._db.execute(
            "INSERT INTO chats (platform, external_id, kind, title, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (platform, external_id) DO UPDATE SET"
            "  title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE chats.title END,"
            "  active = 1, inactive_reason = NULL,"
            "  updated_at = excluded.updated_at"
            # Nothing to write for a chat we know as it is: most messages change nothing here.
            " WHERE chats.active = 0 OR (excluded.title <> '' AND excluded.title <> chats.title)",
            (chat.platform, chat.id, chat.kind.value, chat.title, now, now),
        )

    async def find(self, address: Address) -> ChatRecord | None:
        row = await self._db.fetchone(
            _SELECT + " WHERE ch.platform = ? AND ch.external_id = ?",
            (address.platform, address.chat_id),
        )
        return None if row is None else _record(row)

    async def deactivate(self, address: Address, reason: str) -> None:
        await self._db.execute(
            "UPDATE chats SET active = 0, inactive_reason = ?, updated_at = ?"
            " WHERE platform = ? AND external_id = ?",
            (reason, to_db(self._clock.now()), address.platform, address.chat_id),
        )

    async def bind(self, chat: Chat, committee_id: int | None, tags: Iterable[Tag]) -> None:
        """Bind a group to a committee and replace its tags."""
        await self.seen(chat)
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT id FROM chats WHERE platform = ? AND external_id = ?",
                (chat.platform, chat.id),
            )
            assert row is not None
            await tx.execute(
                "UPDATE chats SET committee_id = ?, updated_at = ? WHERE id = ?",
                (committee_id, to_db(self._clock.now()), row["id"]),
            )
            await tx.execute("DELETE FROM chat_tags WHERE chat_id = ?", (row["id"],))
            await tx.executemany(
                "INSERT INTO chat_tags (chat_id, tag) VALUES (?, ?)",
                [(row["id"], tag.value) for tag in set(tags)],
            )

    async def groups(
        self,
        *,
        tags: Iterable[Tag] = (),
        committee_ids: Iterable[int] = (),
        active_only: bool = True,
    ) -> list[ChatRecord]:
        """Group chats with any of ``tags`` (all when empty) in any of ``committee_ids``."""
        wanted_tags, wanted_committees = set(tags), set(committee_ids)
        if wanted_tags:
            # Only the tagged groups are read: the staff groups among 5,000 residents' groups.
            marks = ", ".join("?" * len(wanted_tags))
            rows = await self._db.fetchall(
                _SELECT + " WHERE ch.kind = 'group' AND ch.id IN"  # noqa: S608
                f" (SELECT chat_id FROM chat_tags WHERE tag IN ({marks})) ORDER BY ch.id",
                [tag.value for tag in sorted(wanted_tags)],
            )
        else:
            rows = await self._db.fetchall(_SELECT + " WHERE ch.kind = 'group' ORDER BY ch.id")
        found = []
        for record in map(_record, rows):
            if active_only and not record.active:
                continue
            if wanted_tags and not (record.tags & wanted_tags):
                continue
            if wanted_committees and record.committee_id not in wanted_committees:
                continue
            found.append(record)
        return found
