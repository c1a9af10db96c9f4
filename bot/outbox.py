"""Every message to a chat other than the one being answered goes through the outbox table.

A row is written (once per ``dedup_key``), then claimed, sent and marked by the running
platform's postman. So a notification made by a CLI command reaches a bot running in
another process, and a crash between writing and sending loses nothing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.db import Database
from bot.messages import Address, Attachment, FileRef, Link, Option, Reply
from bot.timeutil import from_db, to_db


def reply_to_json(reply: Reply) -> str:
    def attachment(item: Attachment | None) -> dict[str, Any] | None:
        if item is None:
            return None
        return {
            "name": item.name,
            "mime_type": item.mime_type,
            "data": base64.b64encode(item.data).decode() if item.data is not None else None,
            "ref": asdict(item.ref) if item.ref else None,
        }

    return json.dumps(
        {
            "text": reply.text,
            "options": [[o.label, o.value] for o in reply.options],
            "links": [[k.label, k.url] for k in reply.links],
            "photo": attachment(reply.photo),
            "document": attachment(reply.document),
            "urgent": reply.urgent,
        },
        ensure_ascii=False,
    )


def reply_from_json(payload: str) -> Reply:
    raw = json.loads(payload)

    def attachment(item: dict[str, Any] | None) -> Attachment | None:
        if item is None:
            return None
        return Attachment(
            name=item["name"],
            mime_type=item["mime_type"],
            data=base64.b64decode(item["data"]) if item["data"] is not None else None,
            ref=FileRef(**item["ref"]) if item["ref"] else None,
        )

    return Reply(
        text=raw["text"],
        options=tuple(Option(label, value) for label, value in raw["options"]),
        links=tuple(Link(label, url) for label, url in raw["links"]),
        photo=attachment(raw["photo"]),
        document=attachment(raw["document"]),
        urgent=raw["urgent"],
    )


@dataclass(frozen=True)
class Parcel:
    id: int
    address: Address
    reply: Reply
    attempts: int


Listener = Callable[[Address, Reply], None]


class Outbox:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        """Be told of each message this process queues to go now (the console prints them)."""
        self._listeners.append(listener)

    async def put(
        self,
        address: Address,
        reply: Reply,
        *,
        dedup_key: str | None = None,
        not_before: datetime | None = None,
    ) -> bool:
        """Queue a message; False when a message with this dedup_key was queued before."""
        now = self._clock.now()
        changed = await self._db.execute(
            "INSERT INTO outbox (platform, chat_id, payload, dedup_key, not_before, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING",
            (
                address.platform,
                address.chat_id,
                reply_to_json(reply),
                dedup_key,
                to_db(not_before or now),
                to_db(now),
            ),
        )
        if not changed:
            return False
        if not_before is None or not_before <= now:  # a reminder for later is news only then
            for listener in self._listeners:
                listener(address, reply)
        return True

    async def claim(
        self, platform: str, worker: str, *, chat_id: str | None = None, limit: int = 50
    ) -> list[Parcel]:
        """Take due messages for sending; a claimed row is not handed to anyone else."""
        now = to_db(self._clock.now())
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT id, platform, chat_id, payload, attempts FROM outbox"
                " WHERE platform = ? AND status = 'pending' AND not_before <= ?"
                " AND (? IS NULL OR chat_id = ?) ORDER BY id LIMIT ?",
                (platform, now, chat_id, chat_id, limit),
            )
            for row in rows:
                await tx.execute(
                    "UPDATE outbox SET status = 'sending', claimed_by = ?, claimed_at = ?,"
                    " attempts = attempts + 1 WHERE id = ?",
                    (worker, now, row["id"]),
                )
        return [
            Parcel(
                row["id"],
                Address(row["platform"], row["chat_id"]),
                reply_from_json(row["payload"]),
                row["attempts"] + 1,
            )
            for row in rows
        ]

    async def mark_sent(self, parcel_id: int) -> None:
        await self._db.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, error = NULL WHERE id = ?",
            (to_db(self._clock.now()), parcel_id),
        )

    async def mark_failed(self, parcel_id: int, error: str) -> None:
        await self._db.execute(
            "UPDATE outbox SET status = 'failed', error = ? WHERE id = ?", (error, parcel_id)
        )

    async def retry_later(self, parcel_id: int, error: str, delay: timedelta) -> None:
        await self._db.execute(
            "UPDATE outbox SET status = 'pending', error = ?, not_before = ? WHERE id = ?",
            (error, to_db(self._clock.now() + delay), parcel_id),
        )

    async def recover(self, platform: str, worker: str | None = None) -> int:
        """Put back messages a stopped process had claimed but not marked sent."""
        return await self._db.execute(
            "UPDATE outbox SET status = 'pending' WHERE platform = ? AND status = 'sending'"
            " AND (? IS NULL OR claimed_by = ?)",
            (platform, worker, worker),
        )

    async def next_due(self, platform: str) -> datetime | None:
        value = await self._db.scalar(
            "SELECT MIN(not_before) FROM outbox WHERE platform = ? AND status = 'pending'",
            (platform,),
        )
        return None if value is None else from_db(value)
