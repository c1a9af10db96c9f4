"""Meetings called by staff: a notice at once, reminders 1 day and 2 hours before.

The reminders are notices relative to the meeting's start, so rescheduling moves them by
changing one row; the groups are told of a new time or a cancellation at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.clock import from_db, local, to_db
from bot.db import Row
from bot.i18n import text
from bot.notices.delivery import FanOut, fan_out
from bot.notices.repo import Draft, Kind, Notice, NoticeRepo, Status, Targets
from bot.notices.schedule import Now, Relative

if TYPE_CHECKING:
    from bot.app import App

ANNOUNCE = "notices.meeting.announce"
REMINDERS = ((-24 * 60, "notices.meeting.remind_day"), (-2 * 60, "notices.meeting.remind_hours"))


@dataclass(frozen=True)
class Meeting:
    id: int
    title: str
    starts_at: datetime
    place: str
    targets: Targets
    cancelled: bool
    created_by: str


def _meeting(row: Row) -> Meeting:
    return Meeting(
        row["id"],
        row["title"],
        from_db(row["starts_at"]),
        row["place"],
        Targets.model_validate_json(row["targets"]),
        row["status"] == "cancelled",
        row["created_by"],
    )


class MeetingService:
    def __init__(self, app: App) -> None:
        self.app = app
        self.notices = NoticeRepo(app.db, app.clock)

    async def get(self, meeting_id: int) -> Meeting | None:
        row = await self.app.db.fetchone("SELECT * FROM meetings WHERE id = ?", (meeting_id,))
        return None if row is None else _meeting(row)

    async def upcoming(self) -> list[Meeting]:
        rows = await self.app.db.fetchall(
            "SELECT * FROM meetings WHERE status = 'scheduled' AND starts_at >= ?"
            " ORDER BY starts_at",
            (to_db(self.app.clock.now()),),
        )
        return [_meeting(row) for row in rows]

    async def create(
        self,
        *,
        title: str,
        starts_at: datetime,
        place: str,
        targets: Targets,
        created_by: str,
        instance: str | None = None,
    ) -> tuple[Meeting, FanOut | None]:
        """Save the meeting and its reminders and announce it; the same flow run twice makes one."""
        now = to_db(self.app.clock.now())
        async with self.app.db.transaction() as tx:
            meeting_id = (
                await tx.scalar("SELECT id FROM meetings WHERE instance = ?", (instance,))
                if instance
                else None
            )
            if meeting_id is None:
                meeting_id = await tx.execute(
                    "INSERT INTO meetings (title, starts_at, place, targets, created_by, instance,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (title, to_db(starts_at), place, targets.model_dump_json(), created_by,
                     instance, now, now),
                )  # fmt: skip
                plan: list[tuple[str, Now | Relative]] = [(ANNOUNCE, Now())]
                plan += [
                    (template, Relative(meeting_id=meeting_id, offset_minutes=offset))
                    for offset, template in REMINDERS
                ]
                for template, schedule in plan:
                    draft = Draft(
                        kind=Kind.MEETING,
                        title=title,
                        body="",
                        template=template,
                        targets=targets,
                        schedule=schedule,
                        created_by=created_by,
                        meeting_id=meeting_id,
                    )
                    await self.notices.insert(tx, draft)
        notices = await self.notices.for_meeting(meeting_id)
        for notice in notices:
            await self.notices.changed(notice.id)
        meeting = await self.get(meeting_id)
        assert meeting is not None
        announce = next(n for n in notices if n.template == ANNOUNCE)
        return meeting, await fan_out(self.app, announce, announce.since)

    async def reminders(self, meeting_id: int) -> list[Notice]:
        return [
            n
            for n in await self.notices.for_meeting(meeting_id)
            if isinstance(n.schedule, Relative)
        ]

    async def reschedule(self, meeting_id: int, starts_at: datetime) -> Meeting | None:
        """Move the meeting: its reminders follow, and the groups are told the new time."""
        async with self.app.db.transaction():  # the move and the groups' news commit together
            return await self._reschedule(meeting_id, starts_at)

    async def _reschedule(self, meeting_id: int, starts_at: datetime) -> Meeting | None:
        meeting = await self.get(meeting_id)
        if meeting is None or meeting.cancelled:
            return None
        reminders = await self.reminders(meeting_id)
        async with self.app.db.transaction() as tx:
            await tx.execute(
                "UPDATE meetings SET starts_at = ?, updated_at = ? WHERE id = ?",
                (to_db(starts_at), to_db(self.app.clock.now()), meeting_id),
            )
            for notice in reminders:
                # A reminder already sent for the old time is due again for the new one.
                await self.notices.touch(tx, notice.id)
                await tx.execute(
                    "UPDATE notices SET status = 'active' WHERE id = ? AND status = 'done'",
                    (notice.id,),
                )
        lang = self.app.settings.default_language
        body = text(
            lang,
            "notices.meeting.moved",
            title=meeting.title,
            old=local(meeting.starts_at, self.app.tz),
            when=local(starts_at, self.app.tz),
            place=meeting.place,
        )
        await self._tell(meeting, body, f"moved:{to_db(starts_at)}")
        for notice in await self.reminders(meeting_id):
            await self.notices.changed(notice.id)
        return await self.get(meeting_id)

    async def cancel(self, meeting_id: int) -> Meeting | None:
        """Call the meeting off: no more reminders, and the groups are told.

        The meeting is marked cancelled last, so a cancellation cut short can be run again
        (each step is done once) and the groups are never left untold.
        """
        async with self.app.db.transaction():  # cancelling and the groups' news commit together
            return await self._cancel(meeting_id)

    async def _cancel(self, meeting_id: int) -> Meeting | None:
        meeting = await self.get(meeting_id)
        if meeting is None or meeting.cancelled:
            return None
        for notice in await self.notices.for_meeting(meeting_id):
            await self.notices.set_status(notice.id, Status.CANCELLED, only_from=(Status.ACTIVE,))
        body = text(
            self.app.settings.default_language,
            "notices.meeting.cancelled",
            title=meeting.title,
            when=local(meeting.starts_at, self.app.tz),
        )
        await self._tell(meeting, body, "cancelled")
        await self.app.db.execute(
            "UPDATE meetings SET status = 'cancelled', updated_at = ? WHERE id = ?",
            (to_db(self.app.clock.now()), meeting_id),
        )
        return await self.get(meeting_id)

    async def _tell(self, meeting: Meeting, body: str, event: str) -> FanOut | None:
        # No title: the body already opens with 【会议改期】 or 【会议取消】 and the meeting's name.
        notice = await self.notices.add(
            Draft(
                kind=Kind.MEETING,
                body=body,
                targets=meeting.targets,
                schedule=Now(),
                created_by=meeting.created_by,
                instance=f"meeting:{meeting.id}:{event}",
            )
        )
        return await fan_out(self.app, notice, notice.since)
