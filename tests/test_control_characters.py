"""Control characters and terminal escapes typed by people are stripped on the way in, and
spreadsheets never break on what an older database already holds."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import juwei

RED, BELL = "\x1b[31m", "\x07"
DESCRIPTION = f"楼道里{RED}堆满{BELL}了纸箱\x00和旧家具"
ADDRESS = f"三门小区{RED} 5号楼{BELL} 2单元"
NAME = f"{RED}张阿姨{BELL}"


def cells(path: Path) -> list[str]:
    book = load_workbook(path)  # openpyxl's IllegalCharacterError would have stopped the export
    return [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row]


def escapes_in(text: str) -> bool:
    return any(ch in text for ch in ("\x1b", "\x07", "\x00"))


def test_typed_escapes_never_reach_storage_exports_or_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    added = juwei(db, "events", "add", "--title", "消防演练", "--start", "2030-07-20 14:00",
                  "--place", "三门居委会活动室")  # fmt: skip
    assert added.returncode == 0, added.stderr
    story = [
        "/report", "3", "三门", ADDRESS, DESCRIPTION, "跳过", "一般", "确认提交",
        f"/events {added.stdout.strip()}", NAME, "确认提交",
    ]  # fmt: skip
    typed = juwei(db, "console", "--json", "--user", "zhang", stdin="\n".join(story) + "\n")
    assert typed.returncode == 0, typed.stderr
    said = [json.loads(line)["text"] for line in typed.stdout.splitlines()]
    assert any("YH-" in t for t in said) and any("报名成功" in t for t in said)
    assert not any(escapes_in(t) for t in said)

    exported = juwei(db, "hazards", "export", "--format", "xlsx", "--output", "r.xlsx",
                     "--with-reporter", cwd=tmp_path)  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert "楼道里堆满了纸箱和旧家具" in cells(tmp_path / "r.xlsx")
    roster = juwei(db, "events", "roster", added.stdout.strip(), "--format", "xlsx",
                   "--output", "e.xlsx", cwd=tmp_path)  # fmt: skip
    assert roster.returncode == 0, roster.stderr
    assert "张阿姨" in cells(tmp_path / "e.xlsx")
    listed = juwei(db, "hazards", "list")
    assert listed.returncode == 0 and "三门小区 5号楼 2单元" in listed.stdout
    assert not escapes_in(listed.stdout)


def test_text_stored_before_the_cleaning_still_exports_and_lists_clean(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    story = ["/report", "3", "三门", "三门小区 5号楼 2单元", "楼道里堆满纸箱", "跳过", "一般",
             "确认提交"]  # fmt: skip
    assert juwei(db, "console", "--user", "zhang", stdin="\n".join(story) + "\n").returncode == 0
    with sqlite3.connect(db) as conn:  # as an older juwei would have stored it
        conn.execute(
            "UPDATE hazard_reports SET description = ?, address = ?", (DESCRIPTION, ADDRESS)
        )
    exported = juwei(db, "hazards", "export", "--format", "xlsx", "--output", "r.xlsx",
                     cwd=tmp_path)  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert "楼道里堆满了纸箱和旧家具" in cells(tmp_path / "r.xlsx")
    listed = juwei(db, "hazards", "list")
    assert listed.returncode == 0 and "三门小区 5号楼 2单元" in listed.stdout
    assert not escapes_in(listed.stdout)
