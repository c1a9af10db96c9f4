"""/reports for staff and directors: a filtered, paged list and each report's card with actions.

Button values: ``hz:card:<id>``, ``hz:list:<status>:<category>:<committee>:<overdue>:<page>``
(``-`` for no filter) and ``hz:<status>:<id>`` to move a report; the reporter's answer to
已整改到位? comes as ``hzok:yes:<id>`` / ``hzok:no:<id>``, or in their own words (好了, 还没有).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.context import Context
from bot.conversation_store import Key
from bot.hazards.model import (
    Category,
    HazardError,
    Photo,
    Report,
    Status,
    may_see_reporter,
    may_view,
)
from bot.hazards.repo import Filters
from bot.hazards.service import HazardService
from bot.hazards.views import card_text, list_line
from bot.i18n import LANGUAGES
from bot.menus import MenuMemory
from bot.messages import Attachment, FileRef, Option, Reply
from bot.parsing import normalise, parse_id, parse_yes_no
from conversations.hazards import MOVE_FLOW, REOPEN_FLOW

PAGE_SIZE = 5
MINE_SHOWN = 10  # /myreports: the newest of one's own reports
REF = re.compile(r"YH-\d{8}-\d{4}")
OVERDUE_WORDS = {"超时", "逾期", "overdue", "late"}
_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}


@dataclass(frozen=True)
class ListQuery:
    status: Status | None = None
    category: Category | None = None
    committee_id: int | None = None
    overdue: bool = False
    page: int = 1

    def value(self, page: int) -> str:
        parts = (
            self.status.value if self.status else "-",
            self.category.value if self.category else "-",
            str(self.committee_id) if self.committee_id else "-",
            "1" if self.overdue else "0",
            str(page),
        )
        return "hz:list:" + ":".join(parts)

    @classmethod
    def parse(cls, rest: str) -> ListQuery:
        status, category, committee, overdue, page = (rest.split(":") + ["-"] * 5)[:5]
        return cls(
            status=Status(status) if status in {s.value for s in Status} else None,
            category=Category(category) if category in {c.value for c in Category} else None,
            committee_id=parse_id(committee),
            overdue=overdue == "1",
            page=parse_id(page) or 1,
        )


def _labels(key: str) -> set[str]:
    return {normalise(catalogue[key]) for catalogue in LANGUAGES.values() if key in catalogue}


def _matches(word: str, key: str) -> bool:
    """A typed word names a status or category: its code, its label, or a part of the label."""
    return any(word == label or (len(word) >= 2 and word in label) for label in _labels(key))


async def _parse_words(ctx: Context, words: tuple[str, ...]) -> ListQuery | None:
    query: dict[str, object] = {}
    for raw in words:
        word = normalise(raw)
        status = next((s for s in Status if word == s.value or _matches(word, s.key)), None)
        category = next((c for c in Category if word == c.value or _matches(word, c.key)), None)
        if word in OVERDUE_WORDS:
            query["overdue"] = True
        elif (page := parse_id(word)) is not None:
            query["page"] = page
        elif status is not None:
            query["status"] = status
        elif category is not None:
            query["category"] = category
        elif (committee := await ctx.app.committees.resident_by_name(raw)) is not None:
            query["committee_id"] = committee.id
        else:
            ctx.say("hazard.list.unknown_word", word=raw)
            return None
    return ListQuery(**query)  # type: ignore[arg-type]


async def reports(ctx: Context) -> None:
    """``/reports [状态] [类别] [居委会] [超时] [页码]``: the matching reports, newest first;
    ``/reports YH-…``: that report's card."""
    args = ctx.incoming.args
    if len(args) == 1 and REF.fullmatch(args[0].strip().upper()):
        report = await HazardService.of(ctx.app).by_ref(args[0])
        if report is None:
            ctx.say("hazard.not_found", ref=args[0])
        else:
            await show_card(ctx, report.id, asked=args[0])
        return
    query = await _parse_words(ctx, args)
    if query is not None:
        await show_list(ctx, query)


async def show_list(ctx: Context, query: ListQuery) -> None:
    service = HazardService.of(ctx.app)
    filters = Filters(
        status=query.status,
        category=query.category,
        committee_id=query.committee_id,
        overdue_cutoffs=service.overdue_cutoffs() if query.overdue else None,
    )
    page = await service.page(ctx.user, filters, query.page, PAGE_SIZE)
    if not page.reports:
        ctx.say("hazard.list.empty")
        return
    now = ctx.app.clock.now()
    lines = [ctx.t("hazard.list.head", total=page.total, page=page.page, pages=page.pages)]
    first = (page.page - 1) * page.size + 1
    for n, report in enumerate(page.reports, first):
        lines.append(list_line(ctx.t, n, report, service.rules.overdue(report, now)))
    options = [Option(report.ref, f"hz:card:{report.id}") for report in page.reports]
    if page.page > 1:
        options.append(Option(ctx.t("hazard.list.prev"), query.value(page.page - 1)))
    if page.page < page.pages:
        options.append(Option(ctx.t("hazard.list.next"), query.value(page.page + 1)))
    lines.append(ctx.t("hazard.list.hint"))
    ctx.reply(Reply("\n".join(lines), tuple(options)))


async def show_card(ctx: Context, report_id: int, *, asked: str | None = None) -> None:
    """The card; ``asked`` is the reference as typed, said back when it is not theirs to see."""
    service = HazardService.of(ctx.app)
    report = await service.get(report_id)
    if report is None or not may_view(ctx.user, report):
        ctx.say("hazard.not_found", ref=asked or str(report_id))
        return
    reporter = None
    # Never in a group, even a staff one: people join and leave groups.
    if not ctx.chat.is_group and may_see_reporter(ctx.user, report):
        reporter = await ctx.app.users.by_id(report.reporter_id)
    photos = await service.photos(report)
    text = card_text(
        ctx.t,
        report,
        await service.history(report),
        ctx.app.tz,
        overdue=service.rules.overdue(report, ctx.app.clock.now()),
        reporter=reporter,
        photos=photos,
    )
    options = [
        Option(ctx.t(f"hazard.action.{target.value}"), f"hz:{target.value}:{report.id}")
        for target in service.targets(ctx.user, report)
    ]
    ctx.reply(Reply(text, tuple(options), urgent=report.urgent))
    for n, photo in enumerate(photos, 1):
        if photo.unsaved:
            ctx.say("hazard.card.photo_missing", n=n, count=len(photos))
            continue
        attachment = await photo_attachment(ctx, photo)
        if attachment is not None:
            caption = ctx.t("hazard.card.photo", n=n, count=len(photos))
            ctx.reply(Reply(caption, photo=attachment))


async def photo_attachment(ctx: Context, photo: Photo) -> Attachment | None:
    """Our stored bytes, with the platform reference as a cache the platform tries first; a
    photo from before the media store only by its reference, on its own platform."""
    mime = photo.mime or "image/jpeg"
    ref = FileRef(photo.platform, photo.file_id, photo.file_id, mime, photo.sha256 or "")
    data = await ctx.app.media.load(photo.sha256) if photo.sha256 else None
    if data is None and photo.platform != ctx.chat.platform:
        return None  # a file id only means something on the platform it came from
    name = f"{photo.sha256[:16]}{_SUFFIX.get(mime, '')}" if photo.sha256 else photo.file_id
    return Attachment(name, data=data, ref=ref, mime_type=mime)


async def on_button(ctx: Context) -> None:
    """``hz:…`` buttons: a card, a page of the list, or the start of a move."""
    parts = (ctx.incoming.choice or "").split(":", 2)
    verb, rest = [*parts, "", ""][1:3]
    if verb == "list":
        await show_list(ctx, ListQuery.parse(rest))
    elif verb == "card" and (report_id := parse_id(rest)) is not None:
        await show_card(ctx, report_id)
    elif verb in {s.value for s in Status} and parse_id(rest) is not None:
        await ctx.router.start_flow(ctx, MOVE_FLOW.name, (rest, verb))
    else:
        ctx.say("router.stale_button")


async def on_verify(ctx: Context) -> None:
    """The reporter's answer to 已整改到位?: yes closes the report, no asks why and reopens it."""
    parts = (ctx.incoming.choice or "").split(":", 2)
    answer, rest = [*parts, "", ""][1:3]
    report_id = parse_id(rest)
    if answer not in ("yes", "no") or report_id is None:
        ctx.say("router.stale_button")
        return
    if answer == "no":
        await ctx.router.start_flow(ctx, REOPEN_FLOW.name, (rest,))
        return
    try:
        report = await HazardService.of(ctx.app).verify(ctx.user, report_id)
    except HazardError as exc:
        ctx.reply(Reply(ctx.t(exc.key, **exc.params)))
        return
    ctx.say("hazard.verify.thanks", ref=report.ref)


# -- the reporter's side: /myreports (我的上报) and answers in their own words ----------------


def _verify_options(ctx: Context, report: Report) -> list[Option]:
    return [
        Option(ctx.t("hazard.mine.yes", ref=report.ref), f"hzok:yes:{report.id}"),
        Option(ctx.t("hazard.mine.no", ref=report.ref), f"hzok:no:{report.id}"),
    ]


async def myreports(ctx: Context) -> None:
    """``/myreports``: one's own reports (reference, category, status), and a 已整改到位?
    still waiting for an answer can be answered from here."""
    if ctx.chat.is_group:  # even a category says something about a neighbour
        ctx.say("hazard.mine.private")
        return
    reports = await HazardService.of(ctx.app).mine(ctx.user, MINE_SHOWN)
    if not reports:
        ctx.say("hazard.mine.empty")
        return
    lines = [ctx.t("hazard.mine.head", count=len(reports))]
    for n, report in enumerate(reports, 1):
        lines.append(
            ctx.t(
                "hazard.mine.line",
                n=n,
                ref=report.ref,
                category_key=report.category.key,
                status_key=report.status.key,
            )
        )
    waiting = [r for r in reports if r.status is Status.RESOLVED]
    options = [option for report in waiting for option in _verify_options(ctx, report)]
    if waiting:
        lines.append(ctx.t("hazard.mine.answer"))
    ctx.reply(Reply("\n".join(lines), tuple(options)))


async def answer_in_words(ctx: Context) -> bool:
    """好了 / 已经修好了 / 还没有 / 电线还在 from a reporter whose report waits for their
    已整改到位?: yes closes it, no reopens it with their words as the reason."""
    said = parse_yes_no(ctx.incoming.text or "")
    if said is None:
        return False
    service = HazardService.of(ctx.app)
    waiting = await service.awaiting_answer(ctx.user)
    if not waiting:
        return False
    if len(waiting) > 1:  # which one is meant is not for us to guess
        ctx.say("hazard.verify.which", count=len(waiting))
        await myreports(ctx)
        return True
    report = waiting[0]
    reason = (ctx.incoming.text or "").strip()
    try:
        if said:
            await service.verify(ctx.user, report.id)
        else:
            await service.reopen(ctx.user, report.id, reason)
    except HazardError as exc:
        ctx.reply(Reply(ctx.t(exc.key, **exc.params)))
        return True
    key = Key(ctx.chat.platform, ctx.chat.id, ctx.incoming.user.id)
    await MenuMemory(ctx.app.db).settle(key, (o.value for o in _verify_options(ctx, report)))
    if said:
        ctx.say("hazard.verify.thanks", ref=report.ref)
    else:
        ctx.say("hazard.reopen.done_with_reason", ref=report.ref, reason=reason)
    return True
