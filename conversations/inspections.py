"""/inspect (排摸): campaign (when several run), a place of the director's own committee, then
each checklist item 合格 / 不合格 / 不适用 — a photo and a note for 不合格 — summary, confirm.

After saving, every 不合格 item offers 上报隐患 (handled in ``handlers/inspections.py``).
/inspection starts a campaign from the chat, for staff.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.context import Context
from bot.inspections import rounds
from bot.inspections.campaigns import Campaign, Campaigns, Node, parse_node
from bot.inspections.checklists import MAX_ITEMS, items_for
from bot.inspections.places import PlaceError, Register
from bot.inspections.reminders import announce
from bot.messages import Incoming, Option, Reply
from bot.parsing import InputError, normalise, option_matches
from bot.roles import Role
from conversations.steps import Answer, Answers, Choice, Flow, InputKind, Photos, Step, Text, fixed

PLACES_SHOWN = 8  # buttons; the rest are found by typing part of a name
RESULTS = fixed(
    ("pass", "inspections.result.pass"),
    ("fail", "inspections.result.fail"),
    ("na", "inspections.result.na"),
)
RESULT_WORDS = {
    "pass": ("合格", "好的", "没问题"),
    "fail": ("不合格", "有问题"),
    "na": ("不适用", "没有这项"),
}


async def _open_campaigns(ctx: Context) -> list[Campaign]:
    """Running campaigns that still have a place this person may inspect."""
    found = []
    for campaign in await Campaigns(ctx.app).running():
        if await rounds.remaining(ctx.app, campaign, ctx.user):
            found.append(campaign)
    return found


async def campaign_options(ctx: Context, answers: Answers) -> Sequence[Option]:
    return [Option(c.title, str(c.id)) for c in await _open_campaigns(ctx)]


async def place_options(ctx: Context, answers: Answers) -> Sequence[Option]:
    campaign = await Campaigns(ctx.app).get(int(answers.get("campaign") or 0))
    if campaign is None:
        return []
    return [
        Option(
            ctx.t("inspections.place.option", kind=p.kind, name=p.name, address=p.address),
            str(p.id),
        )
        for p in await rounds.remaining(ctx.app, campaign, ctx.user)
    ]


class PlaceChoice(Choice):
    """The first few remaining places as buttons; a typed part of a name searches them all."""

    async def options(self, ctx: Context, answers: Answers) -> Sequence[Option]:
        every = await self.source(ctx, answers)
        shown = list(every[:PLACES_SHOWN])
        chosen = next((o for o in every if o.value == answers.get("place")), None)
        if chosen is not None and chosen not in shown:
            shown.append(chosen)  # found by typing: the summary still names it
        return shown

    async def parse(self, ctx: Context, answers: Answers, current: Any, msg: Incoming) -> Answer:
        if msg.text is not None and not normalise(msg.text).isdigit():
            found = option_matches(msg.text, await self.source(ctx, answers))
            if len(found) == 1:
                return Answer(found[0].value)
            if len(found) > 1:
                raise InputError(
                    "input.choice.ambiguous",
                    typed=msg.text.strip(),
                    options=" / ".join(o.label for o in found[:PLACES_SHOWN]),
                )
        return await super().parse(ctx, answers, current, msg)


async def begin(ctx: Context, args: tuple[str, ...]) -> dict[str, Any] | None:
    if ctx.user.role < Role.STAFF and ctx.user.committee_id is None:
        ctx.say("inspections.no_committee")
        return None
    running = await Campaigns(ctx.app).running()
    if not running:
        ctx.say("inspections.none_running")
        return None
    open_ = await _open_campaigns(ctx)
    if not open_:
        ctx.say("inspections.none_left", title="、".join(c.title for c in running))
        return None
    return {"campaign": str(open_[0].id)} if len(open_) == 1 else {}


async def derive(ctx: Context, answers: dict[str, Any]) -> None:
    """Once a place is chosen: its checklist's items, as the item steps' words."""
    place_id = answers.get("place")
    if answers.get("__place") == place_id:
        return
    for name in [k for k in answers if re.fullmatch(r"(check|photo|note|item)_\d+", k)]:
        answers.pop(name)  # another place: another checklist
    answers["__place"], answers["__items"] = place_id, 0
    campaign = await Campaigns(ctx.app).get(int(answers.get("campaign") or 0))
    place = await Register(ctx.app).get(int(place_id)) if place_id else None
    if campaign is None or place is None:
        return
    items = items_for(place.kind, campaign.checklists)[:MAX_ITEMS]
    answers["__items"] = len(items)
    for index, item in enumerate(items):
        answers[f"item_{index}"] = item


async def check_place(ctx: Context, answers: Answers, value: object) -> None:
    place = await Register(ctx.app).get(int(str(value)))
    if place is None or not rounds.may_inspect(ctx.user, place):
        raise InputError("inspections.not_yours")


class InspectAnswers(BaseModel):
    model_config = ConfigDict(extra="allow")  # item_N, check_N, photo_N, note_N

    campaign: int
    place: int


def results(answers: InspectAnswers) -> list[rounds.ItemResult]:
    extra = answers.model_extra or {}
    found = []
    for index in range(MAX_ITEMS):
        if f"item_{index}" not in extra or f"check_{index}" not in extra:
            continue
        result = str(extra[f"check_{index}"])
        failed = result == "fail"
        found.append(
            rounds.ItemResult(
                item=str(extra[f"item_{index}"]),
                result=result,
                note=str(extra.get(f"note_{index}") or "") if failed else "",
                photos=list(extra.get(f"photo_{index}") or []) if failed else [],
            )
        )
    return found


async def finish(ctx: Context, answers: InspectAnswers, instance: str) -> None:
    campaign = await Campaigns(ctx.app).get(answers.campaign)
    place = await Register(ctx.app).get(answers.place)
    if campaign is None or place is None:
        ctx.say("inspections.none_running")
        return
    try:
        saved = await rounds.save(ctx.app, ctx.user, campaign, place.id, results(answers), instance)
    except rounds.RoundError as exc:
        ctx.reply(Reply(ctx.t(exc.key, **exc.params)))
        return
    count = {r: sum(s.result == r for s in saved) for r in rounds.RESULTS}
    ctx.say(
        "inspections.saved",
        place=place.name,
        passed=count["pass"],
        failed=count["fail"],
        na=count["na"],
    )
    failed = [s for s in saved if s.result == "fail"]
    if failed:
        ctx.say(
            "inspections.saved.report",
            options=[
                Option(ctx.t("inspections.button.report", item=s.item), f"insp:hz:{s.id}")
                for s in failed
            ],
        )


def _item_steps(index: int) -> tuple[Step, ...]:
    def asked(a: Answers) -> bool:
        # Reads the place first: until it is chosen the number of steps is not known.
        return a.get("place") is not None and int(a.get("__items") or 0) > index

    def failed(a: Answers) -> bool:
        return asked(a) and a.get(f"check_{index}") == "fail"

    return (
        Step(
            f"check_{index}",
            Choice(RESULTS, synonyms=RESULT_WORDS),
            f"inspections.ask_check.{index}",
            f"inspections.check.{index}",
            when=asked,
        ),
        Step(
            f"photo_{index}",
            Photos(1),
            f"inspections.ask_photo.{index}",
            "inspections.photo",
            optional=True,
            when=failed,
        ),
        Step(
            f"note_{index}",
            Text(2, 200),
            f"inspections.ask_note.{index}",
            "inspections.note",
            when=failed,
        ),
    )


INSPECT_FLOW = Flow(
    name="inspect",
    title="inspections.title",
    steps=(
        Step(
            "campaign", Choice(campaign_options), "inspections.ask_campaign", "inspections.campaign"
        ),
        Step(
            "place",
            PlaceChoice(place_options),
            "inspections.ask_place",
            "inspections.place",
            check=check_place,
        ),
        *(step for index in range(MAX_ITEMS) for step in _item_steps(index)),
    ),
    model=InspectAnswers,
    finish=finish,
    role=Role.DIRECTOR,
    private=True,  # 独居孤寡老人 places name a person and their home
    begin=begin,
    derive=derive,
)


# -- /inspection: a campaign from the chat, for staff ----------------------------------------------


class Day(InputKind):
    hint = None

    async def parse(self, ctx: Context, answers: Answers, current: Any, msg: Any) -> Answer:
        said = (msg.text or "").strip()
        try:
            return Answer(date.fromisoformat(said).isoformat())
        except ValueError:
            raise InputError("inspections.new.bad_day") from None


def read_nodes(value: str) -> list[Node]:
    return [parse_node(part) for part in re.split(r"[,，;；\n]+", value) if part.strip()]


async def check_nodes(ctx: Context, answers: Answers, value: object) -> None:
    try:
        read_nodes(str(value))
    except PlaceError as exc:
        raise InputError("inspections.new.bad", reason=str(exc)) from None


async def kind_options(ctx: Context, answers: Answers) -> Sequence[Option]:
    kinds = await Register(ctx.app).kinds()
    return [
        Option(ctx.t("inspections.new.all_kinds"), "*"),
        *(Option(k.name, k.name) for k in kinds),
    ]


class NewCampaignAnswers(BaseModel):
    title: str
    starts: str
    ends: str
    kind: str
    nodes: str | None = None


async def new_finish(ctx: Context, answers: NewCampaignAnswers, instance: str) -> None:
    try:
        campaign = await Campaigns(ctx.app).add(
            answers.title,
            date.fromisoformat(answers.starts),
            date.fromisoformat(answers.ends),
            [] if answers.kind == "*" else [answers.kind],
            [],
            read_nodes(answers.nodes or ""),
        )
    except PlaceError as exc:
        ctx.say("inspections.new.bad", reason=str(exc))
        return
    groups = await announce(ctx.app, campaign)
    ctx.say("inspections.new.done", id=campaign.id, title=campaign.title, groups=groups)


NEW_CAMPAIGN_FLOW = Flow(
    name="inspection",
    title="inspections.new.title",
    steps=(
        Step("title", Text(2, 60), "inspections.new.ask_title", "inspections.new.title_label"),
        Step("starts", Day(), "inspections.new.ask_from", "inspections.new.from"),
        Step("ends", Day(), "inspections.new.ask_until", "inspections.new.until"),
        Step("kind", Choice(kind_options), "inspections.new.ask_kind", "inspections.new.kind"),
        Step(
            "nodes",
            Text(6, 300),
            "inspections.new.ask_nodes",
            "inspections.new.nodes",
            optional=True,
            check=check_nodes,
        ),
    ),
    model=NewCampaignAnswers,
    finish=new_finish,
    role=Role.STAFF,
)
