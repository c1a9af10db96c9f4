"""/progress (专项行动进度) for staff, and the 上报隐患 button under a saved inspection."""

from __future__ import annotations

from bot.context import Context
from bot.inspections import rounds
from bot.inspections.campaigns import Campaigns
from bot.inspections.progress import coverage
from bot.messages import Reply


async def progress(ctx: Context) -> None:
    """Each campaign (running ones, else the last three), committee by committee."""
    every = await Campaigns(ctx.app).all()
    shown = await Campaigns(ctx.app).running() or every[-3:]
    if not shown:
        ctx.say("inspections.progress.none")
        return
    lines = []
    for campaign in shown:
        lines.append(
            ctx.t(
                "inspections.progress.head",
                id=campaign.id,
                title=campaign.title,
                start=campaign.starts_on.isoformat(),
                end=campaign.ends_on.isoformat(),
            )
        )
        for row in await coverage(ctx.app, campaign):
            behind = ctx.t("inspections.progress.behind", target=row.target) if row.behind else ""
            lines.append(
                ctx.t(
                    "inspections.progress.line",
                    committee=row.committee,
                    checked=row.checked,
                    places=row.places,
                    percent=row.percent,
                    hazards=row.hazards,
                    closed=row.hazards_closed,
                    behind=behind,
                )
            )
    ctx.reply(Reply("\n".join(lines)))


async def on_button(ctx: Context) -> None:
    """``insp:hz:<item>``: file the 不合格 item as a hazard report (once)."""
    _, action, item = (ctx.incoming.choice or "::").split(":", 2)
    if action != "hz" or not item.isdigit():
        return
    try:
        report, place = await rounds.file_hazard(ctx.app, ctx.user, int(item))
    except rounds.RoundError as exc:
        ctx.reply(Reply(ctx.t(exc.key, **exc.params)))
        return
    ctx.say("inspections.reported", ref=report.ref, place=place.name)
