"""The key places register (重点场所/重点对象): kinds as data, places per residents' committee.

Rows of a personal kind (独居孤寡老人) name a person and their home: only staff and that
committee's director see them, never a group, and exports leave them out unless asked.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import to_db
from bot.db import Row as DbRow
from bot.roles import Role
from bot.users import User

if TYPE_CHECKING:
    from bot.app import App

HEADERS = ("居委会", "类型", "名称", "地址", "备注")  # the register file's columns
HIDDEN = "（个人信息已隐去）"
Row = tuple[str, str, str, str, str]  # 居委会, 类型, 名称, 地址, 备注


class PlaceError(ValueError):
    """A place or register file that cannot be taken; the message names what is wrong."""


@dataclass(frozen=True)
class Kind:
    id: int
    name: str
    personal: bool


@dataclass(frozen=True)
class Place:
    id: int
    committee_id: int
    committee: str
    kind: str
    personal: bool
    name: str
    address: str
    notes: str
    latitude: float | None = None
    longitude: float | None = None

    def masked(self) -> Place:
        """The row as an export without --include-personal shows it."""
        if not self.personal:
            return self
        return Place(
            self.id, self.committee_id, self.committee, self.kind, True, HIDDEN, HIDDEN, ""
        )

    def record(self) -> dict[str, object]:
        return {
            "id": self.id,
            "committee": self.committee,
            "kind": self.kind,
            "name": self.name,
            "address": self.address,
            "notes": self.notes,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "personal": self.personal,
        }


def may_see(viewer: User | None, place: Place) -> bool:
    """Staff (and the command line, ``None``) see every row; a director their own committee's;
    a personal row nobody else."""
    if viewer is None or viewer.role >= Role.STAFF:
        return True
    if viewer.role is Role.DIRECTOR and viewer.committee_id == place.committee_id:
        return True
    return not place.personal


_SELECT = (
    "SELECT p.id, p.committee_id, c.name AS committee, k.name AS kind, k.personal, p.name,"
    " p.address, p.notes, p.latitude, p.longitude FROM places p"
    " JOIN residents_committees c ON c.id = p.committee_id"
    " JOIN place_kinds k ON k.id = p.kind_id"
)


def _place(row: DbRow) -> Place:
    return Place(
        row["id"],
        row["committee_id"],
        row["committee"],
        row["kind"],
        bool(row["personal"]),
        row["name"],
        row["address"],
        row["notes"],
        row["latitude"],
        row["longitude"],
    )


class Register:
    def __init__(self, app: App) -> None:
        self.app = app
        self.db = app.db

    # -- kinds ------------------------------------------------------------------------------

    async def kinds(self) -> list[Kind]:
        rows = await self.db.fetchall("SELECT id, name, personal FROM place_kinds ORDER BY id")
        return [Kind(r["id"], r["name"], bool(r["personal"])) for r in rows]

    async def kind(self, name: str) -> Kind:
        for kind in await self.kinds():
            if kind.name == name.strip():
                return kind
        names = "、".join(k.name for k in await self.kinds())
        raise PlaceError(f"没有类型 {name!r}，可选：{names} (unknown kind)")

    async def add_kind(self, name: str, *, personal: bool) -> Kind:
        name = name.strip()
        if not 2 <= len(name) <= 20:
            raise PlaceError("类型名称 2–20 个字 (a kind's name has 2 to 20 characters)")
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO place_kinds (name, personal, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO NOTHING",
                (name, int(personal), to_db(self.app.clock.now())),
            )
        return await self.kind(name)

    # -- places -----------------------------------------------------------------------------

    async def add(
        self,
        committee: str,
        kind: str,
        name: str,
        address: str,
        notes: str = "",
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> Place:
        row = (committee, kind, name, address, notes)
        (place,) = await self.add_many([(0, row)], latitude, longitude)
        return place

    async def _checked(
        self, committee: str, kind: str, name: str, address: str, notes: str
    ) -> tuple[int, int, str, str, str]:
        found = await self.app.committees.resident_by_name(committee.strip())
        if found is None:
            raise PlaceError(f"没有居委会 {committee!r} (unknown committee)")
        kind_id = (await self.kind(kind)).id
        name, address, notes = name.strip(), address.strip(), notes.strip()
        if not 2 <= len(name) <= 50:
            raise PlaceError("名称 2–50 个字 (a name has 2 to 50 characters)")
        if not 4 <= len(address) <= 100:
            raise PlaceError("地址 4–100 个字 (an address has 4 to 100 characters)")
        if len(notes) > 200:
            raise PlaceError("备注最多 200 个字 (notes have at most 200 characters)")
        return found.id, kind_id, name, address, notes

    async def add_many(
        self,
        rows: Sequence[tuple[int, Row]],
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> list[Place]:
        """Adds every row or none: a bad row raises PlaceError naming its line in the file
        (``line`` 0: typed on the command line)."""
        checked = []
        for line, row in rows:
            try:
                checked.append(await self._checked(*row))
            except PlaceError as exc:
                if not line:
                    raise
                raise PlaceError(f"第 {line} 行 (line {line})：{exc}") from None
        now = to_db(self.app.clock.now())
        ids = []
        async with self.db.transaction() as tx:
            for committee_id, kind_id, name, address, notes in checked:
                await tx.execute(
                    "INSERT INTO places (committee_id, kind_id, name, address, latitude,"
                    " longitude, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (committee_id, kind_id, name, address)"
                    " DO UPDATE SET notes = excluded.notes",
                    (committee_id, kind_id, name, address, latitude, longitude, notes, now),
                )
                saved = await tx.fetchone(
                    "SELECT id FROM places WHERE committee_id = ? AND kind_id = ? AND name = ?"
                    " AND address = ?",
                    (committee_id, kind_id, name, address),
                )
                assert saved is not None
                ids.append(saved["id"])
        return [p for p in [await self.get(i) for i in ids] if p is not None]

    async def get(self, place_id: int) -> Place | None:
        row = await self.db.fetchone(_SELECT + " WHERE p.id = ?", (place_id,))
        return _place(row) if row else None

    async def search(
        self, committee_ids: Sequence[int] = (), kinds: Sequence[str] = ()
    ) -> list[Place]:
        sql, params = _SELECT + " WHERE 1 = 1", list[object]()
        if committee_ids:
            sql += f" AND p.committee_id IN ({','.join('?' * len(committee_ids))})"
            params += list(committee_ids)
        if kinds:
            sql += f" AND k.name IN ({','.join('?' * len(kinds))})"
            params += list(kinds)
        rows = await self.db.fetchall(sql + " ORDER BY c.id, k.id, p.name, p.id", params)
        return [_place(r) for r in rows]


def read_rows(path: Path) -> list[tuple[int, Row]]:
    """The rows of a register file (xlsx or csv, Chinese headers 居委会,类型,名称,地址,备注)."""
    if path.suffix.lower() == ".xlsx":
        table = _xlsx(path)
    else:
        try:
            source = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PlaceError("csv 文件应为 UTF-8 编码 (the csv must be UTF-8)") from None
        table = [[c.strip() for c in row] for row in csv.reader(io.StringIO(source))]
    if not any(any(row) for row in table):
        raise PlaceError("文件是空的 (the file is empty)")
    header = [h.strip() for h in table[0]]
    missing = [h for h in HEADERS[:4] if h not in header]
    if missing:
        raise PlaceError(
            f"第 1 行缺少表头 {'、'.join(missing)}；应为 {','.join(HEADERS)} (missing headers)"
        )
    at = {h: header.index(h) for h in HEADERS if h in header}

    def cell(row: list[str], name: str) -> str:
        index = at.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    return [
        (
            line,
            (cell(r, "居委会"), cell(r, "类型"), cell(r, "名称"), cell(r, "地址"), cell(r, "备注")),
        )
        for line, r in enumerate(table[1:], 2)
        if any(c.strip() for c in r)  # blank lines are not rows
    ]


def _xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook  # only when a workbook is read

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not xlsx
        raise PlaceError(f"无法读取 xlsx 文件 (cannot read the xlsx file): {exc}") from None
    sheet = book.worksheets[0]
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows
