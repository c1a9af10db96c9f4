"""``juwei polls …`` from a shell: the issue's story end to end, codes for the letters, mistakes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import juwei

SIX = (
    "室号,专有部分面积,业主姓名\n101,60,张三\n201,60,李四\n301,75,\n401,75,\n501,90,\n601,90,王五\n"
)


def add_building(tmp_path: Path, db: Path) -> dict[str, object]:
    (tmp_path / "5号楼.csv").write_text(SIX, encoding="utf-8-sig")
    added = juwei(
        db, "polls", "add", "--kind", "building", "--title", "加装电梯意向征询",
        "--committee", "三门", "--building", "三门小区5号楼", "--households", "5号楼.csv",
        "--deadline", "2099-07-25", "--json",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    found: dict[str, object] = json.loads(added.stdout)
    return found


def test_five_households_answer_by_console_and_the_result_passes_with_601_missing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "juwei.db"
    added = add_building(tmp_path, db)
    codes = added["codes"]
    assert isinstance(codes, dict) and sorted(codes) == ["101", "201", "301", "401", "501", "601"]
    assert added["deadline"] == "2099-07-25T23:59+08:00"
    for room, choice in (("101", "不同意"), ("201", "同意"), ("301", "同意"), ("401", "同意"),
                         ("501", "同意")):  # fmt: skip
        said = juwei(
            db, "console", "--json", "--user", f"r{room}",
            stdin=f"/poll {codes[room]}\n{choice}\n确认提交\n",
        )  # fmt: skip
        assert said.returncode == 0, said.stderr
        last = [json.loads(line) for line in said.stdout.splitlines()]
        assert any(f"{room}室「{choice}」" in m["text"] for m in last), said.stdout

    result = juwei(db, "polls", "result", str(added["id"]), "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert (found["households"], found["area"]) == (6, 450)
    assert found["participated"] == {
        "count": 5, "area": 360, "count_ratio": "5/6", "area_ratio": "4/5"
    }  # fmt: skip
    assert found["agreed"] == {"count": 4, "area": 300, "count_ratio": "4/5", "area_ratio": "5/6"}
    assert found["participation_ok"] is True and found["agreement_ok"] is True
    assert found["passed"] is True and found["missing"] == ["601"]

    shown = juwei(db, "polls", "result", str(added["id"]))
    assert "参与：5/6 户" in shown.stdout and "未答复：601" in shown.stdout

    # Who answered what is for staff at the terminal, room by room.
    answers = json.loads(juwei(db, "polls", "answers", str(added["id"]), "--json").stdout)
    by_room = {row["room"]: (row["owner"], row["answer"]) for row in answers}
    assert by_room["101"] == ("张三", "不同意") and by_room["601"] == ("王五", None)


def test_codes_print_for_the_letters_as_csv_and_xlsx_with_owners(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    added = add_building(tmp_path, db)
    codes = added["codes"]
    assert isinstance(codes, dict)
    printed = juwei(db, "polls", "codes", str(added["id"]), "--format", "csv")
    assert printed.returncode == 0, printed.stderr
    rows = list(csv.reader(io.StringIO(printed.stdout.removeprefix("\ufeff"))))
    assert rows[0][:4] == ["室号", "专有部分面积", "业主姓名", "户号码"]
    assert rows[1][:4] == ["101", "60", "张三", codes["101"]]
    written = juwei(
        db, "polls", "codes", str(added["id"]), "--format", "xlsx", "--output", "codes.xlsx"
    )
    assert written.returncode == 0, written.stderr
    sheet = load_workbook(tmp_path / "codes.xlsx").active
    assert sheet is not None
    assert [c.value for c in sheet[7]][:4] == ["601", "90", "王五", codes["601"]]


def test_a_simple_poll_counts_each_option(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    added = juwei(
        db, "polls", "add", "--title", "活动时间选哪天", "--option", "周六", "--option", "周日",
        "--chat", "console:sanmen-residents", "--deadline", "2099-01-01 18:00", "--json",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    poll = json.loads(added.stdout)
    assert poll["options"] == ["周六", "周日"] and poll["announced_to"] == 1
    said = juwei(
        db, "console", "--json", "--user", "u1", stdin=f"/poll {poll['id']}\n周日\n确认提交\n"
    )
    assert said.returncode == 0, said.stderr
    result = json.loads(juwei(db, "polls", "result", str(poll["id"]), "--json").stdout)
    assert result["answered"] == 1
    assert result["options"] == [{"label": "周六", "count": 0}, {"label": "周日", "count": 1}]


def test_a_bad_households_file_is_one_clear_line_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    (tmp_path / "bad.csv").write_text("室号,专有部分面积\n101,60\n201,六十\n", encoding="utf-8")
    refused = juwei(
        db, "polls", "add", "--kind", "building", "--title", "T", "--committee", "三门",
        "--building", "三门小区5号楼", "--households", "bad.csv", "--deadline", "2099-07-25",
    )  # fmt: skip
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "juwei: 住户名单第 3 行的专有部分面积「六十」不是正数（单位 m²，可带小数）。"
    )
    (tmp_path / "noheader.csv").write_text("房间,面积\n101,60\n", encoding="utf-8")
    refused = juwei(
        db, "polls", "add", "--kind", "building", "--title", "T", "--committee", "三门",
        "--building", "三门小区5号楼", "--households", "noheader.csv", "--deadline", "2099-07-25",
    )  # fmt: skip
    assert refused.returncode == 2 and "室号、专有部分面积" in refused.stderr
    listed = juwei(db, "polls", "list", "--json")
    assert json.loads(listed.stdout) == []


def test_a_past_deadline_and_an_unknown_poll_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    (tmp_path / "h.csv").write_text(SIX, encoding="utf-8")
    past = juwei(
        db, "polls", "add", "--kind", "building", "--title", "T", "--committee", "三门",
        "--building", "B", "--households", "h.csv", "--deadline", "2020-01-01",
    )  # fmt: skip
    assert past.returncode == 2 and "已经过去" in past.stderr
    missing = juwei(db, "polls", "result", "9")
    assert missing.returncode == 2 and "没有编号为 9 的意见征询" in missing.stderr


async def test_a_deadline_date_alone_takes_answers_through_that_whole_day(app) -> None:
    from bot.polls.cli import deadline_of

    for said in ("2026-07-25", "7月25日"):
        assert deadline_of(app, said).astimezone(app.tz).isoformat() == "2026-07-25T23:59:00+08:00"
    assert deadline_of(app, "7月25日下午6点").astimezone(app.tz).hour == 18
