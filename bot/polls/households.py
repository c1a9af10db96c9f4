"""A building's households from the committee's file: 室号, 专有部分面积 (m²), optionally 业主姓名.

csv (UTF-8, with or without the BOM WPS and Excel write) or xlsx, Chinese headers in the first
row. Areas are read as decimals exactly as written (60, 75.5): they are summed, never rounded.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

ROOM, AREA, OWNER = "室号", "专有部分面积", "业主姓名"
MAX_HOUSEHOLDS = 500


class PollError(Exception):
    """A refusal with its catalogue key: the CLI prints it, the chat says it."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class NewHousehold:
    room: str
    area: Decimal
    owner: str | None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a room typed as 101 comes back as 101.0
    return str(value).strip()


def _rows(path: Path) -> list[list[str]]:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook  # only when a workbook is read

        sheet = load_workbook(path, read_only=True, data_only=True).active
        if sheet is None:
            return []
        return [[_cell(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    raw = path.read_bytes().decode("utf-8-sig")
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(raw))]


def _column(headers: list[str], name: str) -> int | None:
    # 专有部分面积（m²） and 专有部分面积(平方米) are the same column.
    return next((i for i, h in enumerate(headers) if h.replace(" ", "").startswith(name)), None)


def _area(text: str, line: int) -> Decimal:
    try:
        area = Decimal(text.replace("m²", "").replace("平方米", "").strip())
    except InvalidOperation:
        raise PollError("polls.file.bad_area", line=line, value=text) from None
    if not area.is_finite() or area <= 0:
        raise PollError("polls.file.bad_area", line=line, value=text)
    return area


def read_households(path: Path) -> list[NewHousehold]:
    """The households in the file, in its order; a clear refusal naming the row otherwise."""
    try:
        rows = _rows(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PollError("polls.file.unreadable", path=str(path)) from exc
    rows = [row for row in rows if any(cell for cell in row)]
    if not rows:
        raise PollError("polls.file.empty", path=str(path))
    headers = rows[0]
    room_at, area_at, owner_at = (_column(headers, n) for n in (ROOM, AREA, OWNER))
    if room_at is None or area_at is None:
        raise PollError("polls.file.headers", path=str(path))
    found: list[NewHousehold] = []
    seen: set[str] = set()
    for line, row in enumerate(rows[1:], start=2):
        cells = row + [""] * (len(headers) - len(row))
        room = cells[room_at].removesuffix("室").strip()
        if not room:
            raise PollError("polls.file.no_room", line=line)
        if room in seen:
            raise PollError("polls.file.duplicate_room", line=line, room=room)
        seen.add(room)
        owner = cells[owner_at].strip() if owner_at is not None else ""
        found.append(NewHousehold(room, _area(cells[area_at], line), owner or None))
    if not found:
        raise PollError("polls.file.empty", path=str(path))
    if len(found) > MAX_HOUSEHOLDS:
        raise PollError("polls.file.too_many", count=len(found), max=MAX_HOUSEHOLDS)
    return found
