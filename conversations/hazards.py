"""/report (上报隐患): category, committee, address, description, photos, urgency, confirm.

When an open report of the same category in the same committee at a similar address from the
last 30 days exists, one more plain yes/no question comes before the summary: is it the same
place? It shows only that report's reference, category and status (never another person's
words or exact address), and is never asked for 独居孤寡老人安全 reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel

from bot.context import Context
from bot.hazards.model import (
    CATEGORY_WORDS,
    Category,
    Department,
    HazardError,
    Photo,
    Status,
    may_view,
)
from bot.hazards.repo import NewReport
from bot.hazards.service import HazardService
from bot.messages import Option, Reply
from bot.parsing import InputError, parse_id
from bot.roles import Role
from conversations.steps import Answers, Choice, Flow, Photos, Place, Step, Text, YesNo, fixed

SIMILAR_SHOWN = ("similar_ref", "similar_category", "similar_status")  # the question's words


class PlaceAnswer(BaseModel):
    text: str
    latitude: float | None = None
    longitude: float | None = None


class PhotoAnswer(BaseModel):
    platform: str
    file_id: str
    sha256: str | None = None  # our copy (bot.media); absent in forms begun before it
    size: int | None = None
    mime: str | None = None
    unsaved: bool = False

    def photo(self) -> Photo:
        return Photo(self.platform, self.file_id, self.sha256, self.size, self.mime, self.unsaved)


class ReportAnswers(BaseModel):
    category: Category
    committee: int
    address: PlaceAnswer
    description: str
    photos: list[PhotoAnswer] = []
    urgency: Literal["urgent", "normal"]
    similar: int | None = None  # the open report found at a similar place
    same: Literal["yes", "no"] | None = None

    def new_report(self, reporter_id: int, reporter_ref: str) -> NewReport:
        return NewReport(
            category=self.category,
            committee_id=self.committee,
            address=self.address.text,
            latitude=self.address.latitude,
            longitude=self.address.longitude,
            description=self.description,
            urgent=self.urgency == "urgent",
            reporter_id=reporter_id,
            reporter_ref=reporter_ref,
            photos=[p.photo() for p in self.photos],
        )


async def committee_options(ctx: Context, answers: Answers) -> Sequence[Option]:
    """The reporter's own committee first; a director reports for their own committee only."""
    committees = await ctx.app.committees.residents()
    own = ctx.user.committee_id
    if ctx.user.role is Role.DIRECTOR and any(c.id == own for c in committees):
        committees = [c for c in committees if c.id == own]
    committees.sort(key=lambda c: c.id != own)
    return [Option(ctx.t("committee.label", name=c.name), str(c.id)) for c in committees]


async def find_similar(ctx: Context, answers: dict[str, Any]) -> None:
    """After each answer: the open report this one may be about (None when there is none).

    A different report than before (the address was edited) asks the question again.
    """
    candidate = None
    place = answers.get("address")
    category = answers.get("category")
    if isinstance(place, dict) and "committee" in answers and category != Category.ELDERLY:
        candidate = await HazardService.of(ctx.app).similar(
            Category(str(category)),
            int(answers["committee"]),
            str(place["text"]),
            place.get("latitude"),
            place.get("longitude"),
        )
    found = candidate.id if candidate else None
    if answers.get("similar") != found:
        answers.pop("same", None)
    answers["similar"] = found
    for key in SIMILAR_SHOWN:
        answers.pop(key, None)
    if candidate is not None:
        answers["similar_ref"] = candidate.ref
        answers["similar_category"] = ctx.t(candidate.category.key)
        answers["similar_status"] = ctx.t(candidate.status.key)


async def finish(ctx: Context, answers: ReportAnswers, instance: str) -> None:
    """Files the report, or adds it to the open report the reporter said is the same place."""
    service = HazardService.of(ctx.app)
    candidate = await service.get(answers.similar) if answers.similar else None
    if answers.same == "yes" and candidate is not None:
        try:
            report = await service.supplement(
                ctx.user,
                candidate,
                answers.description,
                [Photo(p.platform, p.file_id) for p in answers.photos],
                instance,
                urgent=answers.urgency == "urgent",
            )
        except HazardError as exc:  # closed meanwhile: the report stands on its own
            ctx.reply(Reply(ctx.t(exc.key, **exc.params)))
        else:
            ctx.say("hazard.same.added", ref=report.ref)
            if answers.urgency == "urgent":
                ctx.say("hazard.call_119")
            return
    await file_new(ctx, service, answers, instance)


async def file_new(
    ctx: Context, service: HazardService, answers: ReportAnswers, instance: str
) -> None:
    report = await service.file(answers.new_report(ctx.user.id, ctx.user.ref), instance)
    ctx.say("hazard.filed", ref=report.ref)
    if report.urgent:
        ctx.say("hazard.call_119")


REPORT_FLOW = Flow(
    name="report",
    title="hazard.title",
    steps=(
        Step(
            "category",
            Choice(
                fixed(*((c.value, c.key) for c in Category)),
                synonyms={c.value: words for c, words in CATEGORY_WORDS.items()},
            ),
            "hazard.ask_category",
            "hazard.category",
        ),
        Step("committee", Choice(committee_options), "hazard.ask_committee", "hazard.committee"),
        Step("address", Place(4, 100), "hazard.ask_address", "hazard.address"),
        Step("description", Text(5, 500), "hazard.ask_description", "hazard.description"),
        Step("photos", Photos(5), "hazard.ask_photos", "hazard.photos", optional=True),
        Step(
            "urgency",
            Choice(fixed(("urgent", "hazard.urgency.urgent"), ("normal", "hazard.urgency.normal"))),
            "hazard.ask_urgency",
            "hazard.urgency",
        ),
        Step(
            "same",
            YesNo(),
            "hazard.same.ask",
            "hazard.same.label",
            when=lambda a: a.get("similar") is not None,
        ),
    ),
    model=ReportAnswers,
    finish=finish,
    private=True,
    derive=find_similar,
)


# -- Moving a hazard report along, from its card's buttons: staff (and directors, to 已整改) give


class MoveAnswers(BaseModel):
    report: int
    target: Status
    department: Department | None = None
    original: str | None = None
    reason: str | None = None
    note: str | None = None


async def move_begin(ctx: Context, args: tuple[str, ...]) -> dict[str, object] | None:
    """``(report id, target status)``: refuses unless this person may make that move now."""
    report_id = parse_id(args[0]) if args else None
    codes = {s.value for s in Status}
    target = Status(args[1]) if len(args) > 1 and args[1] in codes else None
    service = HazardService.of(ctx.app)
    report = await service.get(report_id) if report_id is not None else None
    # Another committee's report is "not found", as on its card: not even its reference shows.
    if report is None or target is None or not may_view(ctx.user, report):
        ctx.say("hazard.not_found", ref=args[0] if args else "")
        return None
    if target not in service.targets(ctx.user, report):
        ctx.say(
            "hazard.move.unavailable",
            ref=report.ref,
            status_key=report.status.key,
            target_key=target.key,
        )
        return None
    return {
        "report": report.id,
        "target": target.value,
        "ref": report.ref,
        "target_label": ctx.t(target.key),
    }


async def check_original(ctx: Context, answers: Answers, value: object) -> None:
    original = await HazardService.of(ctx.app).by_ref(str(value))
    if original is None or original.id == answers["report"]:
        raise InputError("hazard.move.need_original", ref=str(value))


async def move_finish(ctx: Context, answers: MoveAnswers, instance: str) -> None:
    """Makes the move; the reporter is told by the service."""
    try:
        report = await HazardService.of(ctx.app).move(
            ctx.user,
            answers.report,
            answers.target,
            answers.reason or answers.note or "",
            department=answers.department,
            duplicate_of=answers.original,
            instance=instance,
        )
    except HazardError as exc:
        ctx.reply(Reply(ctx.t(exc.key, **exc.params)))
        return
    ctx.say("hazard.move.done", ref=report.ref, status_key=report.status.key)


MOVE_FLOW = Flow(
    name="report_update",
    title="hazard.move.title",
    steps=(
        Step(
            "department",
            Choice(fixed(*((d.value, d.key) for d in Department))),
            "hazard.move.ask_department",
            "hazard.move.department",
            when=lambda a: a.get("target") == Status.ASSIGNED.value,
        ),
        Step(
            "original",
            Text(6, 20),
            "hazard.move.ask_original",
            "hazard.move.original",
            when=lambda a: a.get("target") == Status.DUPLICATE.value,
            check=check_original,
        ),
        Step(
            "reason",
            Text(2, 200),
            "hazard.move.ask_reason",
            "hazard.move.reason",
            when=lambda a: a.get("target") == Status.REJECTED.value,
        ),
        Step(
            "note",
            Text(1, 200),
            "hazard.move.ask_note",
            "hazard.move.note",
            optional=True,
            when=lambda a: a.get("target") != Status.REJECTED.value,
        ),
    ),
    model=MoveAnswers,
    finish=move_finish,
    role=Role.DIRECTOR,
    begin=move_begin,
)


class ReopenAnswers(BaseModel):
    report: int
    reason: str


async def reopen_begin(ctx: Context, args: tuple[str, ...]) -> dict[str, object] | None:
    """Only the reporter of a report waiting for their answer may reopen it."""
    report_id = parse_id(args[0]) if args else None
    try:
        report = await HazardService.of(ctx.app).check_reporter(ctx.user, report_id or 0)
    except HazardError as exc:
        ctx.reply(Reply(ctx.t(exc.key, **exc.params)))
        return None
    return {"report": report.id, "ref": report.ref}


async def reopen_finish(ctx: Context, answers: ReopenAnswers, instance: str) -> None:
    """Reopens the report with the reason; the staff groups are told."""
    try:
        report = await HazardService.of(ctx.app).reopen(
            ctx.user, answers.report, answers.reason, instance
        )
    except HazardError as exc:
        ctx.reply(Reply(ctx.t(exc.key, **exc.params)))
        return
    ctx.say("hazard.reopen.done", ref=report.ref)


REOPEN_FLOW = Flow(
    name="report_reopen",
    title="hazard.reopen.title",
    steps=(Step("reason", Text(2, 200), "hazard.reopen.ask", "hazard.reopen.reason"),),
    model=ReopenAnswers,
    finish=reopen_finish,
    begin=reopen_begin,
)
