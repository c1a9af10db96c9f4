"""Fakes and helpers shared by the notice tests: a recording transport, many groups, the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.app import App
from bot.clock import to_db
from bot.messages import Reply
from bot.platforms.base import ChatUnreachable


class Crash(BaseException):
    """The process dies: not an Exception, so nothing in the postman catches it."""


@dataclass
class Recorder:
    platform: str = "console"
    crash_after: int | None = None  # raise Crash instead of the (n+1)th send
    refuse: set[str] = field(default_factory=set)  # chat ids that removed the bot
    sent: list[tuple[str, Reply]] = field(default_factory=list)

    async def send(self, chat_id: str, reply: Reply) -> None:
        if self.crash_after is not None and len(self.sent) >= self.crash_after:
            raise Crash
        if chat_id in self.refuse:
            raise ChatUnreachable("bot was removed from the group")
        self.sent.append((chat_id, reply))

    def chats(self) -> list[str]:
        return [chat for chat, _ in self.sent]


async def add_groups(app: App, count: int, *, tag: str = "residents", prefix: str = "g") -> None:
    """Many group chats at once (plain inserts: bind() per chat would be slow)."""
    now = to_db(app.clock.now())
    async with app.db.transaction() as tx:
        for n in range(count):
            chat_id = await tx.execute(
                "INSERT INTO chats (platform, external_id, kind, title, created_at, updated_at)"
                " VALUES ('console', ?, 'group', ?, ?, ?)",
                (f"{prefix}{n}", f"第{n}居民群", now, now),
            )
            await tx.execute("INSERT INTO chat_tags (chat_id, tag) VALUES (?, ?)", (chat_id, tag))


async def outbox_rows(app: App, chat_id: str | None = None) -> list[dict[str, object]]:
    rows = await app.db.fetchall(
        "SELECT chat_id, payload, dedup_key, status, not_before, error FROM outbox"
        " WHERE ? IS NULL OR chat_id = ? ORDER BY id",
        (chat_id, chat_id),
    )
    return [dict(row) for row in rows]


def texts(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)
