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

from bot.clock import Clock, from_db, to_db
from bot.db import Database, Tx
from bot.messages import Address, Attachment, FileRef, Link, Option, Reply


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
            "answers": reply.answers,
            "for_user": reply.for_user,
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
        answers=raw.get("answers"),
        for_user=raw.get("for_user"),
    )


@dataclass(frozen=True)
class Parcel:
    id: int
    address: Address
    reply: Reply
    attempts: int


Listener = Callable[[Address, Reply], None]

# A row claimed longer ago than this belongs to a process that stopped: it is handed out again.
CLAIM_TIMEOUT = timedelta(minutes=10)


# Due rows, and rows whose claim is stale, as two searches of an index each. Written as one
# WHERE with OR (and ``? IS NULL OR chat_id = ?``), SQLite read every row the platform had ever
# sent on each claim; sent rows are kept, so every answer was sent a little later than the last.
# The rows are marked as claimed by the same statement that finds them (one statement, atomic
# on its own, instead of a transaction of a look-up and an update per row).
_CLAIM_DUE = (
    "SELECT id FROM outbox o"
    " WHERE platform = ?{chat} AND status = 'pending' AND not_before <= ?"
    " AND NOT EXISTS (SELECT 1 FROM outbox s WHERE s.platform = o.platform"
    "   AND s.chat_id = o.chat_id AND s.status = 'sending' AND s.claimed_at > ?)"
    " UNION ALL SELECT id FROM outbox"
    " WHERE platform = ?{chat} AND status = 'sending' AND claimed_at <= ?"
    " ORDER BY id LIMIT ?"
)
_CLAIM_SET = (
    "UPDATE outbox SET status = 'sending', claimed_by = ?, claimed_at = ?,"
    " attempts = attempts + 1 WHERE id IN ({due})"
    " RETURNING id, platform, chat_id, payload, attempts"
)
_CLAIM = _CLAIM_SET.replace("{due}", _CLAIM_DUE.replace("{chat}", ""))
_CLAIM_FOR_CHAT = _CLAIM_SET.replace("{due}", _CLAIM_DUE.replace("{chat}", " AND chat_id = ?"))
# Several processes (PostgreSQL): rows another process's open claim holds are passed over.
# PostgreSQL takes no row lock in a UNION, so there the look-up is one WHERE with OR.
_CLAIM_SKIPPING_LOCKED = _CLAIM_SET.replace(
    "{due}",
    "SELECT id FROM outbox o"
    " WHERE platform = ? AND (? IS NULL OR chat_id = ?)"
    " AND ((status = 'pending' AND not_before <= ? AND NOT EXISTS ("
    "   SELECT 1 FROM outbox s WHERE s.platform = o.platform"
    "   AND s.chat_id = o.chat_id AND s.status = 'sending' AND s.claimed_at > ?))"
    "  OR (status = 'sending' AND claimed_at <= ?))"
    " ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED",
)


class Outbox:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        """Be told of each message this process queues to go now (the console prints them)."""
        self._listeners.append(listener)

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def shared(self) -> bool:
        """Other processes send from this outbox too (PostgreSQL)."""
        return self._db.shared

    async def put(
        self,
        address: Address,
        reply: Reply,
        *,
        dedup_key: str | None = None,
        not_before: datetime | None = None,
    ) -> bool:
        """Queue a message; False when a message with this dedup_key was queued before."""
        async with self._db.transaction() as tx:
            return await self.insert(tx, address, reply, dedup_key=dedup_key, not_before=not_before)

    async def insert(
        self,
        tx: Tx,
        address: Address,
        reply: Reply,
        *,
        dedup_key: str | None = None,
        not_before: datetime | None = None,
    ) -> bool:
        """Queue inside the caller's transaction; listeners hear of it once that has committed."""
        now = self._clock.now()
        # RETURNING tells a skipped duplicate apart (lastrowid would be the previous insert's).
        row = await tx.fetchone(
            "INSERT INTO outbox (platform, chat_id, payload, dedup_key, not_before, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
            (
                address.platform,
                address.chat_id,
                reply_to_json(reply),
                dedup_key,
                to_db(not_before or now),
                to_db(now),
            ),
        )
        if row is None:
            return False
        tx.after_commit(lambda: self.announce(address, reply, not_before))
        return True

    async def queued(self, keys: list[str]) -> set[str]:
        """Those of ``keys`` some message was queued with already."""
        found: set[str] = set()
        for start in range(0, len(keys), 500):  # SQLite's limit on parameters
            chunk = keys[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = await self._db.fetchall(
                f"SELECT dedup_key FROM outbox WHERE dedup_key IN ({marks})",  # noqa: S608
                chunk,
            )
            found.update(row[0] for row in rows)
        return found

    def announce(self, address: Address, reply: Reply, not_before: datetime | None = None) -> None:
        """Tell listeners of a queued message; a reminder for later is news only when due."""
        if not_before is not None and not_before > self._clock.now():
            return
        for listener in self._listeners:
            listener(address, reply)

    async def claim(
        self, platform: str, worker: str, *, chat_id: str | None = None, limit: int = 50
    ) -> list[Parcel]:
        """Take due messages for sending; a claimed row is not handed to anyone else.

        Rows claimed more than ``CLAIM_TIMEOUT`` ago by a process that never marked them
        are taken again, so a crash between claiming and marking loses nothing.
        """
        moment = self._clock.now()
        now, stale = to_db(moment), to_db(moment - CLAIM_TIMEOUT)
        # One sender per chat at a time: while another postman (the background one, or the
        # worker that just answered) is sending to a chat, its next messages wait for it, so a
        # person never reads answer 2 before answer 1.
        if self._db.shared:
            rows = await self._db.fetchall(
                _CLAIM_SKIPPING_LOCKED,
                (worker, now, platform, chat_id, chat_id, now, stale, stale, limit),
            )
        else:
            where = (platform,) if chat_id is None else (platform, chat_id)
            rows = await self._db.fetchall(
                _CLAIM if chat_id is None else _CLAIM_FOR_CHAT,
                (worker, now, *where, now, stale, *where, stale, limit),
            )
        return [
            Parcel(
                row["id"],
                Address(row["platform"], row["chat_id"]),
                reply_from_json(row["payload"]),
                row["attempts"],
            )
            for row in sorted(rows, key=lambda row: int(row["id"]))  # RETURNING keeps no order
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

    async def release(self, parcel_ids: list[int]) -> None:
        """Hand claimed rows back unsent (a rate limit was reached); not counted as attempts."""
        async with self._db.transaction() as tx:
            for parcel_id in parcel_ids:
                await tx.execute(
                    "UPDATE outbox SET status = 'pending', attempts = attempts - 1,"
                    " claimed_by = NULL WHERE id = ? AND status = 'sending'",
                    (parcel_id,),
                )

    async def postpone(self, parcel_id: int, until: datetime) -> None:
        """Send a claimed row later (its chat's rate limit); not counted as an attempt."""
        await self._db.execute(
            "UPDATE outbox SET status = 'pending', attempts = attempts - 1, claimed_by = NULL,"
            " not_before = ? WHERE id = ? AND status = 'sending'",
            (to_db(until), parcel_id),
        )

    async def fail_chat(self, address: Address, reason: str) -> int:
        """Everything still waiting for a chat that refuses the bot fails, with the reason."""
        return await self._db.execute(
            "UPDATE outbox SET status = 'failed', error = ?"
            " WHERE platform = ? AND chat_id = ? AND status = 'pending'",
            (reason, address.platform, address.chat_id),
        )

    async def recover(
        self, platform: str, worker: str | None = None, *, stale_after: timedelta | None = None
    ) -> int:
        """Put back messages a stopped process had claimed but not marked sent.

        ``worker``: only that worker's; ``stale_after``: only those claimed at least that long
        ago (safe while another live process is sending).
        """
        cutoff = to_db(self._clock.now() - stale_after) if stale_after is not None else None
        return await self._db.execute(
            "UPDATE outbox SET status = 'pending' WHERE platform = ? AND status = 'sending'"
            " AND (? IS NULL OR claimed_by = ?) AND (? IS NULL OR claimed_at <= ?)",
            (platform, worker, worker, cutoff, cutoff),
        )

    async def recover_stopped(self, platform: str, me: str) -> int:
        """Several processes: put back what workers that stopped had claimed (their ``alive``
        lead is free), without waiting for ``CLAIM_TIMEOUT``."""
        rows = await self._db.fetchall(
            "SELECT DISTINCT claimed_by FROM outbox WHERE platform = ? AND status = 'sending'"
            " AND claimed_by IS NOT NULL AND claimed_by <> ?",
            (platform, me),
        )
        back = 0
        for row in rows:
            owner: str = row[0]
            _, at, slot = owner.partition("@")
            if at and not await self._db.alive(f"alive:{slot}"):
                back += await self.recover(platform, owner)
        return back

    async def next_due(self, platform: str) -> datetime | None:
        value = await self._db.scalar(
            "SELECT MIN(not_before) FROM outbox WHERE platform = ? AND status = 'pending'",
            (platform,),
        )
        return None if value is None else from_db(value)
