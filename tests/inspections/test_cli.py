"""The issue's story from the shell: places added, a campaign, the 三门 director inspecting two
places by console (one 不合格 item reported), then progress and the linked report."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from tests.conftest import juwei

INSPECT_PASSED = "/inspect\n1\n合格\n合格\n合格\n合格\n确认提交\n"
INSPECT_FAILED = (
    "/inspect\n丰收\n不合格\n/photo 灭火器.jpg\n灭火器已过期两个月\n合格\n合格\n合格\n确认提交\n1\n"
)


def lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def test_the_shell_story_places_campaign_two_inspections_progress_and_report(
    tmp_path: Path,
) -> None:
    db = tmp_path / "juwei.db"
    assert juwei(db, "demo-data").returncode == 0
    for committee, name, address in (
        ("三门", "三门小吃店", "三门路 12号"),
        ("三门", "丰收美发", "三门路 20号"),
        ("三门", "老王五金", "三门路 31号"),
        ("高雄", "高雄便利店", "高雄路 5号"),
    ):
        added = juwei(
            db, "places", "add", "--committee", committee, "--kind", "九小场所",
            "--name", name, "--address", address, "--json",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        assert json.loads(added.stdout)["name"] == name

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    node = f"{today + timedelta(days=10)} 50%"
    made = juwei(
        db, "inspections", "add", "--title", "九小场所消防专项排摸",
        "--from", str(today - timedelta(days=1)), "--until", str(today + timedelta(days=30)),
        "--kind", "九小场所", "--node", node, "--json",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    campaign = json.loads(made.stdout)
    assert campaign["nodes"] == [{"date": str(today + timedelta(days=10)), "percent": 50}]
    assert campaign["checklists"]["九小场所"][0] == "灭火器在有效期内"

    first = juwei(db, "console", "--json", "--user", "sanmen-director", stdin=INSPECT_PASSED)
    assert first.returncode == 0, first.stderr
    assert "合格 4 项" in lines(first.stdout)[-1]["text"]
    group = juwei(
        db, "console", "--json", "--user", "staff", "--chat", "directors-group", "--group"
    )
    (announcement,) = lines(group.stdout)
    assert "九小场所消防专项排摸" in str(announcement["text"])
    assert "三门居委会（3 处）" in str(announcement["text"]) and "高雄便利店" in str(
        announcement["text"]
    )

    second = juwei(db, "console", "--json", "--user", "sanmen-director", stdin=INSPECT_FAILED)
    assert second.returncode == 0, second.stderr
    said = lines(second.stdout)
    mine = "\n".join(str(m["text"]) for m in said if m["chat"] == "sanmen-director")
    assert "不合格 1 项" in mine and "已上报隐患，编号 YH-" in mine

    progress = juwei(db, "inspections", "progress", str(campaign["id"]), "--json")
    assert progress.returncode == 0, progress.stderr
    rows = {r["committee"]: r for r in json.loads(progress.stdout)["committees"]}
    assert (rows["三门"]["checked"], rows["三门"]["places"], rows["三门"]["hazards"]) == (2, 3, 1)
    assert (rows["高雄"]["checked"], rows["高雄"]["places"], rows["高雄"]["hazards"]) == (0, 1, 0)

    listed = juwei(db, "reports", "list", "--json")
    (report,) = json.loads(listed.stdout)
    assert report["category"] == "九小场所" and report["committee"] == "三门"
    assert report["address"] == "三门路 20号" and report["photo_count"] == 1
    assert "九小场所消防专项排摸" in report["description"] and "丰收美发" in report["description"]

    out = tmp_path / "progress.xlsx"
    sheet = juwei(
        db, "inspections", "progress", str(campaign["id"]), "--format", "xlsx", "--output", str(out)
    )
    assert sheet.returncode == 0, sheet.stderr
    ws = load_workbook(out).active
    assert ws is not None
    statuses = {row[2]: row[4] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert statuses == {
        "三门小吃店": "已检查",
        "丰收美发": "已检查",
        "老王五金": "未检查",
        "高雄便利店": "未检查",
    }


def test_bad_campaign_input_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    bad = juwei(
        db, "inspections", "add", "--title", "排摸", "--from", "2027-08-01",
        "--until", "2027-08-31", "--node", "8月15日 50%",
    )  # fmt: skip
    assert bad.returncode == 2 and "时间节点" in bad.stderr and len(bad.stderr.splitlines()) == 1
    listed = juwei(db, "inspections", "list", "--json")
    assert json.loads(listed.stdout) == []
