"""What the bot tells people about events outside the chat they are in: promotions, reminders,
cancellations, staff messages and announcements to groups. All of it goes through the outbox.

Reminders are outbox rows dated ``not_before`` the reminder time, with dedup keys
``ev:<event>:remind:<1d|2h>:<user>:<start>``; cancelling or moving removes the pending ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.chats import ChatRecord, Tag
from bot.clock import local
from bot.events.ics import FILE_NAME, MIME_TYPE, calendar_file
from bot.events.model import Event, Signup
from bot.i18n import text
from bot.messages import Attachment, Link, Reply
from bot.users import User

if TYPE_CHECKING:
    from bot.app import App

REMINDERS = (("1d", timedelta(days=1)), ("2h", timedelta(hours=2)))


def when_text(event: Event, tz: ZoneInfo) -> str:
    """2026-07-20 14:00–16:00, or both full times when it ends on another day."""
    start = local(event.starts_at, tz)
    if event.ends_at is None:
        return start
    end = local(event.ends_at, tz)
    return f"{start}–{end[11:]}" if end[:10] == start[:10] else f"{start} – {end}"


def describe(event: Event, lang: str, tz: ZoneInfo, *, taken: int | None = None) -> str:
    """The event's details, one per line, as every message about it shows them."""
    lines = [
        text(lang, "events.line.title", id=event.id, title=event.title),
        text(lang, "events.line.when", when=when_text(event, tz)),
        text(lang, "events.line.place", place=event.place),
    ]
    if event.capacity is None:
        lines.append(text(lang, "events.line.unlimited"))
    elif taken is None:
        lines.append(text(lang, "events.line.capacity", capacity=event.capacity))
    else:
        free = max(event.capacity - taken, 0)
        lines.append(text(lang, "events.line.seats", capacity=event.capacity, free=free))
    if event.deadline is not None:
        lines.append(text(lang, "events.line.deadline", deadline=local(event.deadline, tz)))
    if event.committee_names:
        names = "、".join(text(lang, "committee.label", name=n) for n in event.committee_names)
        lines.append(text(lang, "events.line.committees", names=names))
    if event.description:
        lines.append(event.description)
    return "\n".join(lines)


def reminder_key(event: Event, kind: str, user_id: int) -> str:
    return f"ev:{event.id}:remind:{kind}:{user_id}:{event.starts_at:%Y%m%d%H%M}"


class EventNotices:
    def __init__(self, app: App) -> None:
        self.app = app

    @property
    def tz(self) -> ZoneInfo:
        return self.app.tz

    def lang(self, user: User) -> str:
        return self.app.notifier.language_of(user)

    def calendar(self, event: Event, signup: Signup, lang: str) -> Attachment:
        note = text(lang, "events.ics_note", code=signup.code)
        data = calendar_file(event, self.tz, self.app.clock.now(), signup=signup, note=note)
        return Attachment(FILE_NAME, data=data, mime_type=MIME_TYPE)

    # -- to one person ----------------------------------------------------------------------

    async def confirmed(self, event: Event, signup: Signup, user: User) -> None:
        """A seat was taken in the person's own chat: only the reminders go elsewhere."""
        await self.schedule_reminders(event, signup, user)

    async def promoted(self, event: Event, signup: Signup, user: User) -> None:
        """Tell someone their waiting-list place became a seat, with the calendar file."""
        lang = self.lang(user)
        arrival = f"ev:{event.id}:promoted:{signup.id}:{signup.seq}"
        await self.app.notifier.user(
            user,
            "events.promoted",
            dedup_key=arrival,
            details=describe(event, lang, self.tz),
            party=signup.party,
            code=signup.code,
        )
        await self.app.outbox.put(
            user.private_address,
            Reply(text(lang, "events.ics_caption"), document=self.calendar(event, signup, lang)),
            dedup_key=f"{arrival}:ics",
        )
        await self.schedule_reminders(event, signup, user)

    async def schedule_reminders(self, event: Event, signup: Signup, user: User) -> None:
        lang = self.lang(user)
        now = self.app.clock.now()
        for kind, before in REMINDERS:
            moment = event.starts_at - before
            if moment <= now:
                continue
            reply = Reply(
                text(
                    lang,
                    f"events.remind_{kind}",
                    details=describe(event, lang, self.tz),
                    party=signup.party,
                    code=signup.code,
                )
            )
            await self.app.outbox.put(
                user.private_address,
                reply,
                dedup_key=reminder_key(event, kind, user.id),
                not_before=moment,
            )

    async def drop_reminders(self, event: Event, user_id: int | None = None) -> int:
        """Remove reminders not yet sent: one person's, or everyone's for this event."""
        if user_id is not None:
            keys = [reminder_key(event, kind, user_id) for kind, _ in REMINDERS]
            return await self.app.db.execute(
                "DELETE FROM outbox WHERE status = 'pending' AND dedup_key IN (?, ?)", keys
            )
        return await self.app.db.execute(
            "DELETE FROM outbox WHERE status = 'pending' AND dedup_key LIKE ?",
            (f"ev:{event.id}:remind:%",),
        )

    async def event_cancelled(self, event: Event, user: User) -> bool:
        return await self.app.notifier.user(
            user,
            "events.cancelled_notice",
            dedup_key=f"ev:{event.id}:cancelled:{user.id}",
            title=event.title,
            when=when_text(event, self.tz),
        )

    async def rescheduled(self, event: Event, signup: Signup, user: User) -> bool:
        return await self.app.notifier.user(
            user,
            "events.rescheduled",
            dedup_key=f"ev:{event.id}:moved:{event.starts_at:%Y%m%d%H%M}:{user.id}",
            details=describe(event, self.lang(user), self.tz),
        )

    async def message(
        self, event: Event, people: Sequence[tuple[Signup, User]], post_id: int, body: str
    ) -> int:
        """A staff message to everyone confirmed; returns how many were queued."""
        sent = 0
        for _, user in people:
            if await self.app.notifier.user(
                user,
                "events.staff_message",
                dedup_key=f"ev:{event.id}:msg:{post_id}:{user.id}",
                title=event.title,
                message=body,
            ):
                sent += 1
        return sent

    # -- to groups --------------------------------------------------------------------------

    async def targets(
        self, event: Event, *, committee_ids: Iterable[int] = (), tags: Iterable[Tag] = ()
    ) -> list[ChatRecord]:
        """The groups to announce in: by default the residents' groups the event is open to."""
        wanted_committees = tuple(committee_ids) or event.committee_ids
        wanted_tags = tuple(tags) or (Tag.RESIDENTS,)
        return await self.app.chats.groups(tags=wanted_tags, committee_ids=wanted_committees)

    def announcement(self, event: Event, group: ChatRecord, taken: int) -> Reply:
        """Details and a 报名 button: a deep link where the platform has one, else the command."""
        lang = self.app.settings.default_language
        details = describe(event, lang, self.tz, taken=taken)
        url = self.app.deep_link(group.platform, f"ev_{event.id}")
        if url:
            return Reply(
                text(lang, "events.announce", details=details)
                + "\n"
                + text(lang, "events.announce_button_hint"),
                links=(Link(text(lang, "events.signup_button"), url),),
            )
        return Reply(
            text(lang, "events.announce", details=details)
            + "\n"
            + text(lang, "events.announce_manual", id=event.id)
        )

    async def announce(
        self, event: Event, groups: Sequence[ChatRecord], post_id: int, taken: int
    ) -> int:
        sent = 0
        for group in groups:
            if await self.app.notifier.group(
                group.address,
                self.announcement(event, group, taken),
                dedup_key=f"ev:{event.id}:announce:{post_id}:{group.address}",
            ):
                sent += 1
        return sent
