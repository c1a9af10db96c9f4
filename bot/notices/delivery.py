"""Exactly-once fan-out of a notice's occurrence to its chats, and what became of it.

Each (notice, occurrence, chat) is one outbox row with the dedup key
``notice:<id>:<occurrence UTC>:<platform:chat>``, written in the same transaction as the
occurrence's record, so fanning out twice (a restart, a second process) queues nothing twice;
the postman's claim → send → mark does the rest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.chats import ChatRecord, Tag
from bot.clock import from_db, local, to_db
from bot.i18n import text
from bot.messages import Address, Option, Reply
from bot.notices import campaign
from bot.notices.campaign import CampaignTip
from bot.notices.repo import Kind, Notice, NoticeRepo, Status
from bot.notices.schedule import Now, Once, after_quiet_hours
from bot.outbox import Parcel
from bot.users import User

if TYPE_CHECKING:
    from bot.app import App

ACK_PREVIEW = "ack:preview"


def dedup_key(notice_id: int, due: datetime, address: Address) -> str:
    return f"notice:{notice_id}:{to_db(due)}:{address}"


def render(
    app: App,
    notice: Notice,
    occurrence_id: int | None,
    tip: CampaignTip | None = None,
) -> Reply:
    """The message exactly as the groups see it (in the groups' language)."""
    lang = app.settings.default_language
    if notice.template:
        params: dict[str, object] = {}
        if tip is not None:
            params |= {"title": tip.title, "body": tip.body}
        if notice.meeting is not None:
            params |= {
                "title": notice.meeting.title,
                "when": local(notice.meeting.starts_at, app.tz),
                "place": notice.meeting.place,
            }
        body = text(lang, notice.template, **params)
    elif notice.title:
        body = text(lang, "notices.titled", title=notice.title, body=notice.body)
    else:
        body = notice.body
    options: tuple[Option, ...] = ()
    if notice.ack:
        body += "\n" + text(lang, "notices.ack_hint")
        value = f"ack:{occurrence_id}" if occurrence_id is not None else ACK_PREVIEW
        options = (Option(text(lang, "notices.ack_button"), value),)
    return Reply(body, options, photo=notice.image, urgent=notice.urgent)


def send_time(app: App, chat: ChatRecord, *, urgent: bool, now: datetime | None = None) -> datetime:
    """Now, or the end of quiet hours for a residents' group (unless the notice is urgent)."""
    now = now or app.clock.now()
    if urgent or Tag.RESIDENTS not in chat.tags:
        return now
    return after_quiet_hours(now, app.tz, app.settings.quiet_start, app.settings.quiet_end)


def quiet_hold(app: App) -> Callable[[Parcel], Awaitable[datetime | None]]:
    """For the postman: a message for a residents' group that comes due at night (a bot that
    was down until 03:00, say) waits for the morning too, unless it is urgent."""

    async def hold(parcel: Parcel) -> datetime | None:
        if parcel.reply.urgent or parcel.reply.answers is not None:
            return None  # urgent, or an answer to someone who just asked
        chat = await app.chats.find(parcel.address)
        if chat is None:
            return None
        now = app.clock.now()
        until = send_time(app, chat, urgent=False, now=now)
        return until if until > now else None

    return hold


@dataclass(frozen=True)
class FanOut:
    occurrence_id: int
    chats: int  # aimed at
    queued: int  # new outbox rows
    held: int  # of those, waiting for the end of quiet hours
    inactive: int  # chats that refuse the bot: recorded, nothing queued


async def fan_out(app: App, notice: Notice, due: datetime) -> FanOut | None:
    """Queue one occurrence for every target chat; None when it was already sent or missed."""
    chats = await notice.targets.chats(app.chats, app.platforms)
    now = app.clock.now()
    queued = held = inactive = 0
    async with app.db.transaction() as tx:
        status = await tx.scalar("SELECT status FROM notices WHERE id = ?", (notice.id,))
        if status != Status.ACTIVE.value:
            return None
        row = await tx.fetchone(
            "SELECT id, status FROM notice_occurrences WHERE notice_id = ? AND due_at = ?",
            (notice.id, to_db(due)),
        )
        if row is not None and row["status"] != "planned":
            return None
        if row is None:
            occurrence_id = await tx.execute(
                "INSERT INTO notice_occurrences (notice_id, due_at, status)"
                " VALUES (?, ?, 'planned')",
                (notice.id, to_db(due)),
            )
        else:
            occurrence_id = row["id"]
        tip = (
            await campaign.pick_tip(tx, notice.system_key or "")
            if notice.kind is Kind.CAMPAIGN
            else None
        )
        reply = render(app, notice, occurrence_id, tip)
        # (chat, why skipped or None, outbox key): written in one statement after the loop,
        # since a broadcast reaches thousands of groups.
        deliveries: list[tuple[int, str, str, str | None, str | None]] = []
        for chat in chats:
            key = dedup_key(notice.id, due, chat.address)
            if not chat.active:
                inactive += 1
                deliveries.append(
                    (occurrence_id, chat.platform, chat.external_id, None, "inactive")
                )
                continue
            at = send_time(app, chat, urgent=notice.urgent, now=now)
            if await app.outbox.insert(tx, chat.address, reply, dedup_key=key, not_before=at):
                queued += 1
                held += at > now
            deliveries.append((occurrence_id, chat.platform, chat.external_id, key, None))
        await tx.executemany(
            "INSERT INTO notice_deliveries (occurrence_id, platform, chat_id, outbox_key, skipped)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (occurrence_id, platform, chat_id) DO NOTHING",
            deliveries,
        )
        await tx.execute(
            "UPDATE notice_occurrences SET status = 'sent', sent_at = ?, tip_id = ? WHERE id = ?",
            (to_db(now), tip.id if tip else None, occurrence_id),
        )
        if isinstance(notice.schedule, Now | Once):  # its one occurrence: nothing more to do
            await tx.execute(
                "UPDATE notices SET status = 'done', updated_at = ? WHERE id = ?",
                (to_db(now), notice.id),
            )
    return FanOut(occurrence_id, len(chats), queued, held, inactive)


# -- what became of it ----------------------------------------------------------------------


@dataclass
class Report:
    notice_id: int
    occurrence_id: int
    due: datetime
    ack: bool
    sent: int = 0
    failed: int = 0
    inactive: int = 0
    waiting: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (chat, reason)
    acked: list[tuple[str, str]] = field(default_factory=list)  # (person, chat)
    not_acked: list[str] = field(default_factory=list)  # chats nobody in has acknowledged

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.inactive + self.waiting

    @property
    def finished(self) -> bool:
        return self.waiting == 0


async def report(app: App, occurrence_id: int) -> Report | None:
    occurrence = await app.db.fetchone(
        "SELECT o.id, o.notice_id, o.due_at, n.ack FROM notice_occurrences o"
        " JOIN notices n ON n.id = o.notice_id WHERE o.id = ?",
        (occurrence_id,),
    )
    if occurrence is None:
        return None
    result = Report(
        occurrence["notice_id"],
        occurrence_id,
        from_db(occurrence["due_at"]),
        bool(occurrence["ack"]),
    )
    rows = await app.db.fetchall(
        # The acknowledgements are counted per chat once (a subquery per delivery would read
        # every 收到 of the occurrence again for each of thousands of groups).
        "SELECT d.platform, d.chat_id, d.skipped, b.status, b.error, c.title,"
        " COALESCE(a.n, 0) AS acks"
        " FROM notice_deliveries d"
        " LEFT JOIN outbox b ON b.dedup_key = d.outbox_key"
        " LEFT JOIN chats c ON c.platform = d.platform AND c.external_id = d.chat_id"
        " LEFT JOIN (SELECT platform, chat_id, COUNT(*) AS n FROM notice_acks"
        "  WHERE occurrence_id = ? GROUP BY platform, chat_id) a"
        "  ON a.platform = d.platform AND a.chat_id = d.chat_id"
        " WHERE d.occurrence_id = ? ORDER BY d.id",
        (occurrence_id, occurrence_id),
    )
    for row in rows:
        title = row["title"] or f"{row['platform']}:{row['chat_id']}"
        error = row["error"] or ""
        if row["skipped"] or (row["status"] == "failed" and error.startswith("unreachable")):
            result.inactive += 1
        elif row["status"] == "failed":
            result.failed += 1
            result.failures.append((title, error))
        elif row["status"] == "sent":
            result.sent += 1
            if result.ack and not row["acks"]:
                result.not_acked.append(title)
        else:
            result.waiting += 1
    if result.ack:
        acks = await app.db.fetchall(
            "SELECT a.user_name, a.user_ref, c.title, a.platform, a.chat_id FROM notice_acks a"
            " LEFT JOIN chats c ON c.platform = a.platform AND c.external_id = a.chat_id"
            " WHERE a.occurrence_id = ? AND EXISTS ("  # 收到 counts where the notice arrived
            "  SELECT 1 FROM notice_deliveries d JOIN outbox b ON b.dedup_key = d.outbox_key"
            "  WHERE d.occurrence_id = a.occurrence_id AND d.platform = a.platform"
            "  AND d.chat_id = a.chat_id AND b.status = 'sent')"
            " ORDER BY a.at, a.user_name",
            (occurrence_id,),
        )
        result.acked = [
            (a["user_name"] or a["user_ref"], a["title"] or f"{a['platform']}:{a['chat_id']}")
            for a in acks
        ]
    return result


async def latest_occurrence(app: App, notice_id: int) -> int | None:
    value = await app.db.scalar(
        "SELECT id FROM notice_occurrences WHERE notice_id = ? AND status = 'sent'"
        " ORDER BY due_at DESC LIMIT 1",
        (notice_id,),
    )
    return None if value is None else int(value)


def format_report(lang: str, result: Report, *, limit: int = 20) -> str:
    """The report as one message: counts, then failures and acknowledgements (shortened)."""

    def t(key: str, **params: object) -> str:
        return text(lang, key, **params)

    lines = [
        t("notices.report_title", id=result.notice_id),
        t(
            "notices.report_counts",
            total=result.total,
            sent=result.sent,
            failed=result.failed,
            inactive=result.inactive,
            waiting=result.waiting,
        ),
    ]
    lines += [t("notices.report_failure", chat=c, reason=r) for c, r in result.failures[:limit]]
    if result.ack:
        people = "、".join(f"{who}（{chat}）" for who, chat in result.acked[:limit]) or "—"
        lines.append(t("notices.report_acked", count=len(result.acked), people=people))
        chats = "、".join(result.not_acked[:limit]) or "—"
        lines.append(t("notices.report_not_acked", count=len(result.not_acked), chats=chats))
    return "\n".join(lines)


async def creator(app: App, notice: Notice) -> User | None:
    """The staff member who made the notice, when a person made it."""
    platform, sep, external_id = notice.created_by.partition(":")
    return await app.users.find(platform, external_id) if sep else None


async def follow_broadcasts(app: App) -> int:
    """Tell senders of broadcasts how sending goes: progress, then one delivery report."""
    rows = await app.db.fetchall(
        "SELECT o.id, o.notice_id, o.progress FROM notice_occurrences o"
        " JOIN notices n ON n.id = o.notice_id"
        " WHERE n.kind = 'broadcast' AND o.status = 'sent' AND o.reported_at IS NULL"
    )
    told = 0
    repo = NoticeRepo(app.db, app.clock)
    for row in rows:
        notice = await repo.get(row["notice_id"])
        result = await report(app, row["id"])
        if notice is None or result is None:
            continue
        user = await creator(app, notice)
        if result.finished or user is None:
            if user is not None:
                await app.notifier.user(
                    user,
                    "notices.report_body",
                    dedup_key=f"notice-report:{row['id']}",
                    body=format_report(app.notifier.language_of(user), result),
                )
                told += 1
            await app.db.execute(
                "UPDATE notice_occurrences SET reported_at = ? WHERE id = ?",
                (to_db(app.clock.now()), row["id"]),
            )
        elif result.sent > row["progress"]:
            await app.notifier.user(
                user,
                "notices.progress",
                dedup_key=f"notice-progress:{row['id']}:{result.sent}",
                id=notice.id,
                sent=result.sent,
                total=result.total,
            )
            await app.db.execute(
                "UPDATE notice_occurrences SET progress = ? WHERE id = ?", (result.sent, row["id"])
            )
            told += 1
    return told
