"""One inspection round (排摸) of a place: its checklist answers saved together, and a hazard
report filed from any 不合格 item, linked to the campaign and the place.

Object rules live here: a director inspects only their own committee's places, and a place is
inspected again only after the hazards its last inspection filed are closed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.clock import to_db
from bot.hazards.model import Category, Photo, Report
from bot.hazards.repo import NewReport
from bot.hazards.service import HazardService
from bot.inspections.campaigns import Campaign
from bot.inspections.places import Place, Register
from bot.inspections.progress import statuses
from bot.roles import Role
from bot.users import User

if TYPE_CHECKING:
    from bot.app import App

RESULTS = ("pass", "fail", "na")  # 合格, 不合格, 不适用

# The hazard category a 不合格 item files under, by kind of place.
CATEGORY_OF_KIND = {
    "九小场所": Category.SMALL_VENUE,
    "居民楼/门栋": Category.PASSAGE,
    "群租房线索": Category.GROUP_RENTAL,
    "电动自行车集中停放充电点": Category.EBIKE,
    "独居孤寡老人": Category.ELDERLY,
}
EBIKE_WORDS = ("电动自行车", "飞线充电")


class RoundError(Exception):
    """Refused; ``key`` and ``params`` make the message in the person's language."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class ItemResult:
    item: str
    result: str  # pass, fail, na
    note: str = ""
    photos: Sequence[dict[str, str]] = ()


@dataclass(frozen=True)
class SavedItem:
    id: int
    item: str
    result: str


def category_for(place: Place, item: str) -> Category:
    if place.kind == "居民楼/门栋" and any(w in item for w in EBIKE_WORDS):
        return Category.EBIKE
    return CATEGORY_OF_KIND.get(place.kind, Category.OTHER)


def may_inspect(user: User, place: Place) -> bool:
    if user.role >= Role.STAFF:
        return True
    return user.role is Role.DIRECTOR and user.committee_id == place.committee_id


async def remaining(app: App, campaign: Campaign, user: User) -> list[Place]:
    """The places this person may inspect now, the kind furthest behind first."""
    if user.role < Role.STAFF and user.committee_id is None:
        return []
    committee = None if user.role >= Role.STAFF else user.committee_id
    rows = await statuses(app, campaign, committee_id=committee)
    today = app.clock.now().astimezone(app.tz).date()
    target = campaign.target(today)
    share: dict[str, list[bool]] = {}
    for status in rows:
        share.setdefault(status.place.kind, []).append(status.checked)

    def lag(kind: str) -> float:
        done = share[kind]
        return target / 100 - sum(done) / len(done)

    open_ = [s.place for s in rows if s.open_again]
    return sorted(open_, key=lambda p: (-lag(p.kind), campaign.kinds.index(p.kind), p.name))


async def save(
    app: App,
    user: User,
    campaign: Campaign,
    place_id: int,
    results: Sequence[ItemResult],
    instance: str,
) -> list[SavedItem]:
    """Saves the round once per form run; RoundError when this person may not."""
    place = await Register(app).get(place_id)
    if place is None or not may_inspect(user, place):
        raise RoundError("inspections.not_yours")
    async with app.db.transaction() as tx:
        row = await tx.fetchone("SELECT id FROM inspections WHERE instance = ?", (instance,))
        if row is None:
            if place.id not in {p.id for p in await remaining(app, campaign, user)}:
                raise RoundError("inspections.already_checked", place=place.name)
            inspection_id = await tx.execute(
                "INSERT INTO inspections (campaign_id, place_id, inspector_id, inspector,"
                " instance, at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    campaign.id,
                    place.id,
                    user.id,
                    user.display_name or user.ref,
                    instance,
                    to_db(app.clock.now()),
                ),
            )
            await tx.executemany(
                "INSERT INTO inspection_items (inspection_id, position, item, result, note, photos)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (inspection_id, n, r.item, r.result, r.note, json.dumps(list(r.photos)))
                    for n, r in enumerate(results, 1)
                ],
            )
        else:
            inspection_id = row["id"]
        items = await tx.fetchall(
            "SELECT id, item, result FROM inspection_items WHERE inspection_id = ?"
            " ORDER BY position",
            (inspection_id,),
        )
    return [SavedItem(r["id"], r["item"], r["result"]) for r in items]


def _photo(answer: dict[str, str]) -> Photo:
    size = answer.get("size")
    return Photo(
        answer["platform"],
        answer["file_id"],
        answer.get("sha256"),
        int(size) if size else None,
        answer.get("mime"),
        answer.get("unsaved") == "true",
    )


async def file_hazard(app: App, user: User, item_id: int) -> tuple[Report, Place]:
    """The 上报隐患 of a 不合格 item: a hazard report with the category, address and photos
    filled in, linked to the campaign and the place; pressing again gives the same report."""
    row = await app.db.fetchone(
        "SELECT ii.id, ii.item, ii.note, ii.photos, ii.result, ii.report_id, i.place_id,"
        " c.title FROM inspection_items ii JOIN inspections i ON i.id = ii.inspection_id"
        " JOIN inspection_campaigns c ON c.id = i.campaign_id WHERE ii.id = ?",
        (item_id,),
    )
    place = await Register(app).get(row["place_id"]) if row else None
    if row is None or place is None or row["result"] != "fail" or not may_inspect(user, place):
        raise RoundError("inspections.not_yours")
    service = HazardService.of(app)
    if row["report_id"] is not None:
        report = await service.get(row["report_id"])
        assert report is not None
        return report, place
    note = f"。{row['note']}" if row["note"] else ""
    new = NewReport(
        category=category_for(place, row["item"]),
        committee_id=place.committee_id,
        address=place.address,
        latitude=place.latitude,
        longitude=place.longitude,
        description=f"【排摸】{row['title']}｜{place.name}：{row['item']} 不合格{note}",
        urgent=False,
        reporter_id=user.id,
        reporter_ref=user.ref,
        photos=[_photo(p) for p in json.loads(row["photos"])],
    )
    async with app.db.transaction() as tx:
        report = await service.file(new, f"inspection-item:{item_id}")
        await tx.execute(
            "UPDATE inspection_items SET report_id = ? WHERE id = ? AND report_id IS NULL",
            (report.id, item_id),
        )
    return report, place
