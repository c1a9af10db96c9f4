"""The summer fire-prevention campaign: twice a week from 06-01 to 09-30 to residents' groups.

It is an ordinary notice row with a system key, so pausing it, changing its days and the
scheduler treat it like any other. Its text is the next tip: the least used one (then the
first in order), so every tip goes out once before any repeats, even after tips are added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING

from bot.chats import Tag
from bot.clock import to_db
from bot.db import Row, Tx
from bot.notices.repo import Draft, Kind, Notice, NoticeRepo, Status, Targets
from bot.notices.schedule import Recurring, Weekday
from bot.notices.tips import TIPS

if TYPE_CHECKING:
    from bot.app import App

KEY = "campaign:summer-fire"
TEMPLATE = "notices.campaign.message"
DEFAULT_SCHEDULE = Recurring(
    weekdays=("mon", "thu"), times=(time(9, 0),), start="06-01", end="09-30"
)


@dataclass(frozen=True)
class CampaignTip:
    id: int
    position: int
    title: str
    body: str
    source: str
    used: int


def _tip(row: Row) -> CampaignTip:
    return CampaignTip(
        row["id"], row["position"], row["title"], row["body"], row["source"], row["used"]
    )


_TIPS = (
    "SELECT t.id, t.position, t.title, t.body, t.source,"
    " (SELECT COUNT(*) FROM notice_occurrences o WHERE o.tip_id = t.id) AS used"
    " FROM campaign_tips t WHERE t.campaign = ? AND t.active = 1"
)


async def ensure(app: App) -> Notice | None:
    """The campaign notice, created with its tips on first use (when the setting allows)."""
    repo = NoticeRepo(app.db, app.clock)
    existing = await repo.by_system_key(KEY)
    if existing is not None or not app.settings.summer_campaign:
        return existing
    now = to_db(app.clock.now())
    async with app.db.transaction() as tx:
        notice_id = await tx.scalar("SELECT id FROM notices WHERE system_key = ?", (KEY,))
        if notice_id is None:
            notice_id = await repo.insert(
                tx,
                Draft(
                    kind=Kind.CAMPAIGN,
                    title="夏季消防安全提醒",
                    body="",
                    template=TEMPLATE,
                    targets=Targets(tags=(Tag.RESIDENTS,)),
                    schedule=DEFAULT_SCHEDULE,
                    created_by="system",
                    system_key=KEY,
                ),
            )
        for position, tip in enumerate(TIPS, 1):
            await tx.execute(
                "INSERT INTO campaign_tips (campaign, slug, position, title, body, source,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (campaign, slug) DO NOTHING",
                (KEY, tip.slug, position, tip.title, tip.body, tip.source, now),
            )
    await repo.changed(notice_id)
    return await repo.get(notice_id)


async def tips(app: App) -> list[CampaignTip]:
    rows = await app.db.fetchall(_TIPS + " ORDER BY t.position, t.id", (KEY,))
    return [_tip(row) for row in rows]


async def pick_tip(tx: Tx, campaign: str) -> CampaignTip | None:
    """The next tip: least used first, then in order (inside the sending transaction)."""
    row = await tx.fetchone(_TIPS + " ORDER BY used, t.position, t.id LIMIT 1", (campaign,))
    return None if row is None else _tip(row)


def forecast(current: list[CampaignTip], count: int) -> list[CampaignTip]:
    """The tips the next ``count`` occurrences will carry, if nothing is edited meanwhile."""
    used = {tip.id: tip.used for tip in current}
    planned: list[CampaignTip] = []
    for _ in range(count if current else 0):
        tip = min(current, key=lambda t: (used[t.id], t.position, t.id))
        used[tip.id] += 1
        planned.append(tip)
    return planned


async def edit_tip(app: App, position: int, body: str, title: str | None = None) -> bool:
    """Replace a tip's text (and title); False when there is no tip at that position."""
    changed = await app.db.execute(
        "UPDATE campaign_tips SET body = ?, title = COALESCE(?, title), updated_at = ?"
        " WHERE campaign = ? AND position = ? AND active = 1",
        (body, title, to_db(app.clock.now()), KEY, position),
    )
    return bool(changed)


async def add_tip(app: App, title: str, body: str) -> int:
    async with app.db.transaction() as tx:
        position = int(
            await tx.scalar(
                "SELECT COALESCE(MAX(position), 0) + 1 FROM campaign_tips WHERE campaign = ?",
                (KEY,),
            )
        )
        await tx.execute(
            "INSERT INTO campaign_tips (campaign, slug, position, title, body, source, updated_at)"
            " VALUES (?, ?, ?, ?, ?, 'staff', ?)",
            (KEY, f"staff-{position}", position, title, body, to_db(app.clock.now())),
        )
    return position


async def set_days(app: App, weekdays: tuple[Weekday, ...]) -> Notice | None:
    notice = await ensure(app)
    if notice is None or not isinstance(notice.schedule, Recurring) or not weekdays:
        return None
    repo = NoticeRepo(app.db, app.clock)
    await repo.update(notice.id, schedule=notice.schedule.model_copy(update={"weekdays": weekdays}))
    return await repo.get(notice.id)


async def set_paused(app: App, paused: bool) -> bool:
    notice = await ensure(app)
    if notice is None:
        return False
    repo = NoticeRepo(app.db, app.clock)
    if paused:
        return await repo.set_status(notice.id, Status.PAUSED, only_from=(Status.ACTIVE,))
    return await repo.set_status(notice.id, Status.ACTIVE, only_from=(Status.PAUSED,))
