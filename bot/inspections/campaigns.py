"""Campaigns (专项行动): a title, a period, the kinds and committees covered, and time nodes
(时间节点): "2027-08-15 50%" means half the places checked by the end of that day."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from bot.clock import to_db
from bot.inspections.places import PlaceError, Register

if TYPE_CHECKING:
    from bot.app import App

_NODE = re.compile(r"\s*(\d{4}-\d{1,2}-\d{1,2})\s+(\d{1,3})\s*[%％]?\s*")


@dataclass(frozen=True)
class Node:
    due_on: date
    percent: int


@dataclass(frozen=True)
class Campaign:
    id: int
    title: str
    starts_on: date
    ends_on: date
    kinds: list[str]
    committee_ids: list[int]
    committees: list[str]
    nodes: list[Node]
    checklists: Mapping[str, list[str]] = field(default_factory=dict)

    def running(self, today: date) -> bool:
        return self.starts_on <= today <= self.ends_on

    def target(self, today: date) -> int:
        """The percent the last node on or before today asked for (0 before the first)."""
        passed = [n.percent for n in self.nodes if n.due_on <= today]
        return max(passed, default=0)


def parse_day(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PlaceError(f"{what} 应写成 YYYY-MM-DD，例如 2027-08-15 (expected a date)") from None


def parse_node(value: str) -> Node:
    """``2027-08-15 50%``: the day and the share of places checked by its end."""
    found = _NODE.fullmatch(value)
    if found is None:
        raise PlaceError(f'时间节点 {value!r} 应写成 "2027-08-15 50%" (a node is "DATE PERCENT")')
    day = parse_day(found.group(1), "时间节点的日期")
    percent = int(found.group(2))
    if not 1 <= percent <= 100:
        raise PlaceError(f"时间节点的百分比应在 1–100 之间：{value!r} (percent 1 to 100)")
    return Node(day, percent)


class Campaigns:
    def __init__(self, app: App) -> None:
        self.app = app
        self.db = app.db

    async def add(
        self,
        title: str,
        starts_on: date,
        ends_on: date,
        kinds: Sequence[str],
        committee_ids: Sequence[int],
        nodes: Sequence[Node],
        checklists: Mapping[str, list[str]] | None = None,
    ) -> Campaign:
        """Checks and saves a campaign: no kinds means every kind, no committees every one."""
        title = title.strip()
        if not 2 <= len(title) <= 60:
            raise PlaceError("标题 2–60 个字 (a title has 2 to 60 characters)")
        if ends_on < starts_on:
            raise PlaceError("结束日期早于开始日期 (--until is before --from)")
        for node in nodes:
            if not starts_on <= node.due_on <= ends_on:
                raise PlaceError(
                    f"时间节点 {node.due_on} 不在活动期间内 (a node lies outside the campaign)"
                )
        if len({n.due_on for n in nodes}) != len(nodes):
            raise PlaceError("两个时间节点在同一天 (two nodes on one day)")
        register = Register(self.app)
        kind_rows = [await register.kind(k) for k in kinds] or await register.kinds()
        for kind in checklists or {}:
            if kind not in {k.name for k in kind_rows}:
                raise PlaceError(f"检查清单里的类型 {kind!r} 不在本次行动中 (kind not covered)")
        if not committee_ids:
            committee_ids = [c.id for c in await self.app.committees.residents()]
        async with self.db.transaction() as tx:
            campaign_id = await tx.execute(
                "INSERT INTO inspection_campaigns (title, starts_on, ends_on, checklists,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                (
                    title,
                    starts_on.isoformat(),
                    ends_on.isoformat(),
                    json.dumps(checklists, ensure_ascii=False) if checklists else None,
                    to_db(self.app.clock.now()),
                ),
            )
            await tx.executemany(
                "INSERT INTO campaign_kinds (campaign_id, kind_id) VALUES (?, ?)",
                [(campaign_id, k.id) for k in kind_rows],
            )
            await tx.executemany(
                "INSERT INTO campaign_committees (campaign_id, committee_id) VALUES (?, ?)",
                [(campaign_id, c) for c in dict.fromkeys(committee_ids)],
            )
            await tx.executemany(
                "INSERT INTO campaign_nodes (campaign_id, due_on, percent) VALUES (?, ?, ?)",
                [(campaign_id, n.due_on.isoformat(), n.percent) for n in nodes],
            )
        found = await self.get(campaign_id)
        assert found is not None
        return found

    async def get(self, campaign_id: int) -> Campaign | None:
        row = await self.db.fetchone(
            "SELECT id, title, starts_on, ends_on, checklists FROM inspection_campaigns"
            " WHERE id = ?",
            (campaign_id,),
        )
        if row is None:
            return None
        kinds = await self.db.fetchall(
            "SELECT k.name FROM campaign_kinds ck JOIN place_kinds k ON k.id = ck.kind_id"
            " WHERE ck.campaign_id = ? ORDER BY k.id",
            (campaign_id,),
        )
        committees = await self.db.fetchall(
            "SELECT c.id, c.name FROM campaign_committees cc"
            " JOIN residents_committees c ON c.id = cc.committee_id"
            " WHERE cc.campaign_id = ? ORDER BY c.id",
            (campaign_id,),
        )
        nodes = await self.db.fetchall(
            "SELECT due_on, percent FROM campaign_nodes WHERE campaign_id = ? ORDER BY due_on",
            (campaign_id,),
        )
        return Campaign(
            id=row["id"],
            title=row["title"],
            starts_on=date.fromisoformat(row["starts_on"]),
            ends_on=date.fromisoformat(row["ends_on"]),
            kinds=[k["name"] for k in kinds],
            committee_ids=[c["id"] for c in committees],
            committees=[c["name"] for c in committees],
            nodes=[Node(date.fromisoformat(n["due_on"]), n["percent"]) for n in nodes],
            checklists=json.loads(row["checklists"]) if row["checklists"] else {},
        )

    async def all(self) -> list[Campaign]:
        rows = await self.db.fetchall("SELECT id FROM inspection_campaigns ORDER BY id")
        return [c for c in [await self.get(r["id"]) for r in rows] if c is not None]

    async def running(self) -> list[Campaign]:
        today = self.app.clock.now().astimezone(self.app.tz).date()
        return [c for c in await self.all() if c.running(today)]
