"""Moving a hazard report along, from its card's buttons: staff (and directors, to 已整改) give
a note, a department or the original's reference; the reporter says why a fix is not done.
"""

from __future__ import annotations

from pydantic import BaseModel

from bot.context import Context
from bot.hazard_service import HazardService
from bot.hazards import Department, HazardError, Status
from bot.messages import Reply
from bot.roles import Role
from conversations.parsing import InputError
from conversations.steps import Answers, Choice, Flow, Step, Text, fixed


class MoveAnswers(BaseModel):
    report: int
    target: Status
    department: Department | None = None
    original: str | None = None
    reason: str | None = None
    note: str | None = None


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


async def move_begin(ctx: Context, args: tuple[str, ...]) -> dict[str, object] | None:
    """``(report id, target status)``: refuses unless this person may make that move now."""
    report_id = _int(args[0]) if args else None
    codes = {s.value for s in Status}
    target = Status(args[1]) if len(args) > 1 and args[1] in codes else None
    service = HazardService.of(ctx.app)
    report = await service.get(report_id) if report_id is not None else None
    if report is None or target is None:
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
    report_id = _int(args[0]) if args else None
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
