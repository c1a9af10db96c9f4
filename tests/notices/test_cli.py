"""``juwei notices …``: upcoming on a fresh database; add, list, pause, resume, report, delete."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot.main import main
from tests.conftest import PY, juwei_env


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "bot", "notices", *args],
        cwd=db.parent,
        env=juwei_env(db),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_upcoming_lists_the_summer_campaign_on_a_fresh_database(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    june = run(db, "upcoming", "--from", "2027-06-01", "--days", "14", "--json")
    assert june.returncode == 0, june.stderr
    found = json.loads(june.stdout)
    assert [(item["at"], item["weekday"]) for item in found] == [
        ("2027-06-03 09:00", "thu"),
        ("2027-06-07 09:00", "mon"),
        ("2027-06-10 09:00", "thu"),
        ("2027-06-14 09:00", "mon"),
    ]
    assert {item["kind"] for item in found} == {"campaign"}
    assert all(item["targets"]["tags"] == ["residents"] for item in found)
    assert len({item["tip"] for item in found}) == 4

    november = run(db, "upcoming", "--from", "2027-11-01", "--days", "14", "--json")
    assert november.returncode == 0, november.stderr
    assert [item for item in json.loads(november.stdout) if item["kind"] == "campaign"] == []


def cli(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    code = main(["notices", *args, "--db", str(db)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_list_pause_resume_report_delete(tmp_path: Path, capsys) -> None:
    db = tmp_path / "juwei.db"
    assert main(["demo-data", "--db", str(db)]) == 0
    capsys.readouterr()

    code, out, _ = cli(capsys, db, "add", "--text", "周五下午三点开居委会主任例会。",
                       "--tag", "directors", "--at", "2030-07-19 09:00", "--json")  # fmt: skip
    assert code == 0
    once = json.loads(out)
    assert once["next"] == "2030-07-19 09:00" and once["queued"] == 0

    code, out, _ = cli(capsys, db, "add", "--text", "每月1日、15日检查楼道消防通道。",
                       "--committee", "三门", "--monthdays", "1,15", "--times", "10:00",
                       "--from", "01-01", "--until", "12-31", "--ack", "--json")  # fmt: skip
    assert code == 0
    monthly = json.loads(out)

    code, out, _ = cli(capsys, db, "add", "--text", "今晚8点起检修电梯。", "--everyone", "--json")
    assert code == 0 and json.loads(out)["queued"] == 5

    code, out, _ = cli(capsys, db, "list", "--json")
    listed = {row["id"]: row for row in json.loads(out)}
    assert listed[monthly["id"]]["schedule"]["monthdays"] == [1, 15]
    assert listed[monthly["id"]]["targets"]["committees"] == ["三门"]
    assert [c["chat"] for c in listed[monthly["id"]]["targets"]["chats"]] == [
        "console:sanmen-residents"
    ]
    assert listed[once["id"]]["status"] == "active"

    assert cli(capsys, db, "pause", str(once["id"]))[1].strip().endswith("已暂停。")
    code, out, _ = cli(capsys, db, "list", "--json")
    assert {r["id"]: r for r in json.loads(out)}[once["id"]]["status"] == "paused"
    assert "已恢复" in cli(capsys, db, "resume", str(once["id"]))[1]

    code, out, _ = cli(capsys, db, "upcoming", "--from", "2030-07-15", "--days", "7", "--json")
    ids = [item["notice"] for item in json.loads(out)]
    assert once["id"] in ids

    sent_now = max(listed)
    code, out, _ = cli(capsys, db, "report", str(sent_now), "--json")
    result = json.loads(out)
    assert (result["total"], result["waiting"], result["sent"]) == (5, 5, 0)

    assert "已删除" in cli(capsys, db, "delete", str(once["id"]))[1]
    code, out, _ = cli(capsys, db, "list", "--json")
    assert once["id"] not in [row["id"] for row in json.loads(out)]


def test_usage_errors_exit_2_with_one_line(tmp_path: Path, capsys) -> None:
    db = tmp_path / "juwei.db"
    code, _, err = cli(capsys, db, "add", "--text", "无对象")
    assert code == 2 and "--everyone" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli(capsys, db, "add", "--text", "x", "--everyone", "--days", "0,3")
    assert code == 2 and "重复规则有误" in err
    code, _, err = cli(capsys, db, "add", "--text", "x", "--everyone", "--at", "2001-01-01 09:00")
    assert code == 2 and "已经过去" in err
    code, _, err = cli(capsys, db, "add", "--text", " ", "--everyone")
    assert code == 2 and "不能为空" in err
    code, _, err = cli(
        capsys, db, "add", "--text", "x", "--everyone", "--days", "周一", "--from", "06-01"
    )
    assert code == 2 and "--until" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli(capsys, db, "add", "--text", "x", "--everyone", "--days", "mon",
                       "--from", "06-01", "--until", "2027-09-30")  # fmt: skip
    assert code == 2 and "both MM-DD or both YYYY-MM-DD" in err
    code, _, err = cli(
        capsys, db, "add", "--text", "x", "--everyone", "--ack", "--remind-minutes", "0"
    )
    assert code == 2 and "--remind-minutes" in err
    code, out, _ = cli(capsys, db, "list", "--json")
    assert [row["kind"] for row in json.loads(out)] == ["campaign"]  # nothing was added
    code, _, err = cli(capsys, db, "pause", "999")
    assert code == 2 and "没有通知 #999" in err
    code, out, _ = cli(capsys, db, "list", "--json")
    campaign_id = json.loads(out)[0]["id"]
    code, _, err = cli(capsys, db, "delete", str(campaign_id))
    assert code == 2 and "内置" in err
    code, _, err = cli(capsys, db, "upcoming", "--from", "2027/06/01")
    assert code == 2 and "YYYY-MM-DD" in err


def test_upcoming_in_plain_text(tmp_path: Path, capsys) -> None:
    db = tmp_path / "juwei.db"
    code, out, _ = cli(capsys, db, "upcoming", "--from", "2027-06-01", "--days", "7")
    assert code == 0
    assert out.splitlines()[0].startswith("2027-06-03 09:00 周四  #1 夏季消防安全提醒")
    code, out, _ = cli(capsys, db, "upcoming", "--from", "2027-11-01", "--days", "7")
    assert "没有安排" in out


def test_monthdays_without_a_window_run_all_year(tmp_path: Path, capsys) -> None:
    """The README's example: --monthdays with no --from/--until is every month, every year."""
    db = tmp_path / "juwei.db"
    assert main(["demo-data", "--db", str(db)]) == 0
    capsys.readouterr()
    code, out, err = cli(capsys, db, "add", "--text", "每月1日、15日检查楼道消防通道。",
                         "--committee", "三门", "--monthdays", "1,15", "--json")  # fmt: skip
    assert code == 0, err
    added = json.loads(out)
    code, out, _ = cli(capsys, db, "upcoming", "--from", "2027-12-10", "--days", "40", "--json")
    assert code == 0
    times = [item["at"] for item in json.loads(out) if item["notice"] == added["id"]]
    assert times == ["2027-12-15 09:00", "2028-01-01 09:00", "2028-01-15 09:00"]
    code, out, _ = cli(capsys, db, "list", "--json")
    (row,) = [r for r in json.loads(out) if r["id"] == added["id"]]
    assert (row["schedule"]["start"], row["schedule"]["end"]) == ("01-01", "12-31")
