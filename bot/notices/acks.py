"""收到: acknowledging a notice, and one reminder to the groups where nobody has yet.

A person acknowledges with the 收到 button (or by writing 收到 in the group where buttons
don't exist); each person counts once per occurrence, guarded by the primary key, and only
once the notice has been delivered to that chat (not while quiet hours hold it back).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.clock import from_db, to_db
from bot.i18n import text
from bot.messages import Address, Reply
from bot.notices.delivery import creator, format_report, report, send_time
from bot.notices.repo import NoticeRepo
from bot.outbox import reply_from_json
from bot.users import User

if TYPE_CHECKING:
    from bot.app import App

RECENT = timedelta(days=7)  # a bare 收到 answers the latest notice of this past week


class AckResult(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    NOT_ASKED = "not_asked"  # no such occurrence, or it did not ask for 收到


async def acknowledge(app: App, occurrence_id: int, user: User, address: Address) -> AckResult:
    """Record 收到 for a notice this chat was sent (a button value names any occurrence)."""
    async with app.db.transaction() as tx:
        # Only once the notice reached this chat: one still held by quiet hours is not there.
        asked = await tx.scalar(
            "SELECT n.ack FROM notice_occurrences o JOIN notices n ON n.id = o.notice_id"
            " JOIN notice_deliveries d ON d.occurrence_id = o.id"
            " JOIN outbox b ON b.dedup_key = d.outbox_key"
            " WHERE o.id = ? AND o.status = 'sent' AND d.platform = ? AND d.chat_id = ?"
            " AND b.status = 'sent'",
            (occurrence_id, address.platform, address.chat_id),
        )
        if not asked:
            return AckResult.NOT_ASKED
        done = await tx.scalar(
            "SELECT 1 FROM notice_acks WHERE occurrence_id = ? AND user_ref = ?",
            (occurrence_id, user.ref),
        )
        if done:
            return AckResult.ALREADY
        await tx.execute(
            "INSERT INTO notice_acks (occurrence_id, user_ref, user_name, platform, chat_id, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                occurrence_id,
                user.ref,
                user.display_name,
                address.platform,
                address.chat_id,
                to_db(app.clock.now()),
            ),
        )
    return AckResult.RECORDED


async def latest_asking(app: App, address: Address) -> int | None:
    """The latest occurrence asking for 收到 that reached this chat in the past week."""
    value = await app.db.scalar(
        "SELECT o.id FROM notice_deliveries d"
        " JOIN notice_occurrences o ON o.id = d.occurrence_id"
        " JOIN notices n ON n.id = o.notice_id"
        " JOIN outbox b ON b.dedup_key = d.outbox_key"
        " WHERE d.platform = ? AND d.chat_id = ? AND n.ack = 1 AND o.status = 'sent'"
        " AND b.status = 'sent' AND b.sent_at >= ?"
        " ORDER BY b.sent_at DESC, o.id DESC LIMIT 1",
        (address.platform, address.chat_id, to_db(app.clock.now() - RECENT)),
    )
    return None if value is None else int(value)


async def remind_due(app: App) -> int:
    """Remind, once, the groups where nobody acknowledged within the notice's time."""
    now = app.clock.now()
    # The time is counted from when the groups got it: a notice held by quiet hours or a
    # rate limit waits until every chat's copy has left the outbox.
    rows = await app.db.fetchall(
        "SELECT o.id, o.notice_id, o.sent_at, n.ack_remind_minutes,"
        " MAX(b.sent_at) AS delivered_at,"
        " SUM(CASE WHEN b.status IN ('pending', 'sending') THEN 1 ELSE 0 END) AS waiting"
        " FROM notice_occurrences o JOIN notices n ON n.id = o.notice_id"
        " LEFT JOIN notice_deliveries d ON d.occurrence_id = o.id"
        " LEFT JOIN outbox b ON b.dedup_key = d.outbox_key"
        " WHERE n.ack = 1 AND o.status = 'sent' AND o.ack_reminded_at IS NULL"
        " GROUP BY o.id, o.notice_id, o.sent_at, n.ack_remind_minutes"
    )
    repo = NoticeRepo(app.db, app.clock)
    reminded = 0
    for row in rows:
        if row["waiting"]:
            continue
        minutes = row["ack_remind_minutes"] or app.settings.ack_remind_minutes
        delivered = from_db(row["delivered_at"] or row["sent_at"])
        if delivered + timedelta(minutes=minutes) > now:
            continue
        notice = await repo.get(row["notice_id"])
        if notice is None:
            continue
        reminded += await _remind(app, row["id"], notice.urgent, now)
        result = await report(app, row["id"])
        sender = await creator(app, notice)
        if sender is not None and result is not None:
            await app.notifier.user(
                sender,
                "notices.report_body",
                dedup_key=f"ack-status:{row['id']}",
                body=format_report(app.notifier.language_of(sender), result),
            )
    return reminded


async def _remind(app: App, occurrence_id: int, urgent: bool, now: datetime) -> int:
    waiting = await app.db.fetchall(
        "SELECT d.platform, d.chat_id, b.payload FROM notice_deliveries d"
        " JOIN outbox b ON b.dedup_key = d.outbox_key"
        " WHERE d.occurrence_id = ? AND b.status = 'sent' AND NOT EXISTS ("
        "  SELECT 1 FROM notice_acks a WHERE a.occurrence_id = d.occurrence_id"
        "  AND a.platform = d.platform AND a.chat_id = d.chat_id)",
        (occurrence_id,),
    )
    lang = app.settings.default_language
    addresses = [Address(row["platform"], row["chat_id"]) for row in waiting]
    chats = {address: await app.chats.find(address) for address in addresses}
    reminded = 0
    async with app.db.transaction() as tx:
        claimed = await tx.execute(
            "UPDATE notice_occurrences SET ack_reminded_at = ?"
            " WHERE id = ? AND ack_reminded_at IS NULL",
            (to_db(now), occurrence_id),
        )
        if not claimed:
            return 0
        for address, row in zip(addresses, waiting, strict=True):
            original = reply_from_json(row["payload"])
            reminder = Reply(
                text(lang, "notices.ack_reminder") + "\n" + original.text,
                original.options,
                photo=original.photo,
                urgent=original.urgent,
            )
            chat = chats[address]
            at = send_time(app, chat, urgent=urgent, now=now) if chat else now
            if await app.outbox.insert(
                tx,
                address,
                reminder,
                dedup_key=f"ack-remind:{occurrence_id}:{address}",
                not_before=at,
            ):
                reminded += 1
    return reminded
