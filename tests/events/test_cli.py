"""``juwei events`` and the whole sign-up story from a shell: separate processes, one database."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.main import main
from tests.conftest import juwei


def console(db: Path, user: str, *lines: str) -> list[dict[str, Any]]:
    done = juwei(db, "console", "--json", "--user", user, stdin="".join(f"{x}\n" for x in lines))
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_capacity_two_three_people_first_cancels_third_promoted(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    added = juwei(
        db, "events", "add", "--title", "拥军慰问活动", "--start", "2030-07-20 14:00",
        "--place", "三门居委会活动室", "--capacity", "2",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    event_id = added.stdout.strip()
    assert event_id.isdigit()

    answers = {}
    for user, name in (("u1", "张阿姨"), ("u2", "李伯伯"), ("u3", "王阿姨")):
        out = console(db, user, f"/events {event_id}", name, "确认提交")
        answers[user] = out[-1]["text"]
    assert "报名成功" in answers["u1"] and "报名成功" in answers["u2"]
    assert "候补名单第 1 位" in answers["u3"]

    out = console(db, "u1", "/mysignups", "1", "取消报名", "确认提交")
    assert "已取消「拥军慰问活动」的报名" in out[-1]["text"]
    to_third = [m for m in out if m["chat"] == "u3"]
    assert any("从候补转为报名成功" in m["text"] for m in to_third)

    delivered = console(db, "u3")  # the third's console shows what was left for them
    assert any("从候补转为报名成功" in m["text"] for m in delivered)

    roster = juwei(db, "events", "roster", event_id, "--format", "json")
    assert roster.returncode == 0, roster.stderr
    data = json.loads(roster.stdout)
    assert [p["name"] for p in data["confirmed"]] == ["李伯伯", "王阿姨"]
    assert data["waiting"] == [] and [p["name"] for p in data["cancelled"]] == ["张阿姨"]
    assert data["counts"]["confirmed_people"] == 2


class InProcess:
    """``juwei`` in this process (quicker than a subprocess) for the checks that allow it."""

    def __init__(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.db, self.capsys = db, capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main([*args[:2], "--db", str(self.db), *args[2:]])
        out, err = self.capsys.readouterr()
        return code, out, err


def test_add_list_roster_formats_announce_and_cancel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "juwei.db"
    run = InProcess(db, capsys)
    assert main(["demo-data", "--db", str(db)]) == 0
    code, out, err = run(
        "events", "add", "--title", "消防安全培训", "--start", "2030-08-01 9:30",
        "--end", "2030-08-01 11:00", "--place", "社区文化活动中心", "--capacity", "30",
        "--deadline", "2030-07-30 18:00", "--max-party", "2", "--committee", "三门",
        "--committee", "高雄", "--phone-required", "--json",
    )  # fmt: skip
    assert code == 0, err
    event = json.loads(out)
    assert event["start"] == "2030-08-01T09:30+08:00" and event["end"] == "2030-08-01T11:00+08:00"
    assert event["committees"] == ["三门", "高雄"] and event["phone_required"] is True
    assert (event["capacity"], event["max_party"], event["deadline"]) == (
        30,
        2,
        "2030-07-30T18:00+08:00",
    )
    listed = json.loads(run("events", "list", "--json")[1])
    assert [e["id"] for e in listed] == [event["id"]]

    eid = str(event["id"])
    csv_file, xlsx_file = tmp_path / "roster.csv", tmp_path / "roster.xlsx"
    assert run("events", "roster", eid, "--format", "csv", "--output", str(csv_file))[0] == 0
    header = next(csv.reader(io.StringIO(csv_file.read_text("utf-8-sig"))))
    assert header[:4] == ["状态", "候补序号", "姓名", "人数"]
    assert run("events", "roster", eid, "--format", "xlsx", "--output", str(xlsx_file))[0] == 0
    sheet = load_workbook(xlsx_file).active
    assert sheet is not None and sheet.title == f"#{eid} 消防安全培训"

    code, out, err = run("events", "reschedule", eid, "--start", "2030-08-02 9:30")
    assert code == 0, err
    assert (
        json.loads(out)["start"] == "2030-08-02T09:30+08:00"
        and json.loads(out)["end"] == "2030-08-02T11:00+08:00"
    )
    code, out, err = run("events", "announce", eid)
    assert code == 0, err
    assert "三门居民区居民群" in out and "高雄居民区居民群" in out and "西二" not in out
    code, out, _ = run("events", "cancel", eid)
    assert code == 0 and "已取消" in out
    code, _, err = run("events", "cancel", eid)
    assert code == 2 and "已经取消" in err


def test_usage_errors_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = InProcess(tmp_path / "juwei.db", capsys)
    cases = [
        ("--start", "昨天上午9点"),
        ("--start", "不知道"),
        ("--capacity", "0"),
        ("--committee", "不存在"),
        ("--end", "2030-07-20 13:00"),
    ]
    for option, value in cases:
        args = {"--title": "x", "--start": "2030-07-20 14:00", "--place": "某处"}
        args[option] = value
        flat = [part for pair in args.items() for part in pair]
        code, _, err = run("events", "add", *flat)
        assert code == 2, (option, value, err)
        assert len(err.strip().splitlines()) == 1, err
    code, _, err = run("events", "roster", "42", "--format", "json")
    assert code == 2 and "#42" in err


def test_an_empty_message_is_refused_and_sends_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = InProcess(tmp_path / "juwei.db", capsys)
    code, out, _ = run(
        "events", "add", "--title", "x", "--start", "2030-07-20 14:00", "--place", "某处"
    )
    assert code == 0
    for body in ("", "   "):
        code, _, err = run("events", "message", out.strip(), body)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
