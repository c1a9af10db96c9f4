"""Filing, supplementing and moving hazard reports, and telling the people who need to know.

Object-level rules live here (a director resolves only their own committee's reports, only the
reporter answers 已整改到位?); the router has already checked the role.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.chats import ChatRecord, Tag
from bot.clock import local, to_db
from bot.hazards import repo
from bot.hazards.model import (
    FINAL,
    SIMILAR_THRESHOLD,
    TRANSITIONS,
    Category,
    Department,
    Event,
    HazardError,
    Photo,
    Report,
    Rules,
    Status,
    may_move,
    same_place,
)
from bot.hazards.repo import Filters, NewReport
from bot.hazards.workdays import work_calendar
from bot.i18n import text
from bot.messages import Option, Reply
from bot.roles import Role
from bot.users import User

if TYPE_CHECKING:
    from bot.app import App

SIMILAR_WITHIN = timedelta(days=30)
CLI_ACTOR = "cli"


@dataclass(frozen=True)
class Page:
    reports: list[Report]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


class HazardService:
    def __init__(self, app: App) -> None:
        self.app = app
        self.db = app.db
        self.clock = app.clock
        settings = app.settings
        self.rules = Rules(
            accept_within=timedelta(hours=settings.hazard_accept_hours),
            resolve_within=timedelta(days=settings.hazard_resolve_days),
            verify_wait=timedelta(days=settings.hazard_verify_days),
            working_days=settings.hazard_deadline_days == "working",
            tz=settings.tz,
            calendar=work_calendar(settings),
        )

    @classmethod
    def of(cls, app: App) -> HazardService:
        return cls(app)

    # -- reading ----------------------------------------------------------------------------

    async def get(self, report_id: int) -> Report | None:
        return await repo.get(self.db, report_id)

    async def by_ref(self, ref: str) -> Report | None:
        return await repo.by_ref(self.db, ref)

    async def mine(self, reporter: User, limit: int) -> list[Report]:
        """This person's own reports, newest first; never anyone else's."""
        return await repo.by_reporter(self.db, reporter.id, limit)

    async def awaiting_answer(self, reporter: User) -> list[Report]:
        """This person's reports marked 已整改 and waiting for their 已整改到位? answer."""
        return [
            r
            for r in await repo.by_reporter(self.db, reporter.id, -1)
            if r.status is Status.RESOLVED
        ]

    async def history(self, report: Report) -> list[Event]:
        return await repo.events(self.db, report.id)

    async def photos(self, report: Report) -> list[Photo]:
        return await repo.photos(self.db, report.id)

    def overdue_cutoffs(self) -> tuple[datetime, datetime]:
        return self.rules.cutoffs(self.clock.now())

    async def overdue(self) -> list[Report]:
        return await repo.search(self.db, Filters(overdue_cutoffs=self.overdue_cutoffs()))

    async def search(self, filters: Filters, *, limit: int = -1) -> list[Report]:
        """Matching reports, newest first (at most ``limit``; -1: all of them)."""
        return await repo.search(self.db, filters, limit=limit)

    def stream(
        self, filters: Filters, *, oldest_first: bool = False
    ) -> AsyncIterator[list[Report]]:
        """Every matching report in chunks, for lists and exports of any size."""
        return repo.stream(self.db, filters, oldest_first=oldest_first)

    async def count(self, filters: Filters) -> int:
        return await repo.count(self.db, filters)

    async def photos_of(self, reports: Sequence[Report]) -> dict[int, list[Photo]]:
        return await repo.photos_of(self.db, (r.id for r in reports))

    async def page(self, viewer: User, filters: Filters, page: int, size: int) -> Page:
        """One page of reports this person may list: a director sees their own committee's."""
        if viewer.role is Role.DIRECTOR:
            filters = replace(filters, committee_id=viewer.committee_id, also_committees=())
        total = await repo.count(self.db, filters)
        pages = max(1, -(-total // size))
        page = min(max(page, 1), pages)
        found = await repo.search(self.db, filters, limit=size, offset=(page - 1) * size)
        return Page(found, total, page, size)

    def targets(self, actor: User | None, report: Report) -> list[Status]:
        """The statuses this person may move the report to now (what the card offers)."""
        now = self.clock.now()
        return [
            target
            for target in sorted(TRANSITIONS[report.status], key=list(Status).index)
            if may_move(actor, report, target) and self._wait_over(report, target, now)
        ]

    def _wait_over(self, report: Report, target: Status, now: datetime) -> bool:
        if target is not Status.CLOSED or report.status is not Status.RESOLVED:
            return True
        resolved = report.resolved_at or report.updated_at
        return now >= resolved + self.rules.verify_wait

    # -- filing -----------------------------------------------------------------------------

    async def similar(
        self,
        category: Category,
        committee_id: int,
        address: str,
        latitude: float | None,
        longitude: float | None,
    ) -> Report | None:
        """The open report of the last 30 days most likely about the same place, if any."""
        since = self.clock.now() - SIMILAR_WITHIN
        best: tuple[float, int] | None = None
        for other in await repo.open_places(self.db, category, committee_id, since):
            score = same_place(address, latitude, longitude, other)
            if score >= SIMILAR_THRESHOLD and (best is None or score > best[0]):
                best = (score, other.report_id)
        return await repo.get(self.db, best[1]) if best else None

    async def file(self, new: NewReport, instance: str | None) -> Report:
        """Saves a report under the next number of its day and announces it to staff."""
        now = self.clock.now()
        day = now.astimezone(self.app.tz).strftime("%Y%m%d")
        async with self.db.transaction() as tx:
            report = await repo.by_instance(tx, instance) if instance else None
            if report is None:
                report_id = await repo.insert(tx, new, day=day, instance=instance, now=now)
                report = await repo.get(tx, report_id)
            assert report is not None
            await self.announce_new(report)  # committed with the report, or neither
        return report

    async def supplement(
        self,
        reporter: User,
        report: Report,
        description: str,
        photos: Sequence[Photo],
        instance: str,
        *,
        urgent: bool = False,
    ) -> Report:
        """Adds another person's description and photos to an existing report's history."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            current = await repo.get(tx, report.id)
            if current is None or current.status in FINAL:
                raise HazardError("hazard.same.gone", ref=report.ref)
            if not await repo.event_done(tx, instance):
                event_id = await repo.add_event(
                    tx,
                    report.id,
                    "supplement",
                    None,
                    description,
                    reporter.id,
                    reporter.ref,
                    instance,
                    now,
                )
                await repo.add_photos(tx, report.id, event_id, photos, now)
                await tx.execute(
                    "UPDATE hazard_reports SET updated_at = ? WHERE id = ?",
                    (to_db(now), report.id),
                )
            updated = await repo.get(tx, report.id)
            assert updated is not None
            await self.tell_staff(
                updated,
                "hazard.announce.supplement",
                f"sup:{instance}",
                urgent=urgent,
                description=description,
                photos=len(photos),
            )
        return updated

    # -- moving -----------------------------------------------------------------------------

    async def move(
        self,
        actor: User | None,
        report_id: int,
        target: Status,
        note: str = "",
        *,
        department: Department | None = None,
        duplicate_of: str | None = None,
        instance: str | None = None,
        channel: str = "",
    ) -> Report:
        """One step of the closed loop, kept in the history and told to the reporter.

        ``actor`` None is staff at the command line; ``channel`` 'workbench' marks a step taken
        on the web pages. Raises HazardError when refused.
        """
        now = self.clock.now()
        note = note.strip()
        async with self.db.transaction() as tx:
            report = await repo.get(tx, report_id)
            if report is None:
                raise HazardError("hazard.not_found", ref=str(report_id))
            if instance is not None and await repo.event_done(tx, instance):
                return report
            self._check_move(actor, report, target, note, department, now)
            original_id = None
            if target is Status.DUPLICATE:
                original = await repo.by_ref(tx, duplicate_of or "")
                if original is None or original.id == report.id:
                    raise HazardError("hazard.move.need_original", ref=duplicate_of or "")
                original_id = original.id
            await repo.set_status(
                tx, report, target, now, department=department, duplicate_of=original_id
            )
            event_id = await repo.add_event(
                tx,
                report.id,
                "status",
                target,
                note,
                actor.id if actor else None,
                actor.ref if actor else CLI_ACTOR,
                instance,
                now,
                channel,
            )
            updated = await repo.get(tx, report.id)
            assert updated is not None
            await self.tell_reporter(updated, event_id, note)
        return updated

    def _check_move(
        self,
        actor: User | None,
        report: Report,
        target: Status,
        note: str,
        department: Department | None,
        now: datetime,
    ) -> None:
        if target not in TRANSITIONS[report.status]:
            raise HazardError(
                "hazard.move.not_from",
                ref=report.ref,
                status_key=report.status.key,
                target_key=target.key,
            )
        if not may_move(actor, report, target):
            if actor is not None and actor.role is Role.DIRECTOR and target is Status.RESOLVED:
                raise HazardError("hazard.move.own_committee_only")
            raise HazardError("hazard.move.forbidden", target_key=target.key)
        if not self._wait_over(report, target, now):
            resolved = (report.resolved_at or report.updated_at) + self.rules.verify_wait
            raise HazardError("hazard.move.wait_for_reporter", until=local(resolved, self.app.tz))
        if target is Status.ASSIGNED and department is None:
            raise HazardError("hazard.move.need_department")
        if target is Status.REJECTED and not note:
            raise HazardError("hazard.move.need_reason")

    async def verify(self, reporter: User, report_id: int) -> Report:
        """The reporter confirms the fix: the report is closed as verified by them."""
        return await self._reporter_answer(reporter, report_id, fixed=True, reason="")

    async def reopen(
        self, reporter: User, report_id: int, reason: str, instance: str | None = None
    ) -> Report:
        """The reporter says it is not fixed: back to work, and the staff groups hear why."""
        return await self._reporter_answer(
            reporter, report_id, fixed=False, reason=reason, instance=instance
        )

    async def check_reporter(self, reporter: User, report_id: int) -> Report:
        """The report waiting for this reporter's 已整改到位? answer, or HazardError."""
        report = await repo.get(self.db, report_id)
        if report is None or report.reporter_id != reporter.id:
            raise HazardError("hazard.verify.not_yours")
        if report.status is not Status.RESOLVED:
            raise HazardError(
                "hazard.verify.not_waiting", ref=report.ref, status_key=report.status.key
            )
        return report

    async def _reporter_answer(
        self,
        reporter: User,
        report_id: int,
        *,
        fixed: bool,
        reason: str,
        instance: str | None = None,
    ) -> Report:
        now = self.clock.now()
        async with self.db.transaction() as tx:
            report = await repo.get(tx, report_id)
            if instance is not None and report and await repo.event_done(tx, instance):
                return report
            if report is None or report.reporter_id != reporter.id:
                raise HazardError("hazard.verify.not_yours")
            if report.status is not Status.RESOLVED:
                raise HazardError(
                    "hazard.verify.not_waiting", ref=report.ref, status_key=report.status.key
                )
            if fixed:
                target, kind = Status.CLOSED, "verified"
            else:
                target = Status.ASSIGNED if report.department else Status.ACCEPTED
                kind = "reopened"
            await repo.set_status(tx, report, target, now)
            event_id = await repo.add_event(
                tx, report.id, kind, target, reason, reporter.id, reporter.ref, instance, now
            )
            updated = await repo.get(tx, report.id)
            assert updated is not None
            if not fixed:
                await self.tell_staff(
                    updated,
                    "hazard.announce.reopened",
                    f"reopen:{event_id}",
                    urgent=updated.urgent,
                    reason=reason,
                    status_key=updated.status.key,
                )
        return updated

    # -- telling people ---------------------------------------------------------------------

    async def staff_groups(self, category: Category) -> list[ChatRecord]:
        """Groups tagged staff; for a sensitive category, none that residents also read."""
        groups = await self.app.chats.groups(tags=[Tag.STAFF])
        if category.sensitive:
            groups = [g for g in groups if Tag.RESIDENTS not in g.tags]
        return groups

    def _view_option(self, report: Report) -> Option:
        return Option(self.app.notifier.group_text("hazard.button.view"), f"hz:card:{report.id}")

    async def tell_staff(
        self,
        report: Report,
        key: str,
        occasion: str,
        *,
        urgent: bool,
        extra: tuple[Option, ...] = (),
        **params: object,
    ) -> None:
        """One message about the report to each staff group it may reach, once per occasion."""
        notifier = self.app.notifier
        body = notifier.group_text(key, ref=report.ref, **params)
        options = (self._view_option(report), *extra)
        for group in await self.staff_groups(report.category):
            await notifier.group(
                group.address,
                Reply(body, options, urgent=urgent),
                dedup_key=f"hz:{report.ref}:{occasion}:{group.address}",
            )

    async def announce_new(self, report: Report) -> None:
        """Every new report to the staff groups, urgent ones marked; never the reporter's name."""
        accept = self.app.notifier.group_text("hazard.button.accepted")
        await self.tell_staff(
            report,
            "hazard.announce.urgent" if report.urgent else "hazard.announce.new",
            "new",
            urgent=report.urgent,
            extra=(Option(accept, f"hz:accepted:{report.id}"),),
            category_key=report.category.key,
            committee=report.committee_name,
            address=report.address,
            description=report.description,
            photos=report.photo_count,
        )

    async def tell_reporter(self, report: Report, event_id: int, note: str) -> None:
        """The reporter hears every move (and answers 已整改到位?); people who added to the
        report as the same place hear the progress too, without the question."""
        await self._tell_followers(report, event_id, note)
        reporter = await self.app.users.by_id(report.reporter_id)
        if reporter is None:
            return
        notifier = self.app.notifier
        lang = notifier.language_of(reporter)
        options: tuple[Option, ...] = ()
        if report.status is Status.RESOLVED:
            options = (
                Option(text(lang, "hazard.verify.yes"), f"hzok:yes:{report.id}"),
                Option(text(lang, "hazard.verify.no"), f"hzok:no:{report.id}"),
            )
        await notifier.user(
            reporter,
            f"hazard.told.{report.status.value}",
            options=options,
            dedup_key=f"hz:{report.ref}:ev:{event_id}",
            ref=report.ref,
            department_key=report.department.key if report.department else "hazard.none",
            original=report.duplicate_of or "",
            note_line=text(lang, "hazard.told.note", note=note) if note else "",
        )

    async def _tell_followers(self, report: Report, event_id: int, note: str) -> None:
        notifier = self.app.notifier
        for user_id in await repo.supplementers(self.db, report.id):
            follower = await self.app.users.by_id(user_id)
            if follower is None:
                continue
            lang = notifier.language_of(follower)
            await notifier.user(
                follower,
                "hazard.follower.told",
                dedup_key=f"hz:{report.ref}:ev:{event_id}:follower:{user_id}",
                ref=report.ref,
                status_key=report.status.key,
                note_line=text(lang, "hazard.told.note", note=note) if note else "",
            )
