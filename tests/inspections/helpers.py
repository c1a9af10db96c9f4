"""Shared set-up for the inspection tests: a small register and a campaign on the fixture clock
(2026-07-18 10:00 in Shanghai)."""

from __future__ import annotations

from datetime import date

from bot.app import App
from bot.inspections.campaigns import Campaign, Campaigns, Node
from bot.inspections.places import Register

SANMEN_VENUES = (
    ("三门小吃店", "三门路 12号"),
    ("丰收美发", "三门路 20号"),
    ("老王五金", "三门路 31号"),
)


def texts(replies) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(r.text for r in replies)


async def register_venues(app: App) -> None:
    register = Register(app)
    for name, address in SANMEN_VENUES:
        await register.add("三门", "九小场所", name, address)
    await register.add("高雄", "九小场所", "高雄便利店", "高雄路 5号")


async def venue_campaign(app: App, *nodes: Node) -> Campaign:
    return await Campaigns(app).add(
        "九小场所消防专项排摸",
        date(2026, 7, 15),
        date(2026, 8, 31),
        ["九小场所"],
        [],
        list(nodes),
    )
