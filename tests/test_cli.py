"""The ``juwei`` command line speaks Chinese first: usage errors, help, lists, statuses, and
``--committee`` naming several committees at once."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot import main as main_module
from bot.main import main
from tests.conftest import PY, juwei_env
from tests.hazards.test_cli import seed


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main([*args, "--db", str(db)])
    except SystemExit as exit:  # argparse leaves through SystemExit
        code = int(exit.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    ("args", "chinese", "english"),
    [
        (["events", "add"], "缺少参数 --title, --start, --place", "the following arguments are"),
        (["events", "roster", "1", "--format", "pdf"], "--format 不能是 'pdf'", "invalid choice"),
        (["events", "roster", "x"], "event 应为整数", "invalid int value"),
        (["hazards", "digest"], "--daily --weekly 必须选一个", "one of the arguments"),
        (["hazards", "list", "--bogus"], "无法识别的参数 --bogus", "unrecognized arguments"),
        (["bogus"], "COMMAND 不能是 'bogus'", "invalid choice"),
    ],
)
def test_usage_errors_are_one_line_in_chinese_then_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], chinese: str, english: str
) -> None:
    code, out, err = run(capsys, tmp_path / "juwei.db", *args)
    assert code == 2 and out == ""
    assert err.startswith("juwei: 参数有误 (usage error) ") and err.count("\n") == 1
    assert err.index(chinese) < err.index(english)


def test_help_headings_are_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, tmp_path / "juwei.db", "events", "roster", "-h")
    assert code == 0
    assert out.startswith("用法 (usage): juwei events roster")
    assert "选项 (options):" in out and "显示帮助 (show this help)" in out


def test_hazards_set_takes_the_chat_s_short_words_and_no_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "juwei.db"
    ref = seed(db)[2]  # 待受理
    for word, label in (("受理", "已受理"), ("派单", "已派单"), ("整改", "已整改")):
        extra = ["--department", "物业"] if word == "派单" else []
        code, out, err = run(capsys, db, "hazards", "set", ref, word, *extra)
        assert code == 0, err
        assert out.startswith(f"{ref} → {label}")
    code, out, _ = run(capsys, db, "hazards", "show", ref, "--json")
    assert json.loads(out)["status_code"] == "resolved"
    code, _, err = run(capsys, db, "hazards", "set", ref, "结案")  # understood as 已结案:
    assert code == 2 and "上报人确认" in err  # the reporter has days to answer first


def test_hazards_set_refusing_still_needs_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "juwei.db"
    ref = seed(db)[2]
    code, _, err = run(capsys, db, "hazards", "set", ref, "不予受理")
    assert code == 2 and "\n" not in err.strip() and "原因" in err
    code, out, _ = run(capsys, db, "hazards", "show", ref, "--json")
    assert json.loads(out)["status_code"] == "submitted"  # nothing changed


def test_committee_takes_several_names_or_a_repeated_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "juwei.db"
    refs = seed(db)  # all three in 三门
    code, out, _ = run(capsys, db, "hazards", "list", "--committee", "高雄", "西二")
    assert code == 0 and not any(ref in out for ref in refs)
    code, out, _ = run(capsys, db, "hazards", "list", "--committee", "高雄", "三门", "--json")
    assert sorted(r["ref"] for r in json.loads(out)) == sorted(refs)
    code, out, _ = run(capsys, db, "hazards", "list", "--committee", "高雄", "--committee", "三门")
    assert all(ref in out for ref in refs)

    code, out, err = run(capsys, db, "events", "add", "--title", "纳凉晚会", "--start",
                         "2030-07-20 19:00", "--place", "广场", "--committee", "高雄", "西二",
                         "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["committees"] == ["高雄", "西二"]

    code, out, err = run(capsys, db, "notices", "add", "--text", "检修通知", "--committee",
                         "三门", "高雄", "--at", "2030-07-19 09:00", "--json")  # fmt: skip
    assert code == 0, err
    notice_id = json.loads(out)["id"]
    code, out, _ = run(capsys, db, "notices", "list", "--json")
    listed = {row["id"]: row for row in json.loads(out)}
    assert listed[notice_id]["targets"]["committees"] == ["三门", "高雄"]
    code, _, err = run(capsys, db, "hazards", "list", "--committee", "高雄", "不存在")
    assert code == 2 and "不存在" in err


def test_notices_list_speaks_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "juwei.db"
    assert main(["demo-data", "--db", str(db)]) == 0
    code, out, _ = run(capsys, db, "notices", "add", "--text", "今晚检修电梯。", "--everyone")
    assert code == 0
    code, out, _ = run(capsys, db, "notices", "list")
    assert code == 0 and "通知「今晚检修电梯。」已完成" in out
    assert "宣传「夏季消防安全提醒」进行中" in out
    assert "broadcast" not in out and "done" not in out and "active" not in out


def test_staff_tools_start_without_the_chat_router_and_know_the_consoles_folder() -> None:
    from bot.platforms.console import FILES_DIR

    done = subprocess.run(
        [PY, "-c", "import sys, bot.main; print('bot.registry' in sys.modules)"],
        capture_output=True,
        text=True,
        env=juwei_env(Path("unused.db")),
        timeout=60,
    )
    assert done.stdout.strip() == "False", done.stderr
    assert main_module.FILES_DIR == FILES_DIR
