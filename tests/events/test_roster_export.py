"""``juwei events roster --format csv|xlsx`` as staff open it in WPS or Excel: Chinese headers
and values, real date cells, set widths, a frozen header, no live formulas."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.events.model import NewEvent
from bot.events.service import Events
from bot.main import main


async def event_with_signups(app, clock) -> int:  # type: ignore[no-untyped-def]
    """Two seats: 张阿姨 (checked in at 13:50), a typed formula as a name, 李伯伯 waiting."""
    service = Events.of(app)
    event = await service.create(
        NewEvent(
            title="消防安全培训",
            starts_at=datetime(2026, 7, 20, 6, 0, tzinfo=UTC),  # 14:00 in Shanghai
            place="三门居委会活动室",
            capacity=2,
        ),
        by="test",
    )
    for user_id, name, phone in (
        ("u1", "张阿姨", "13812345678"),
        ("u2", '=HYPERLINK("http://x","点我")', None),
        ("u3", "李伯伯", None),
    ):
        user = await app.users.ensure("console", user_id)
        await service.sign_up(event.id, user, name=name, phone=phone)
    roster = await service.roster(event.id)
    assert roster is not None
    code = roster.confirmed[0].signup.code
    assert code is not None
    clock.set(datetime(2026, 7, 20, 5, 50, tzinfo=UTC))
    await service.check_in(code)
    return event.id


async def roster_file(settings, event_id: int, fmt: str, path: Path) -> None:  # type: ignore[no-untyped-def]
    args = ["events", "roster", str(event_id), "--format", fmt, "--output", str(path)]
    assert await asyncio.to_thread(main, [*args, "--db", str(settings.db_path)]) == 0


@pytest.mark.sqlite_only("the command is pointed at the database file with --db")
async def test_roster_xlsx_has_chinese_headers_date_cells_widths_and_a_frozen_header(
    app, clock, settings, tmp_path: Path
) -> None:
    event_id = await event_with_signups(app, clock)
    path = tmp_path / "roster.xlsx"
    await roster_file(settings, event_id, "xlsx", path)
    sheet = load_workbook(path).active
    assert sheet is not None
    assert sheet.title == f"#{event_id} 消防安全培训"
    header = [c.value for c in sheet[1]]
    assert header == ["状态", "候补序号", "姓名", "人数", "手机", "签到码", "签到时间", "报名时间"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert sheet.column_dimensions["C"].width == 14
    first, formula, waiting = (list(row) for row in sheet.iter_rows(min_row=2, max_row=4))
    assert [first[0].value, first[2].value, first[4].value] == ["已报名", "张阿姨", "13812345678"]
    assert first[6].value == datetime(2026, 7, 20, 13, 50)  # a date cell in Shanghai time
    assert first[6].is_date and first[6].number_format == "yyyy-mm-dd hh:mm"
    assert formula[2].data_type == "s" and formula[2].value.startswith("=HYPERLINK")
    assert [waiting[0].value, waiting[1].value, waiting[2].value] == ["候补", 1, "李伯伯"]
    assert all("console:" not in str(c.value) for row in sheet.iter_rows() for c in row)


@pytest.mark.sqlite_only("the command is pointed at the database file with --db")
async def test_roster_csv_is_chinese_with_a_bom_and_local_times(
    app, clock, settings, tmp_path: Path
) -> None:
    event_id = await event_with_signups(app, clock)
    path = tmp_path / "roster.csv"
    await roster_file(settings, event_id, "csv", path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # WPS and Excel read it as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["状态", "候补序号", "姓名"]
    assert rows[1][0] == "已报名" and rows[1][6] == "2026-07-20 13:50"
    assert rows[2][2].startswith("'=HYPERLINK")  # typed text never becomes a formula
    assert rows[3][:3] == ["候补", "1", "李伯伯"]


@pytest.mark.sqlite_only("the command is pointed at the database file with --db")
async def test_events_list_speaks_chinese(
    app, clock, settings, capsys: pytest.CaptureFixture[str]
) -> None:
    clock.set(datetime(2026, 7, 1, tzinfo=UTC))
    event_id = await event_with_signups(app, clock)
    args = ["events", "list", "--all", "--db", str(settings.db_path)]
    assert await asyncio.to_thread(main, args) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"#{event_id}")
    assert "2026-07-20 14:00" in line and "已报 2/2 人" in line and "报名中" in line
    assert "open" not in line and "T14:00" not in line
