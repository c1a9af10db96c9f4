"""How far a campaign is: each place's status, and per committee places, checked, percent,
hazards found and closed, and whether it is behind the last time node."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.clock import from_db
from bot.hazards.model import FINAL, Status
from bot.inspections.campaigns import Campaign
from bot.inspections.places import Place, Register
from bot.sheets import Sheet, naive_local

if TYPE_CHECKING:
    from bot.app import App


@dataclass
class Finding:
    item: str
    note: str
    report_ref: str | None
    report_status: Status | None


@dataclass
class PlaceStatus:
    place: Place
    checked_at: datetime | None = None
    inspector: str = ""
    findings: list[Finding] = field(default_factory=list)  # of the latest inspection
    earlier: list[Finding] = field(default_factory=list)  # of inspections before it

    @property
    def checked(self) -> bool:
        return self.checked_at is not None

    @property
    def reports(self) -> list[Finding]:
        return [f for f in self.findings if f.report_ref is not None]

    @property
    def every_report(self) -> list[Finding]:
        """The hazard reports of every inspection of the place in this campaign."""
        return [f for f in self.earlier if f.report_ref is not None] + self.reports

    @property
    def open_again(self) -> bool:
        """May be inspected (again): never checked, or every hazard it filed is done with."""
        if not self.checked:
            return True
        return bool(self.reports) and all(f.report_status in FINAL for f in self.reports)


@dataclass(frozen=True)
class Coverage:
    committee_id: int
    committee: str
    places: int
    checked: int
    failed_items: int
    hazards: int
    hazards_closed: int
    target: int  # the percent the last passed node asks for

    @property
    def percent(self) -> int:
        return round(100 * self.checked / self.places) if self.places else 100

    @property
    def behind(self) -> bool:
        return self.percent < self.target

    def record(self) -> dict[str, object]:
        return {
            "committee": self.committee,
            "places": self.places,
            "checked": self.checked,
            "percent": self.percent,
            "failed_items": self.failed_items,
            "hazards": self.hazards,
            "hazards_closed": self.hazards_closed,
            "target": self.target,
            "behind": self.behind,
        }


async def statuses(
    app: App, campaign: Campaign, *, committee_id: int | None = None, until: datetime | None = None
) -> list[PlaceStatus]:
    """Every place the campaign covers, with its latest inspection before ``until``."""
    committees = [committee_id] if committee_id is not None else campaign.committee_ids
    places = await Register(app).search(committees, campaign.kinds)
    found = {p.id: PlaceStatus(p) for p in places}
    rows = await app.db.fetchall(
        "SELECT id, place_id, inspector, at FROM inspections WHERE campaign_id = ? ORDER BY at, id",
        (campaign.id,),
    )
    place_of: dict[int, int] = {}  # inspection -> place, for those counted
    latest: dict[int, int] = {}  # place -> its latest inspection
    for row in rows:
        at = from_db(row["at"])
        status = found.get(row["place_id"])
        if status is None or (until is not None and at >= until):
            continue
        status.checked_at, status.inspector = at, row["inspector"]
        latest[row["place_id"]] = row["id"]
        place_of[row["id"]] = row["place_id"]
    items = await app.db.fetchall(
        "SELECT ii.inspection_id, ii.item, ii.note, h.ref, h.status FROM inspection_items ii"
        " JOIN inspections i ON i.id = ii.inspection_id"
        " LEFT JOIN hazard_reports h ON h.id = ii.report_id"
        " WHERE i.campaign_id = ? AND ii.result = 'fail' ORDER BY ii.inspection_id, ii.position",
        (campaign.id,),
    )
    for row in items:
        place_id = place_of.get(row["inspection_id"])
        if place_id is None:
            continue
        finding = Finding(
            row["item"], row["note"], row["ref"], Status(row["status"]) if row["ref"] else None
        )
        status = found[place_id]
        latest_one = latest[place_id] == row["inspection_id"]
        (status.findings if latest_one else status.earlier).append(finding)
    return list(found.values())


async def coverage(
    app: App, campaign: Campaign, *, today: date | None = None, until: datetime | None = None
) -> list[Coverage]:
    """Per committee of the campaign that has places in it, in the committees' order."""
    today = today or app.clock.now().astimezone(app.tz).date()
    target = campaign.target(today)
    by_committee: dict[int, list[PlaceStatus]] = defaultdict(list)
    for status in await statuses(app, campaign, until=until):
        by_committee[status.place.committee_id].append(status)
    result = []
    for committee_id, name in zip(campaign.committee_ids, campaign.committees, strict=True):
        rows = by_committee.get(committee_id, [])
        if not rows:
            continue  # nothing of these kinds registered there
        reports = [f for s in rows for f in s.every_report]
        result.append(
            Coverage(
                committee_id=committee_id,
                committee=name,
                places=len(rows),
                checked=sum(s.checked for s in rows),
                failed_items=sum(len(s.findings) + len(s.earlier) for s in rows),
                hazards=len(reports),
                hazards_closed=sum(f.report_status is Status.CLOSED for f in reports),
                target=target,
            )
        )
    return result


def place_sheet(
    app: App, campaign: Campaign, rows: list[PlaceStatus], *, include_personal: bool
) -> Sheet:
    """One row per place: status, date, by whom, findings (personal rows hidden unless asked)."""
    headers = [
        "居委会",
        "类型",
        "名称",
        "地址",
        "状态",
        "检查时间",
        "检查人",
        "不合格项",
        "隐患报告",
    ]
    table = []
    for status in rows:
        place = status.place if include_personal else status.place.masked()
        state = "未检查"
        if status.checked:
            state = "可复查" if status.open_again else "已检查"
        table.append(
            [
                place.committee,
                place.kind,
                place.name,
                place.address,
                state,
                naive_local(status.checked_at, app.tz),
                status.inspector,
                "；".join(f"{f.item}（{f.note}）" if f.note else f.item for f in status.findings),
                "；".join(f.report_ref or "" for f in status.reports),
            ]
        )
    return Sheet(
        f"#{campaign.id} {campaign.title}", headers, [8, 14, 24, 30, 8, 18, 16, 40, 20], table
    )
