"""``juwei reports`` from the shell: the acceptance story, export read back, usage errors."""

from __future__ import annotations

import asyncio
import csv
import json
import re
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.app import App
from bot.clock import FakeClock
from bot.hazards.model import Category, Department, Status
from bot.hazards.repo import NewReport
from bot.hazards.service import HazardService
from bot.main import main
from bot.outbox import Outbox
from bot.settings import Settings
from tests.conftest import PY, juwei_env

SCRIPT = "\n".join(
    [
        "/report",
        "1",  # 电动自行车违规停放/充电
        "三门",
        "三门小区 5号楼 2单元 一楼楼道",
        "楼道里有电动车在飞线充电",
        "/photo charging.jpg",
        "完成",
        "一般",
        "确认提交",
        "",
    ]
)


def juwei(db: Path, cwd: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=juwei_env(db),
        timeout=60,
    )


def test_console_report_then_list_then_set_reaches_the_reporter(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    filed = juwei(
        db, tmp_path, "console", "--json", "--user", "alice", "--name", "王阿姨", stdin=SCRIPT
    )
    assert filed.returncode == 0, filed.stderr
    lines = [json.loads(line) for line in filed.stdout.splitlines()]
    own = [m["text"] for m in lines if m["chat"] == "alice"]
    found = re.search(r"编号 (YH-\d{8}-\d{4})", "\n".join(own))
    assert found is not None
    ref = found.group(1)
    staff = [m for m in lines if m["chat"] == "staff-group"]
    assert len(staff) == 1 and ref in staff[0]["text"] and "王阿姨" not in staff[0]["text"]

    listed = juwei(db, tmp_path, "reports", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (report,) = json.loads(listed.stdout)
    assert report["ref"] == ref
    assert report["category"].startswith("电动自行车违规停放/充电")
    assert report["committee"] == "三门"
    assert report["address"] == "三门小区 5号楼 2单元 一楼楼道"
    assert report["urgency"] == "一般" and report["status"] == "待受理"
    # The console's stand-in photo is kept in the media store like any other.
    assert report["photo_count"] == 1
    (photo,) = report["photos"]
    assert photo["mime"] == "image/png" and photo["saved"] is True
    kept = tmp_path / "data" / "media" / photo["sha256"][:2] / photo["sha256"][2:]
    assert kept.stat().st_size == photo["size"]

    moved = juwei(db, tmp_path, "reports", "set", ref, "已受理", "--note", "明天上门查看")
    assert moved.returncode == 0, moved.stderr
    assert "已受理" in moved.stdout

    later = juwei(db, tmp_path, "console", "--json", "--user", "alice")
    assert later.returncode == 0, later.stderr
    (told,) = [json.loads(line) for line in later.stdout.splitlines()]
    assert told["chat"] == "alice"
    assert ref in told["text"] and "已受理" in told["text"] and "明天上门查看" in told["text"]
    again = juwei(db, tmp_path, "console", "--json", "--user", "alice")
    assert again.stdout == ""  # delivered once

    shown = juwei(db, tmp_path, "reports", "show", ref, "--json")
    history = json.loads(shown.stdout)["history"]
    assert [h["status"] for h in history] == ["待受理", "已受理"]
    assert history[1]["note"] == "明天上门查看"


# -- in process, on a database seeded with a fake clock ----------------------------------------


def seed(db: Path) -> list[str]:
    async def work() -> list[str]:
        settings = Settings(db_path=db, _env_file=None)  # type: ignore[call-arg]
        clock = FakeClock(datetime(2026, 7, 18, 2, 0, tzinfo=UTC))
        app = await App.open(settings, clock, demo=True)
        try:
            service = HazardService.of(app)
            user = await app.users.ensure("console", "alice")
            await app.users.join(user, 1, "王阿姨", "13812345678")
            refs = []
            for day, category in (
                (18, Category.EBIKE),
                (19, Category.GROUP_RENTAL),
                (25, Category.OTHER),
            ):
                clock.set(datetime(2026, 7, day, 2, 0, tzinfo=UTC))
                new = NewReport(
                    category,
                    1,
                    f"三门小区 {day}号楼",
                    31.2,
                    121.49,
                    "情况描述",
                    day == 19,
                    user.id,
                    user.ref,
                    [],
                )
                refs.append((await service.file(new, None)).ref)
            first = await service.by_ref(refs[0])
            assert first is not None
            await service.move(
                None, first.id, Status.ASSIGNED, "派物业", department=Department.PROPERTY
            )
            return refs
        finally:
            await app.close()

    return asyncio.run(work())


def test_export_xlsx_reads_back_with_chinese_headers_and_date_cells(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    refs = seed(db)
    out = tmp_path / "out.xlsx"
    code = main(
        [
            "reports",
            "export",
            "--format",
            "xlsx",
            "--from",
            "2026-07-18",
            "--to",
            "2026-07-19",
            "--output",
            str(out),
            "--db",
            str(db),
        ]
    )
    assert code == 0
    book = load_workbook(out)
    ws = book.active
    assert ws is not None and ws.title == "隐患报告"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "上报时间", "类别", "居委会")
    assert "上报人" not in rows[0]
    assert [r[0] for r in rows[1:]] == refs[:2]  # the 25th is outside the range
    assert rows[1][1] == datetime(2026, 7, 18, 10, 0)  # a real date cell, Shanghai time
    assert ws["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["B2"].is_date
    assert rows[1][9] == "已派单" and rows[1][10] == "物业"
    assert rows[2][8] == "紧急（有立即危险）" and rows[2][5] == 31.2
    assert ws.column_dimensions["H"].width == 48


def test_export_csv_has_a_bom_and_optionally_the_reporter(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    seed(db)
    out = tmp_path / "out.csv"
    assert (
        main(
            [
                "reports",
                "export",
                "--format",
                "csv",
                "--with-reporter",
                "--output",
                str(out),
                "--db",
                str(db),
            ]
        )
        == 0
    )
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][0] == "编号" and rows[0][-2:] == ["上报人", "上报人电话"]
    assert len(rows) == 4 and rows[1][1] == "2026-07-18 10:00" and rows[1][-1] == "13812345678"


def test_list_filters_show_and_digest_under_both_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "juwei.db"
    refs = seed(db)
    assert main(["reports", "list", "--status", "已派单", "--json", "--db", str(db)]) == 0
    assert [r["ref"] for r in json.loads(capsys.readouterr().out)] == [refs[0]]
    assert (
        main(["reports", "list", "--category", "群租房", "--committee", "三门", "--db", str(db)])
        == 0
    )
    assert refs[1] in capsys.readouterr().out
    assert main(["hazards", "show", refs[0], "--db", str(db)]) == 0
    card = capsys.readouterr().out
    assert "派往：物业" in card and "13812345678" in card  # staff at the shell see the reporter
    assert main(["reports", "digest", "--weekly", "--db", str(db)]) == 0
    assert "已发送到 1 个工作群" in capsys.readouterr().out
    assert main(["hazards", "digest", "--daily", "--db", str(db)]) == 0
    assert "工作群" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["reports", "set", "YH-20260718-0001", "完成了", "--note", "x"], "未知状态"),
        (["reports", "set", "YH-20990101-0001", "已受理", "--note", "x"], "没有隐患报告"),
        (["reports", "set", "YH-20260718-0001", "已结案", "--note", "x"], "不能改为「已结案」"),
        (["reports", "set", "YH-20260719-0001", "已派单", "--note", "x"], "需要选择负责的部门"),
        (["reports", "list", "--committee", "火星"], "没有居委会"),
        (["reports", "export", "--from", "7月1日"], "YYYY-MM-DD"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    db = tmp_path / "juwei.db"
    seed(db)
    assert main([*args, "--db", str(db)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_typed_text_never_becomes_a_spreadsheet_formula(tmp_path: Path) -> None:
    from bot.sheets import Sheet

    rows: list[list[object]] = [
        ["YH-20260718-0001", '=HYPERLINK("http://x","点我")', "+86 138", "楼道 =1"]
    ]
    sheet = Sheet("隐患报告", ["编号", "情况", "电话", "地址"], [1] * 4, rows)
    (tmp_path / "out.xlsx").write_bytes(sheet.xlsx())
    ws = load_workbook(tmp_path / "out.xlsx").active
    assert ws is not None
    assert ws["B2"].data_type == "s" and ws["B2"].value == '=HYPERLINK("http://x","点我")'
    (tmp_path / "out.csv").write_bytes(sheet.csv())
    read = list(csv.reader((tmp_path / "out.csv").read_text("utf-8-sig").splitlines()))
    assert read[1] == ["YH-20260718-0001", '\'=HYPERLINK("http://x","点我")', "'+86 138", "楼道 =1"]


def test_a_status_change_and_the_reporters_news_commit_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A process that dies between the change and the news leaves neither: running the command
    again then moves the report and tells the reporter exactly once."""
    db = tmp_path / "juwei.db"
    ref = seed(db)[1]  # 待受理

    async def killed(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("process killed after the status change")

    real = Outbox.insert
    monkeypatch.setattr(Outbox, "insert", killed)
    with pytest.raises(RuntimeError):
        main(["hazards", "set", ref, "已受理", "--note", "明天上门查看", "--db", str(db)])
    monkeypatch.setattr(Outbox, "insert", real)
    assert main(["hazards", "show", ref, "--json", "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "待受理"

    assert main(["hazards", "set", ref, "已受理", "--note", "明天上门查看", "--db", str(db)]) == 0
    with sqlite3.connect(db) as conn:
        told = conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE chat_id = 'alice' AND payload LIKE ?",
            (f"%{ref}%已受理%",),
        ).fetchone()[0]
    assert told == 1
